import type { ChatLogprob, ChatLogprobs } from "../../core/chat-parameters.js";
import type { GoogleLogprobsResult } from "./google-api.js";

/**
 * Gemini's `logprobsResult` (one chosen candidate per decoding step, and the
 * top candidates at each step when `logprobs` asked for them) as OpenAI's
 * `logprobs.content`. Gemini gives no bytes; they are the token's UTF-8.
 */
export function convertGoogleLogprobs(
  result: GoogleLogprobsResult | null | undefined,
): ChatLogprobs | undefined {
  const chosen = result?.chosenCandidates ?? [];
  if (chosen.length === 0) return undefined;
  const content = chosen.map((candidate, step): ChatLogprob => {
    const converted: ChatLogprob = tokenLogprob(candidate);
    const top = result?.topCandidates?.[step]?.candidates;
    if (top) converted.top_logprobs = top.map(tokenLogprob);
    return converted;
  });
  return { content, refusal: null };
}

function tokenLogprob(candidate: { token?: string | null; logProbability?: number | null }) {
  const token = candidate.token ?? "";
  return { token, logprob: candidate.logProbability ?? 0, bytes: [...Buffer.from(token, "utf8")] };
}
