import { z } from "zod";

/**
 * Google's error envelope (google.rpc.Status as JSON), the Gemini API's and Vertex AI's:
 * `{error: {code: 429, message, status: "RESOURCE_EXHAUSTED", details: [...]}}`.
 * Some Google front ends wrap it in a one-element array.
 */
const googleErrorSchema = z.object({
  error: z.object({
    code: z.number().nullish(),
    message: z.string().nullish(),
    status: z.string().nullish(),
    details: z
      .array(z.looseObject({ "@type": z.string().nullish(), retryDelay: z.string().nullish() }))
      .nullish(),
  }),
});

export type GoogleErrorBody = z.infer<typeof googleErrorSchema>["error"];

export function parseGoogleError(body: unknown): GoogleErrorBody | undefined {
  const parsed = googleErrorSchema.safeParse(Array.isArray(body) ? body[0] : body);
  return parsed.success ? parsed.data.error : undefined;
}

/** "RESOURCE_EXHAUSTED: Quota exceeded" from the envelope, for `createUpstreamError`. */
export function extractGoogleErrorMessage(body: unknown): string | undefined {
  const error = parseGoogleError(body);
  if (!error?.message) return error?.status ?? undefined;
  return error.status ? `${error.status}: ${error.message}` : error.message;
}
