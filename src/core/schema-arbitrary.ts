// Derives a fast-check Arbitrary from an effect/Schema declaration, so that the one Schema
// that types a message and decodes it off the wire also generates it for fuzzing.
// effect v4's own `Arbitrary` module has its own runner, not fast-check; this walks the
// Schema AST for the shapes Pollen's messages and records use, and applies every
// refinement (`check`) of the Schema as a filter, so generated values always decode.
import fc from "fast-check"
import type { Schema, SchemaAST } from "effect"

type Ast = SchemaAST.AST

interface Constraint {
  readonly number?: string
  readonly minimum?: number
  readonly maximum?: number
  readonly exclusiveMinimum?: number
  readonly exclusiveMaximum?: number
  readonly minLength?: number
  readonly maxLength?: number
}

const constraintsOf = (ast: Ast): Constraint => {
  const merged: Record<string, unknown> = {}
  for (const check of ast.checks ?? []) {
    const c = (check as { annotations?: { arbitraryConstraint?: Record<string, unknown> } }).annotations
      ?.arbitraryConstraint
    if (c !== undefined) Object.assign(merged, c)
  }
  return merged as Constraint
}

const passesChecks = (ast: Ast) => (value: unknown): boolean =>
  (ast.checks ?? []).every(
    (check) => (check as { run?: (v: unknown, a: Ast, o: object) => unknown }).run?.(value, ast, {}) === undefined,
  )

const isOptional = (ast: Ast): boolean => ast.context?.isOptional === true

const base = (ast: Ast, depth: number): fc.Arbitrary<unknown> => {
  const c = constraintsOf(ast)
  switch (ast._tag) {
    case "String":
      return fc.string({ minLength: c.minLength ?? 0, maxLength: c.maxLength ?? 12 })
    case "Number": {
      const min = c.minimum ?? (c.exclusiveMinimum !== undefined ? c.exclusiveMinimum + 1 : undefined)
      const max = c.maximum ?? (c.exclusiveMaximum !== undefined ? c.exclusiveMaximum - 1 : undefined)
      if (c.number === "integer" || c.number === "int32") {
        return fc.integer({ min: min ?? -1_000_000, max: max ?? 1_000_000 })
      }
      return fc.double({ min: min ?? -1e9, max: max ?? 1e9, noNaN: true })
    }
    case "Boolean":
      return fc.boolean()
    case "Null":
      return fc.constant(null)
    case "Undefined":
    case "Void":
      return fc.constant(undefined)
    case "Literal":
      return fc.constant(ast.literal)
    case "Enum":
      return fc.constantFrom(...ast.enums.map(([, v]) => v))
    case "Union":
      return fc.oneof(...ast.types.map((t) => arbitraryOfAst(t, depth)))
    case "Suspend":
      // Recursive schemas: stop recursing past a small depth so values stay finite.
      return depth > 3 ? fc.constant(undefined) : arbitraryOfAst(ast.thunk(), depth + 1)
    case "Arrays": {
      const head = ast.elements.map((e) => arbitraryOfAst(e, depth))
      const [rest] = ast.rest
      const tail =
        rest === undefined
          ? fc.constant([] as unknown[])
          : fc.array(arbitraryOfAst(rest, depth), { minLength: c.minLength ?? 0, maxLength: c.maxLength ?? 4 })
      return fc.tuple(fc.tuple(...head), tail).map(([h, t]) => [...h, ...t])
    }
    case "Objects": {
      const required: Record<string, fc.Arbitrary<unknown>> = {}
      const optional: string[] = []
      for (const ps of ast.propertySignatures) {
        const key = String(ps.name)
        required[key] = arbitraryOfAst(ps.type, depth)
        if (isOptional(ps.type)) optional.push(key)
      }
      const record = fc.record(required, { requiredKeys: Object.keys(required).filter((k) => !optional.includes(k)) })
      const [index] = ast.indexSignatures
      if (index === undefined) return record
      const dict = fc.dictionary(
        arbitraryOfAst(index.parameter, depth).map(String),
        arbitraryOfAst(index.type, depth),
        { maxKeys: 4 },
      )
      return fc.tuple(dict, record).map(([d, r]) => ({ ...d, ...r }))
    }
    default:
      throw new Error(`schema-arbitrary: unsupported schema node ${ast._tag}`)
  }
}

const arbitraryOfAst = (ast: Ast, depth: number): fc.Arbitrary<unknown> => {
  const arb = base(ast, depth)
  return ast.checks === undefined ? arb : arb.filter(passesChecks(ast))
}

/** A fast-check Arbitrary of the Schema's decoded type. */
export const arbitraryOf = <A>(schema: Schema.Codec<A, unknown>): fc.Arbitrary<A> =>
  arbitraryOfAst(schema.ast, 0) as fc.Arbitrary<A>
