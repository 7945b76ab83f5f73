/**
 * Gemini parses requests strictly (ai.google.dev/api/generate-content): a
 * `generationConfig` field it does not know is an INVALID_ARGUMENT
 * ("Invalid JSON payload received. Unknown name ..."), as is an OpenAI name
 * such as `presence_penalty` where it wants `presencePenalty`.
 */
const generationConfigFields = new Set([
  "stopSequences",
  "responseMimeType",
  "responseSchema",
  "responseJsonSchema",
  "responseModalities",
  "candidateCount",
  "maxOutputTokens",
  "temperature",
  "topP",
  "topK",
  "seed",
  "presencePenalty",
  "frequencyPenalty",
  "responseLogprobs",
  "logprobs",
  "enableEnhancedCivicAnswers",
  "speechConfig",
  "thinkingConfig",
  "mediaResolution",
]);

const thinkingConfigFields = new Set(["thinkingBudget", "includeThoughts", "thinkingLevel"]);

export function googleRefusalOf(body: Record<string, unknown>): string | undefined {
  const config = body.generationConfig as Record<string, unknown> | undefined;
  if (!config) return undefined;
  const unknown = Object.keys(config).find((field) => !generationConfigFields.has(field));
  if (unknown) return unknownName(unknown, "generation_config");
  if (config.logprobs !== undefined && config.responseLogprobs !== true) {
    return "logprobs is only valid if responseLogprobs is true";
  }
  const thinking = (config.thinkingConfig ?? {}) as Record<string, unknown>;
  const unknownThinking = Object.keys(thinking).find((field) => !thinkingConfigFields.has(field));
  if (unknownThinking) return unknownName(unknownThinking, "generation_config.thinking_config");
  return undefined;
}

function unknownName(field: string, at: string): string {
  return `Invalid JSON payload received. Unknown name "${field}" at '${at}': Cannot find field.`;
}
