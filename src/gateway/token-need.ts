import type { ChatRequest } from "../core/chat.js";
import type { TokenNeed } from "../routing/deployment-load.js";

/** About what one image bills (Claude ~1,600 tokens for a large one); an estimate, not the budget's bound. */
const imageTokens = 1_600;

/**
 * What a chat request will take of a deployment's token quota, estimated
 * without a tokenizer (about four characters a token) because it is read on
 * every request before routing: the balancer's `cheapest` price and the
 * rate-limit headers' "fewer tokens left than the request needs". The output
 * is what the request allows itself (`max_tokens`), none when it sets no limit.
 */
export function tokenNeedOf(request: ChatRequest): TokenNeed {
  let characters = 0;
  let images = 0;
  for (const message of request.messages) {
    const content = message.content;
    if (typeof content === "string") characters += content.length;
    else if (content) {
      for (const part of content) {
        if (part.type === "text") characters += part.text.length;
        else images++;
      }
    }
  }
  return {
    inputTokens: Math.ceil(characters / 4) + images * imageTokens,
    outputTokens: (request.max_tokens ?? 0) * (request.n ?? 1),
  };
}
