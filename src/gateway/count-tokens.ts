import type { ChatMessage } from "../core/chat.js";
import { GatewayError } from "../core/gateway-error.js";
import type { ModelSpec } from "../core/model-catalog.js";
import { type EncodingName, TokenCounter } from "./token-counter.js";

export interface CountTokensInput {
  text?: string;
  messages?: ChatMessage[];
  model?: string;
}

export interface CountTokensResult {
  tokens: number;
  model: string;
  encoding: EncodingName;
  exact: boolean;
}

/**
 * Exact counts for OpenAI models (their tiktoken encoding); for other
 * providers' models an o200k_base estimate flagged `exact: false`.
 */
export async function countTokens(
  input: CountTokensInput,
  catalog: Record<string, ModelSpec>,
  counter: TokenCounter,
): Promise<CountTokensResult> {
  const model = input.model ?? "gpt-4";
  const { encoding, exact: exactModel } = encodingFor(model, catalog);
  if (input.text === undefined && input.messages === undefined) {
    throw new GatewayError("GW_ERR_INVALID_REQUEST", "count_tokens needs `text` or `messages`.", {
      param: "text",
    });
  }
  if (input.text !== undefined && input.messages !== undefined) {
    throw new GatewayError("GW_ERR_INVALID_REQUEST", "count_tokens takes `text` or `messages`, not both.", {
      param: "messages",
    });
  }
  if (input.text !== undefined) {
    const counted = await counter.countText(input.text, encoding);
    return { tokens: counted.tokens, model, encoding, exact: exactModel && counted.exact };
  }
  const counted = await counter.countMessages(input.messages ?? [], encoding);
  return { tokens: counted.tokens, model, encoding, exact: exactModel && counted.exact };
}

function encodingFor(
  model: string,
  catalog: Record<string, ModelSpec>,
): { encoding: EncodingName; exact: boolean } {
  const spec = catalog[model];
  const openAiId = spec ? (spec.provider === "openai" ? spec.providerModelId : undefined) : model;
  const openAiEncoding = openAiId ? TokenCounter.openAiEncodingFor(openAiId) : undefined;
  if (openAiEncoding) return { encoding: openAiEncoding, exact: true };
  if (spec) return { encoding: "o200k_base", exact: false };
  const examples = Object.keys(catalog).slice(0, 6).join(", ");
  throw new GatewayError(
    "GW_ERR_UNKNOWN_MODEL",
    `Unknown model "${model}". Use an OpenAI model name (gpt-4, gpt-4o, gpt-4.1, o3, ...) for an exact count, or a catalog model (${examples}, ...; see list_models) for an estimate.`,
    { param: "model" },
  );
}
