// XML for S3 bodies: responses built and requests parsed with fast-xml-parser.
import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser"
import { s3Error } from "./errors.ts"

export const S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"

const builder = new XMLBuilder({ ignoreAttributes: false, suppressEmptyNode: false })

/** Serialises `{ Root: {...} }` with the XML declaration; `undefined` fields are omitted. */
export const toXml = (doc: Record<string, unknown>): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(doc) as string}`

const repeated = new Set([
  "Object",
  "Part",
  "CORSRule",
  "AllowedOrigin",
  "AllowedMethod",
  "AllowedHeader",
  "ExposeHeader",
  "Grant",
])

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  parseAttributeValue: false,
  removeNSPrefix: true,
  trimValues: false,
  processEntities: true,
  // The five XML entities plus numeric character references (&#34; &#x22;), which the parser
  // decodes only when given an entity table here (its typings say boolean, the code takes a
  // table); rclone writes the quotes of ETags as &#34;.
  htmlEntities: { amp: "&", apos: "'", gt: ">", lt: "<", quot: "\"" } as unknown as boolean,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (name) => repeated.has(name),
})

/** Parses a request body; anything that is not well-formed XML is `MalformedXML`. */
export const parseXml = (text: string): Record<string, unknown> => {
  if (text.trim() === "") throw s3Error("MalformedXML", "The request body is empty.")
  const valid = XMLValidator.validate(text)
  if (valid !== true) throw s3Error("MalformedXML", "The XML you provided was not well-formed.")
  try {
    const doc: unknown = parser.parse(text)
    if (typeof doc !== "object" || doc === null) throw new Error("not an element")
    return doc as Record<string, unknown>
  } catch {
    throw s3Error("MalformedXML", "The XML you provided was not well-formed.")
  }
}

/** The child element `name` of a parsed element, as an object (or undefined). */
export const child = (node: unknown, name: string): unknown =>
  typeof node === "object" && node !== null && !Array.isArray(node)
    ? (node as Record<string, unknown>)[name]
    : undefined

/** The text content of a leaf element, or undefined when absent or not text. */
export const text = (node: unknown, name: string): string | undefined => {
  const v = child(node, name)
  if (typeof v === "string") return v
  if (typeof v === "number" || typeof v === "boolean") return String(v)
  if (typeof v === "object" && v !== null && "#text" in v) return String((v as { "#text": unknown })["#text"])
  if (v === "") return ""
  return undefined
}

export const list = (node: unknown, name: string): unknown[] => {
  const v = child(node, name)
  if (v === undefined) return []
  return Array.isArray(v) ? v : [v]
}

export const textList = (node: unknown, name: string): string[] =>
  list(node, name).flatMap((v) => (typeof v === "string" ? [v] : typeof v === "number" ? [String(v)] : []))
