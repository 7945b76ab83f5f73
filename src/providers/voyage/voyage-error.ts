import { z } from "zod";

/**
 * Voyage answers errors FastAPI-style: `{"detail": "message"}`, or for a body
 * that fails validation a list of `{loc, msg, type}`.
 */
const voyageErrorSchema = z.object({
  detail: z.union([z.string(), z.array(z.object({ msg: z.string(), loc: z.array(z.unknown()).nullish() }))]),
});

export function extractVoyageErrorMessage(body: unknown): string | undefined {
  const parsed = voyageErrorSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const { detail } = parsed.data;
  if (typeof detail === "string") return detail;
  return detail.map((issue) => (issue.loc ? `${issue.loc.join(".")}: ${issue.msg}` : issue.msg)).join("; ");
}
