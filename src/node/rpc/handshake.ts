// Mutual authentication from the cluster secret, and the session keys (DESIGN §6).
// Both sides send Hello {version, node id, nonce}; each then proves it knows the secret
// (an HMAC over the transcript) and holds its node key (an ed25519 signature over the
// same transcript). A peer that fails either proof is refused before any request of it is
// decoded. Session keys for each direction come from HKDF over the secret and both nonces.
import { createHmac, hkdfSync, sign, timingSafeEqual, verify } from "node:crypto"
import type { NodeIdentity } from "../identity.ts"
import { publicKeyOf } from "../identity.ts"

export const PROTOCOL_VERSION = 2 // 2: several length-prefixed messages per sealed frame

export interface Hello {
  readonly magic: "pollen-rpc"
  readonly version: number
  readonly nodeId: string
  readonly nonce: Uint8Array
}

export interface Proof {
  readonly mac: Uint8Array
  readonly signature: Uint8Array
}

export type Role = "initiator" | "responder"

const transcript = (role: Role, mine: Hello, theirs: Hello): Buffer =>
  Buffer.concat([
    Buffer.from(`pollen-rpc/v${PROTOCOL_VERSION}/${role}/`),
    mine.nonce,
    theirs.nonce,
    Buffer.from(mine.nodeId, "hex"),
    Buffer.from(theirs.nodeId, "hex"),
  ])

export const makeProof = (secret: Uint8Array, identity: NodeIdentity, role: Role, mine: Hello, theirs: Hello): Proof => {
  const t = transcript(role, mine, theirs)
  return { mac: createHmac("sha256", secret).update(t).digest(), signature: sign(null, t, identity.privateKey) }
}

/** Checks the peer's Hello; returns an error message or undefined. */
export const checkHello = (hello: unknown): string | undefined => {
  const h = hello as Partial<Hello> | null
  if (h === null || typeof h !== "object" || h.magic !== "pollen-rpc") return "not a Pollen RPC peer"
  if (h.version !== PROTOCOL_VERSION) return `protocol version ${String(h.version)} (this node speaks ${PROTOCOL_VERSION})`
  if (typeof h.nodeId !== "string" || !/^[0-9a-f]{64}$/.test(h.nodeId)) return "malformed node id"
  if (!(h.nonce instanceof Uint8Array) || h.nonce.length !== 32) return "malformed nonce"
  return undefined
}

/** Verifies the peer's proof (made with the peer's role); returns an error message or undefined. */
export const checkProof = (secret: Uint8Array, peerRole: Role, peer: Hello, me: Hello, proof: unknown): string | undefined => {
  const p = proof as Partial<Proof> | null
  if (p === null || typeof p !== "object" || !(p.mac instanceof Uint8Array) || !(p.signature instanceof Uint8Array)) {
    return "malformed proof"
  }
  const t = transcript(peerRole, peer, me)
  const expected = createHmac("sha256", secret).update(t).digest()
  if (p.mac.length !== expected.length || !timingSafeEqual(p.mac, expected)) return "peer does not know the cluster secret"
  if (!verify(null, t, publicKeyOf(peer.nodeId), p.signature)) return "peer's signature does not match its node id"
  return undefined
}

export interface SessionKeys {
  readonly send: Buffer
  readonly receive: Buffer
}

export const sessionKeys = (secret: Uint8Array, role: Role, mine: Hello, theirs: Hello): SessionKeys => {
  const [i, r] = role === "initiator" ? [mine, theirs] : [theirs, mine]
  const okm = Buffer.from(hkdfSync("sha256", secret, Buffer.concat([i.nonce, r.nonce]), "pollen-rpc/v1/keys", 64))
  const toResponder = okm.subarray(0, 32)
  const toInitiator = okm.subarray(32, 64)
  return role === "initiator" ? { send: toResponder, receive: toInitiator } : { send: toInitiator, receive: toResponder }
}
