import type { z } from "zod";

type Refinement<T> = (value: T, context: z.RefinementCtx<T>) => void;

/** Field subsets kept per schema; a body with yet another subset is parsed by the whole schema. */
const maxSubsets = 256;

/**
 * An object schema parsed by the fields a value has (a door's request body, a tool call's
 * arguments). zod parses an object by walking every field of its shape, present or not: the chat
 * request's 37 fields, of which a call sends a few, cost ~8 % of a chat request's CPU under load
 * (issue 21). This parses each value with the shape picked to the fields it has plus the required
 * ones (made once per subset of fields and kept), then runs the object's refinement: the same
 * output, the same issues in the same order, as `fields.superRefine(refine)`, which `whole` is.
 */
export class SparseObjectSchema<Shape extends z.ZodRawShape, Output = z.output<z.ZodObject<Shape>>> {
  readonly whole: z.ZodType<Output>;
  readonly #fields: z.ZodObject<Shape>;
  readonly #refine: Refinement<Output> | undefined;
  readonly #names: string[];
  /** Fields a body must have, or that give a value when absent (defaults): picked for every body. */
  readonly #alwaysPicked: Set<string>;
  readonly #bySubset = new Map<string, z.ZodType<Output>>();

  constructor(fields: z.ZodObject<Shape>, refine?: Refinement<Output>) {
    this.#fields = fields;
    this.#refine = refine;
    this.whole = (refine ? fields.superRefine(refine as never) : fields) as unknown as z.ZodType<Output>;
    this.#names = Object.keys(fields.shape);
    this.#alwaysPicked = fieldsAnAbsentKeyCounts(fields);
  }

  safeParse(body: unknown): z.ZodSafeParseResult<Output> {
    return (this.schemaFor(body) ?? this.whole).safeParse(body);
  }

  /** The schema picked to `body`'s fields; undefined for a body that is no object, or past the subsets kept. */
  schemaFor(body: unknown): z.ZodType<Output> | undefined {
    if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
    let subset = "";
    for (const name of this.#names) {
      if (this.#alwaysPicked.has(name) || Object.hasOwn(body, name)) subset += `${name},`;
    }
    const known = this.#bySubset.get(subset);
    if (known) return known;
    if (this.#bySubset.size >= maxSubsets) return undefined;
    const mask = Object.fromEntries(
      subset
        .split(",")
        .filter(Boolean)
        .map((name) => [name, true]),
    );
    const picked = this.#fields.pick(mask as never) as unknown as z.ZodObject;
    const schema = (this.#refine
      ? picked.superRefine(this.#refine as never)
      : picked) as unknown as z.ZodType<Output>;
    this.#bySubset.set(subset, schema);
    return schema;
  }
}

/**
 * The fields whose absence the object itself answers for: required ones (an issue) and defaulted
 * ones (a value). Asked of zod's own parse of `{}`, as whether a key may be absent depends on the
 * field's wrappers, not only on what it makes of `undefined` (`z.unknown()` accepts `undefined`,
 * yet its key is required).
 */
function fieldsAnAbsentKeyCounts(fields: z.ZodObject): Set<string> {
  const absent = fields.safeParse({});
  if (absent.success) return new Set(Object.keys(absent.data));
  const required = new Set(absent.error.issues.map((issue) => String(issue.path[0])));
  const rest = fields.omit(Object.fromEntries([...required].map((name) => [name, true])) as never);
  const defaulted = rest.safeParse({});
  // Unexplained issues: every field is picked, which is the whole schema's parse.
  if (!defaulted.success) return new Set(Object.keys(fields.shape));
  return new Set([...required, ...Object.keys(defaulted.data as object)]);
}
