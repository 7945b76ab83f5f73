import type { z } from "zod";
import { UpstreamError } from "../../core/upstream-error.js";

export interface UpstreamBodySource {
  provider: string;
  url: string;
}

/**
 * Validates an upstream body against its wire schema. A 2xx body we cannot
 * read is the provider's fault (`invalid_response`), so the router fails over.
 */
export function parseUpstreamBody<Schema extends z.ZodType>(
  schema: Schema,
  body: unknown,
  source: UpstreamBodySource,
): z.infer<Schema> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  return throwInvalid(
    source,
    `${issue?.path.join(".") || "body"}: ${issue?.message ?? "unexpected shape"}`,
    body,
  );
}

/** Parses one JSON text (an SSE event's data) from upstream. */
export function parseUpstreamJson(text: string, source: UpstreamBodySource): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    return throwInvalid(source, `not JSON: ${text.slice(0, 120)}`, text, error);
  }
}

function throwInvalid(source: UpstreamBodySource, detail: string, body: unknown, cause?: unknown): never {
  throw new UpstreamError({
    provider: source.provider,
    kind: "invalid_response",
    message: `${source.provider} sent a response we cannot read (${detail})`,
    url: source.url,
    body: typeof body === "string" ? body : JSON.stringify(body),
    cause,
  });
}
