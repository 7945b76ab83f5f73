import type { z } from "zod";
import { SparseObjectSchema } from "../core/sparse-object-schema.js";

/**
 * A tool's input schema that the MCP SDK validates by the fields a call sends (`SparseObjectSchema`):
 * the SDK validates through `~standard.validate`, which walked the chat_completion tool's every
 * field, present or not, on each call. Its JSON Schema listing is kept as it was.
 */
export function validateByFieldsSent<Schema extends z.ZodObject>(schema: Schema): Schema {
  const standard = schema["~standard"];
  const sparse = new SparseObjectSchema(schema);
  schema["~standard"] = {
    ...standard,
    validate: (value) =>
      ((sparse.schemaFor(value)?.["~standard"] ?? standard) as typeof standard).validate(value),
  };
  return schema;
}
