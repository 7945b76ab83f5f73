import type { z } from "zod";
import { GatewayError } from "../../core/gateway-error.js";

/**
 * Parses an admin request's body, query or path with its schema; the first
 * problem becomes a 400 GW_ERR_INVALID_REQUEST whose `param` names the field
 * (`budget.daily_usd`, `models.2`) and whose message says what it must be.
 */
export function parseAdminInput<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  where: "body" | "query" | "path",
): z.output<Schema> {
  if (
    where === "body" &&
    (input === undefined || input === null || typeof input !== "object" || Array.isArray(input))
  ) {
    throw new GatewayError("GW_ERR_INVALID_REQUEST", "The request body must be a JSON object.", {
      param: "body",
    });
  }
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0] as z.core.$ZodIssue;
  const path = [
    ...issue.path.map(String),
    ...(issue.code === "unrecognized_keys" ? [issue.keys[0] ?? ""] : []),
  ];
  const param = path.join(".") || where;
  const message =
    issue.code === "unrecognized_keys"
      ? `Unknown field "${param}" in the ${where}.`
      : `Invalid ${where === "body" ? "field" : `${where} parameter`} "${param}": ${issue.message}.`;
  throw new GatewayError("GW_ERR_INVALID_REQUEST", message, { param });
}
