// The CLI's client for the admin API: URL and token from flags, the environment
// (POLLEN_ADMIN_URL, POLLEN_ADMIN_TOKEN), the config file, or the node's token file.
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { ConfigError, loadConfig } from "../../node/config.ts"

export class CliError extends Error {}

export interface AdminClient {
  call(endpoint: string, options?: { query?: Record<string, string>; body?: unknown }): Promise<unknown>
}

export const adminClient = (flags: { config?: string | undefined; adminUrl?: string | undefined; token?: string | undefined }): AdminClient => {
  let config
  try {
    config = loadConfig(flags.config)
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message)
    throw error
  }
  const base = flags.adminUrl ?? process.env["POLLEN_ADMIN_URL"] ?? `http://${config.admin.bindAddr}`
  let token = flags.token ?? process.env["POLLEN_ADMIN_TOKEN"] ?? config.admin.adminToken
  if (token === undefined) {
    try {
      token = readFileSync(join(config.metadataDir, "admin_token"), "utf8").trim()
    } catch {
      throw new CliError(`no admin token: set POLLEN_ADMIN_TOKEN, pass --token, set [admin] admin_token in the config, or start the node first (it writes ${join(config.metadataDir, "admin_token")})`)
    }
  }
  return {
    call: async (endpoint, options = {}) => {
      const url = new URL(`/v2/${endpoint}`, base)
      for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v)
      let response: Response
      try {
        response = await fetch(url, {
          method: options.body === undefined ? "GET" : "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        })
      } catch {
        throw new CliError(`cannot reach the admin API at ${base} (is the node running?)`)
      }
      const text = await response.text()
      let json: unknown
      try {
        json = text === "" ? null : JSON.parse(text)
      } catch {
        throw new CliError(`unexpected answer from ${url.pathname}: HTTP ${response.status}`)
      }
      if (!response.ok) {
        const message = typeof json === "object" && json !== null && "message" in json ? String((json as { message: unknown }).message) : text
        throw new CliError(`${endpoint}: ${message}`)
      }
      return json
    },
  }
}

export const commonOptions = {
  config: { type: "string", short: "c" },
  "admin-url": { type: "string" },
  token: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const

export const withClient = async (
  flags: { config?: string | undefined; "admin-url"?: string | undefined; token?: string | undefined },
  body: (client: AdminClient) => Promise<number>,
): Promise<number> => {
  try {
    return await body(adminClient({ config: flags.config, adminUrl: flags["admin-url"], token: flags.token }))
  } catch (error) {
    if (error instanceof CliError) {
      console.error(`pollen: ${error.message}`)
      return 1
    }
    throw error
  }
}
