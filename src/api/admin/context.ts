// What admin handlers receive.
import type { AccessKeyStore } from "../../node/access-keys.ts"
import type { ObjectStore } from "../../node/object-store.ts"
import type { RequestMetrics } from "../../node/metrics.ts"
import type { ClusterService } from "../../node/cluster/cluster-service.ts"

export interface AdminServices {
  readonly store: ObjectStore
  readonly keys: AccessKeyStore
  readonly metrics: RequestMetrics
  readonly adminToken: string
  readonly metricsToken: string | undefined
  /** The cluster this node belongs to (membership, layout); absent in API-only tests. */
  readonly cluster?: ClusterService
  readonly node: { readonly id: string; readonly s3Address: string; readonly region: string; readonly startedAt: number }
}

export interface AdminRequest {
  readonly query: URLSearchParams
  readonly body: unknown
  readonly services: AdminServices
}

export type AdminHandler = (req: AdminRequest) => Promise<{ status?: number; json: unknown }>

export const field = (body: unknown, name: string): unknown =>
  typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>)[name] : undefined
