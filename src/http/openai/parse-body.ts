import type { z } from "zod";
import { GatewayError } from "../../core/gateway-error.js";

/** Validates a request body; the first issue becomes a 400 naming the field. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
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
