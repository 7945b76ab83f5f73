import { z } from "zod";
import { extractOpenAiErrorMessage } from "./openai-error.js";

/**
 * Azure's own envelope, beside OpenAI's that it passes on for request errors:
 * `{error: {code, message}}` for its gateway's answers (401 "Access denied",
 * 404 `DeploymentNotFound`, 429 with "Please retry after N seconds"), and for
 * a prompt its content filter refused, a 400 `content_filter` whose
 * `innererror` (`ResponsibleAIPolicyViolation`) names the categories it filtered.
 */
const azureContentFilterSchema = z.object({
  error: z.object({
    message: z.string().nullish(),
    code: z.string().nullish(),
    innererror: z
      .object({
        code: z.string().nullish(),
        content_filter_result: z
          .record(
            z.string(),
            z
              .object({
                filtered: z.boolean().nullish(),
                severity: z.string().nullish(),
                detected: z.boolean().nullish(),
              })
              .nullish(),
          )
          .nullish(),
      })
      .nullish(),
  }),
});

/**
 * "The response was filtered due to the prompt triggering Azure OpenAI's
 * content management policy. ... (content_filter: violence filtered at
 * severity medium)": which category, so the caller knows what to change.
 */
export function extractAzureOpenAiErrorMessage(body: unknown): string | undefined {
  const message = extractOpenAiErrorMessage(body);
  const parsed = azureContentFilterSchema.safeParse(body);
  const results = parsed.success ? parsed.data.error.innererror?.content_filter_result : undefined;
  if (!results) return message;
  const filtered = Object.entries(results)
    .filter(([, result]) => result?.filtered === true)
    .map(([category, result]) =>
      result?.severity ? `${category} filtered at severity ${result.severity}` : `${category} filtered`,
    );
  if (filtered.length === 0) return message;
  const text = parsed.success ? parsed.data.error.message : undefined;
  return `${text ?? "Filtered by Azure OpenAI's content filter"} (content_filter: ${filtered.join(", ")})`;
}
