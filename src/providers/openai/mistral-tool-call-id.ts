import { createHash } from "node:crypto";

const mistralToolCallIdPattern = /^[a-zA-Z0-9]{9}$/;
const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/**
 * Mistral answers 400 to a tool call id that is not nine letters or digits
 * ("Tool call id was call_abc but must be a-z, A-Z, 0-9, with a length of
 * 9."), so ids from other providers (a conversation that failed over) are
 * mapped to nine characters of their hash: the same id always maps to the
 * same one, which keeps each call paired with its result.
 */
export function toMistralToolCallId(id: string): string {
  if (mistralToolCallIdPattern.test(id)) return id;
  const digest = createHash("sha256").update(id).digest();
  let mapped = "";
  for (let index = 0; index < 9; index++) mapped += alphabet[(digest[index] as number) % alphabet.length];
  return mapped;
}
