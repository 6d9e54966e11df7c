// A node's identity: an ed25519 key pair kept in the metadata directory (DESIGN §6).
// The node id is the public key in hex, as in Garage.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"

export interface NodeIdentity {
  readonly id: string
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
}

const rawPublicKey = (key: KeyObject): Buffer => key.export({ format: "der", type: "spki" }).subarray(-32)

export const identityOf = (privateKey: KeyObject): NodeIdentity => {
  const publicKey = createPublicKey(privateKey)
  return { id: rawPublicKey(publicKey).toString("hex"), privateKey, publicKey }
}

export const generateIdentity = (): NodeIdentity => identityOf(generateKeyPairSync("ed25519").privateKey)

/** Loads `<metadataDir>/node_key.pem`, creating it (atomically, mode 0600) on first start. */
export const loadOrCreateIdentity = (metadataDir: string): NodeIdentity => {
  const file = join(metadataDir, "node_key.pem")
  if (existsSync(file)) return identityOf(createPrivateKey(readFileSync(file)))
  mkdirSync(dirname(file), { recursive: true })
  const identity = generateIdentity()
  const tmp = `${file}.tmp`
  writeFileSync(tmp, identity.privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600 })
  renameSync(tmp, file)
  return identity
}

/** The public key of a node id (hex of the raw 32-byte ed25519 key). */
export const publicKeyOf = (id: string): KeyObject => {
  if (!/^[0-9a-f]{64}$/.test(id)) throw new Error(`not a node id: ${id.slice(0, 80)}`)
  const prefix = Buffer.from("302a300506032b6570032100", "hex") // SPKI header of an ed25519 key
  return createPublicKey({ key: Buffer.concat([prefix, Buffer.from(id, "hex")]), format: "der", type: "spki" })
}
