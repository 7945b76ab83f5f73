import type { z } from "zod";
import { GatewayError } from "../../core/gateway-error.js";

/** A zod schema, or a `SparseObjectSchema`. */
export interface BodySchema<T> {
  safeParse(body: unknown): z.ZodSafeParseResult<T>;
}

/** Validates a request body; the first issue becomes a 400 naming the field. */
export function parseBody<T>(schema: BodySchema<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const param = issue?.path.join(".") || null;
  throw new GatewayError(
    "GW_ERR_INVALID_REQUEST",
    param
      ? `Invalid request: ${param}: ${issue?.message}`
      : `Invalid request: ${issue?.message ?? "the body must be a JSON object"}`,
    param ? { param } : {},
  );
}
