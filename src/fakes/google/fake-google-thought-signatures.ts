import { createHmac } from "node:crypto";

/**
 * Thought signatures as the fake Gemini issues and checks them
 * (ai.google.dev/gemini-api/docs/thought-signatures): Gemini 3 refuses a
 * request whose current turn replays a step's first function call without
 * its signature; a signature it did not issue is corrupted; the documented
 * sentinel skips the check for history Gemini did not produce.
 */

const signingKey = "fake-google-thought-signature";
const skipValidator = "skip_thought_signature_validator";

export function signFunctionCall(name: string, args: unknown): string {
  return createHmac("sha256", signingKey)
    .update(`${name}\n${JSON.stringify(args)}`)
    .digest("base64");
}

type Part = { text?: unknown; functionCall?: { name?: unknown; args?: unknown }; thoughtSignature?: unknown };
type Content = { role?: unknown; parts?: Part[] };

/** The 400 message for a request Gemini would refuse, or undefined. */
export function checkThoughtSignatures(model: string, body: unknown): string | undefined {
  const contents = ((body as { contents?: Content[] } | undefined)?.contents ?? []).filter((content) =>
    Array.isArray(content?.parts),
  );
  // The current turn starts after the last user content with text (not a function response).
  const turnStart = contents.findLastIndex(
    (content) =>
      content.role === "user" && (content.parts ?? []).some((part) => typeof part.text === "string"),
  );
  for (const [offset, content] of contents.slice(turnStart + 1).entries()) {
    if (content.role !== "model") continue;
    const parts = content.parts ?? [];
    const first = parts.findIndex((part) => part.functionCall);
    for (const [index, part] of parts.entries()) {
      if (!part.functionCall) continue;
      const signature = part.thoughtSignature;
      if (signature === undefined) {
        if (index !== first || !/^gemini-3/.test(model)) continue;
        return `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${String(part.functionCall.name)}\` , position ${turnStart + 1 + offset + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`;
      }
      if (
        signature !== skipValidator &&
        signature !== signFunctionCall(String(part.functionCall.name), part.functionCall.args ?? {})
      ) {
        return "Corrupted thought signature.";
      }
    }
  }
  return undefined;
}
