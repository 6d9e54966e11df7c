// Located errors: file, line, column, the offending source line and a caret.
import type { At } from "./ast.ts"

export type ErrorKind = "parse" | "semantic" | "eval" | "config" | "io"

export class TlaError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly file?: string,
    readonly at?: At,
    readonly source?: string,
  ) {
    super(message)
  }

  /** `file:line:col: message`, the source line and a caret under the column. */
  format(): string {
    const where =
      this.file === undefined ? "" : this.at === undefined ? `${this.file}: ` : `${this.file}:${this.at[0]}:${this.at[1]}: `
    const head = `${where}${this.kind} error: ${this.message}`
    if (this.at === undefined || this.source === undefined) return head
    const line = this.source.split(/\r?\n/)[this.at[0] - 1]
    if (line === undefined) return head
    const caret = " ".repeat(Math.max(0, this.at[1] - 1)) + "^"
    return `${head}\n  ${line.replace(/\t/g, " ")}\n  ${caret}`
  }
}

/** Attaches a location to an error that lacks one (the innermost location wins). */
export const located = (e: unknown, file: string | undefined, at: At | undefined, source: string | undefined): TlaError => {
  if (e instanceof TlaError) {
    if (e.at !== undefined || at === undefined) return e
    return new TlaError(e.kind, e.message, file, at, source)
  }
  if (e instanceof RangeError && /call stack/i.test(e.message))
    return new TlaError("eval", "recursion too deep (maximum call stack size exceeded)", file, at, source)
  const msg = e instanceof Error ? e.message : String(e)
  return new TlaError("eval", `internal error: ${msg}`, file, at, source)
}

export const evalError = (message: string): TlaError => new TlaError("eval", message)
