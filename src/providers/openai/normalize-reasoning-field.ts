/**
 * OpenRouter, Groq (`reasoning_format: parsed`), Ollama and newer vLLM name a
 * model's reasoning `reasoning` where DeepSeek named it `reasoning_content`;
 * read either, so the reasoning reaches the caller instead of being dropped.
 */
export function normalizeReasoningField(body: unknown): unknown {
  const choices = (body as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices)) return body;
  for (const choice of choices as Array<{ message?: Reasoned; delta?: Reasoned }>) {
    const message = choice.message ?? choice.delta;
    if (message && typeof message.reasoning === "string" && message.reasoning_content == null) {
      message.reasoning_content = message.reasoning;
    }
  }
  return body;
}

interface Reasoned {
  reasoning?: unknown;
  reasoning_content?: unknown;
}
