import type { KeptResults } from "./kept-results.js";
import type { Principal } from "./principal.js";
import type { TokenCounter } from "./token-counter.js";

/** A text as a client may take it: whole, or its beginning and the id of the whole text kept apart. */
export type FittedText =
  | { text: string; cut?: undefined }
  | { text: string; cut: { keptId: string; totalTokens: number; shownTokens: number } };

/**
 * Cuts a text longer than `maxTokens` (o200k, the encoding clients such as
 * Claude Code count with) to its beginning and keeps the whole for the
 * project that asked, so nothing is lost, only deferred.
 */
export async function fitResult(
  parts: { tokenCounter: TokenCounter; kept: KeptResults },
  text: string,
  maxTokens: number,
  owner: { projectId: string; principal: Principal | undefined },
): Promise<FittedText> {
  // A token is at least one UTF-8 byte: a text this short cannot be too long.
  if (Buffer.byteLength(text, "utf8") <= maxTokens) return { text };
  const count = async (piece: string) => (await parts.tokenCounter.countText(piece, "o200k_base")).tokens;
  const totalTokens = await count(text);
  if (totalTokens <= maxTokens) return { text };
  let end = wholeCharacterEnd(text, Math.floor((text.length * maxTokens) / totalTokens));
  let shownTokens = await count(text.slice(0, end));
  while (shownTokens > maxTokens) {
    end = wholeCharacterEnd(text, Math.floor(end * 0.95));
    shownTokens = await count(text.slice(0, end));
  }
  const keptId = parts.kept.keep(text, owner.projectId, owner.principal);
  return { text: text.slice(0, end), cut: { keptId, totalTokens, shownTokens } };
}

/** An end that does not split a surrogate pair (an emoji cut in half is no text). */
function wholeCharacterEnd(text: string, end: number): number {
  const last = text.charCodeAt(end - 1);
  return last >= 0xd800 && last <= 0xdbff ? end - 1 : end;
}
