// Loopback helpers for tests that run several nodes on 127.0.0.1.
import { createServer } from "node:net"

/** A port that was free on 127.0.0.1 a moment ago (for nodes that must know peers' ports up front). */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer()
    s.once("error", reject)
    s.listen(0, "127.0.0.1", () => {
      const a = s.address() as { port: number }
      s.close(() => resolve(a.port))
    })
  })
