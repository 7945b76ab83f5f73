import type { ChatRequest } from "../core/chat.js";
import type { TokenCounter } from "./token-counter.js";

/**
 * The most input tokens one image can bill, across the providers we route
 * to: Claude scales images to at most ~1.15 megapixels (about 1,600 tokens;
 * its high-resolution models up to about 4,800), OpenAI's patch-based models
 * cap an image at 1,536 patches (about 2,500 tokens), Gemini 3 bills at most
 * 1,120 at high media resolution and Gemini 2.5 258 per 768-pixel tile. Only
 * a Gemini 2.5 image of more than about 23 tiles (larger than roughly
 * 3,000 x 4,500 pixels) can exceed it.
 */
export const imageTokenUpperBound = 6_000;

/**
 * What a provider adds around tool definitions: Anthropic's tool-use system
 * prompt alone is 300-350 tokens, plus framing per tool that the JSON text of
 * the definitions does not show.
 */
const toolsOverheadTokens = 500;
const toolOverheadTokens = 20;

/** Counting the prompt for a budget hold should not hold the event loop or the request for long. */
const holdCountTimeBudgetMs = 1_000;

/**
 * An upper bound of the input tokens a chat request can bill, for the budget
 * hold: messages (images at their upper bound), tool definitions and the
 * response schema, counted with o200k_base. Counting stops at `stopAt` (the
 * largest context window of the chain: a provider bills no more than that).
 * It never throws: if counting fails, the serialized request's UTF-8 length
 * bounds it (no token is shorter than a byte).
 */
export async function promptTokenBound(
  counter: TokenCounter,
  request: ChatRequest,
  stopAt: number,
): Promise<number> {
  try {
    const limits = { stopAt, timeBudgetMs: holdCountTimeBudgetMs };
    const messages = await counter.countMessages(request.messages, "o200k_base", {
      ...limits,
      imageTokens: imageTokenUpperBound,
    });
    let tokens = messages.tokens;
    if (request.tools?.length) {
      const definitions = await counter.countText(JSON.stringify(request.tools), "o200k_base", limits);
      tokens += definitions.tokens + toolsOverheadTokens + toolOverheadTokens * request.tools.length;
    }
    if (request.response_format && request.response_format.type !== "text") {
      const format = await counter.countText(JSON.stringify(request.response_format), "o200k_base", limits);
      // Anthropic carries a JSON response format as one more tool.
      tokens += format.tokens + toolsOverheadTokens;
    }
    return Math.min(tokens, stopAt);
  } catch {
    return Math.min(Buffer.byteLength(JSON.stringify(request), "utf8"), stopAt);
  }
}

/** The input tokens of an embedding batch, for the budget hold; never throws, as `promptTokenBound`. */
export async function embeddingTokenBound(counter: TokenCounter, input: string[]): Promise<number> {
  const text = input.join("\n");
  try {
    return (await counter.countText(text, "cl100k_base", { timeBudgetMs: holdCountTimeBudgetMs })).tokens;
  } catch {
    return Buffer.byteLength(text, "utf8");
  }
}
