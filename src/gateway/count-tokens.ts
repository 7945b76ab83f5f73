import type { Logger } from "pino";
import type { ChatMessage } from "../core/chat.js";
import { GatewayError } from "../core/gateway-error.js";
import type { ModelSpec } from "../core/model-catalog.js";
import type { Deployments } from "../routing/deployments.js";
import { type EncodingName, TokenCounter } from "./token-counter.js";

export interface CountTokensInput {
  text?: string;
  messages?: ChatMessage[];
  model?: string;
}

export interface CountTokensResult {
  tokens: number;
  model: string;
  /** A tiktoken encoding, or `provider:<name>` when the provider's own endpoint counted. */
  encoding: EncodingName | `provider:${string}`;
  exact: boolean;
}

/**
 * The longest text count_tokens counts locally: about a million tokens, the
 * largest context window in the catalog. Counting it takes seconds of CPU,
 * which the counter spends in slices so that other requests keep being served.
 */
export const maxCountableCharacters = 4_000_000;

/** Past this, the rest of a text is bounded by its UTF-8 length instead of counted (flagged inexact). */
const countTimeBudgetMs = 10_000;

/**
 * How long count_tokens waits for a provider's counting endpoint before it
 * answers with its own estimate: a count is a quick question, not worth the
 * minute a generation may take to start.
 */
const defaultProviderCountTimeoutMs = 3_000;

/** Counting with the providers' own endpoints (Anthropic, Gemini) where a key is configured. */
export interface ProviderCounting {
  deployments: Pick<Deployments, "model">;
  logger: Logger;
  /** A counting call slower than this is abandoned for the local estimate. */
  timeoutMs?: number;
}

/**
 * Exact counts for OpenAI models (their tiktoken encoding). Other providers'
 * models are counted by the provider's own endpoint when it has one and a
 * key is configured (`providerCounting`); otherwise, or when that call fails,
 * an o200k_base estimate flagged `exact: false`.
 */
export async function countTokens(
  input: CountTokensInput,
  catalog: Record<string, ModelSpec>,
  counter: TokenCounter,
  providerCounting?: ProviderCounting,
): Promise<CountTokensResult> {
  const model = input.model ?? "gpt-4";
  // Own keys only: a model named "constructor" is unknown, not Object.prototype's.
  const spec = Object.hasOwn(catalog, model) ? catalog[model] : undefined;
  const { encoding, exact: exactModel } = encodingFor(model, spec, catalog);
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
  const characters =
    input.text?.length ??
    (input.messages ?? []).reduce((sum, message) => sum + JSON.stringify(message.content ?? "").length, 0);
  if (characters > maxCountableCharacters) {
    throw new GatewayError(
      "GW_ERR_INVALID_REQUEST",
      `count_tokens counts at most ${maxCountableCharacters.toLocaleString("en-US")} characters (about the largest context window); this input has ${characters.toLocaleString("en-US")}. Count it in parts.`,
      { param: input.text === undefined ? "messages" : "text" },
    );
  }
  if (!exactModel && spec && providerCounting) {
    // A text is counted as the one user message it would be sent as.
    const messages = input.messages ?? [{ role: "user" as const, content: input.text ?? "" }];
    const counted = await countWithProvider(spec, messages, providerCounting);
    if (counted) return { ...counted, model, exact: true };
  }
  if (input.text !== undefined) {
    const counted = await counter.countText(input.text, encoding, { timeBudgetMs: countTimeBudgetMs });
    return { tokens: counted.tokens, model, encoding, exact: exactModel && counted.exact };
  }
  const counted = await counter.countMessages(input.messages ?? [], encoding, {
    timeBudgetMs: countTimeBudgetMs,
  });
  return { tokens: counted.tokens, model, encoding, exact: exactModel && counted.exact };
}

async function countWithProvider(
  spec: ModelSpec,
  messages: ChatMessage[],
  { deployments, logger, timeoutMs = defaultProviderCountTimeoutMs }: ProviderCounting,
): Promise<Pick<CountTokensResult, "tokens" | "encoding"> | undefined> {
  const adapter = deployments.model(spec.name)?.adapter;
  if (!adapter?.countInputTokens) return undefined;
  try {
    const tokens = await adapter.countInputTokens(
      spec,
      { messages },
      { signal: AbortSignal.timeout(timeoutMs) },
    );
    return { tokens, encoding: `provider:${adapter.name}` };
  } catch (error) {
    logger.warn(
      {
        provider: adapter.name,
        model: spec.name,
        error: error instanceof Error ? error.message : String(error),
      },
      "count_tokens: the provider's counting endpoint failed; answering with an estimate",
    );
    return undefined;
  }
}

function encodingFor(
  model: string,
  spec: ModelSpec | undefined,
  catalog: Record<string, ModelSpec>,
): { encoding: EncodingName; exact: boolean } {
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
