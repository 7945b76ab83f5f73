import { z } from "zod";
import type { ResponseFormat } from "../../core/chat.js";
import { UpstreamError } from "../../core/upstream-error.js";

type JsonSchemaFormat = Extract<ResponseFormat, { type: "json_schema" }>;

const validators = new WeakMap<object, z.ZodType | null>();

/** zod 4 builds a validator from the JSON schema; one it cannot read is checked as JSON only. */
function validatorFor(schema: Record<string, unknown>): z.ZodType | null {
  if (!validators.has(schema)) {
    let validator: z.ZodType | null;
    try {
      validator = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    } catch {
      validator = null;
    }
    validators.set(schema, validator);
  }
  return validators.get(schema) ?? null;
}

/**
 * Throws a retryable `schema_mismatch` when `content` is not JSON matching
 * the requested schema: the upstream was only asked for JSON mode and shown
 * the schema, so the gateway checks what OpenAI's structured output guarantees.
 */
export function checkJsonAnswer(
  provider: string,
  format: JsonSchemaFormat,
  content: string | null | undefined,
): void {
  const mismatch = (why: string) =>
    new UpstreamError({
      provider,
      kind: "schema_mismatch",
      message: `${provider} answered JSON that does not match the response_format schema "${format.json_schema.name}": ${why}`,
    });
  let value: unknown;
  try {
    value = JSON.parse(content ?? "");
  } catch {
    throw mismatch("the answer is not JSON");
  }
  const schema = format.json_schema.schema;
  if (!schema) return;
  const parsed = validatorFor(schema)?.safeParse(value);
  if (parsed && !parsed.success) {
    const issue = parsed.error.issues[0];
    throw mismatch(`${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`);
  }
}
