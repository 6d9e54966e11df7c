// Entry point of a checker worker thread: installs tsx's loader, then runs the TypeScript worker.
import { register } from "tsx/esm/api"
register()
await import("./parallel-worker.ts")
