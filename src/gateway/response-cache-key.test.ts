import { describe, expect, it } from "vitest";
import type { ChatInput } from "./chat-types.js";
import { cacheDirectivesFromHeader } from "./response-cache.js";
import { canonicalJson, responseCacheKeys } from "./response-cache-key.js";

const base: ChatInput = {
  modelGroup: "fast",
  temperature: 0,
  messages: [
    { role: "system", content: "Be brief." },
    { role: "user", content: "What is 2 + 2?" },
  ],
};

describe("responseCacheKeys", () => {
  it("ignores key order and fields that do not change the answer, and keys on every other one", () => {
    const { key } = responseCacheKeys(base, "project:a");
    const reordered = JSON.parse(
      '{"messages":[{"content":"Be brief.","role":"system"},{"content":"What is 2 + 2?","role":"user"}],"temperature":0,"modelGroup":"fast"}',
    ) as ChatInput;
    expect(responseCacheKeys(reordered, "project:a").key).toBe(key);
    expect(responseCacheKeys({ ...base, user: "end-user-9", metadata: { a: "b" } }, "project:a").key).toBe(
      key,
    );
    for (const changed of [
      { ...base, max_tokens: 5 },
      { ...base, temperature: 0.5 },
      { ...base, modelGroup: "code" },
      { ...base, response_format: { type: "json_object" as const } },
      { ...base, tool_choice: "none" as const },
      { ...base, seed: 7 },
    ]) {
      expect(responseCacheKeys(changed, "project:a").key).not.toBe(key);
    }
    expect(responseCacheKeys(base, "project:b").key).not.toBe(key);
  });

  it("gives paraphrases of the last user turn the same prefix hash, and other histories another", () => {
    const one = responseCacheKeys(base, "p");
    const paraphrase = responseCacheKeys(
      { ...base, messages: [base.messages[0] as never, { role: "user", content: "2 plus 2 is?" }] },
      "p",
    );
    expect(paraphrase.key).not.toBe(one.key);
    expect(paraphrase.prefixHash).toBe(one.prefixHash);
    expect(paraphrase.lastUserText).toBe("2 plus 2 is?");
    const otherSystem = responseCacheKeys(
      { ...base, messages: [{ role: "system", content: "Be long." }, base.messages[1] as never] },
      "p",
    );
    expect(otherSystem.prefixHash).not.toBe(one.prefixHash);
  });

  it("embeds no turn holding an image", () => {
    const keys = responseCacheKeys(
      {
        ...base,
        messages: [
          {
            role: "user",
            content: [{ type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }],
          },
        ],
      },
      "p",
    );
    expect(keys.lastUserText).toBeUndefined();
  });

  it("writes canonical JSON: sorted keys at every depth, undefined left out", () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: undefined, x: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[{"x":2,"z":1}]},"b":1}',
    );
  });
});

describe("cacheDirectivesFromHeader", () => {
  it("reads no-cache, no-store and max-age, and nothing from an absent header", () => {
    expect(cacheDirectivesFromHeader(undefined)).toBeUndefined();
    expect(cacheDirectivesFromHeader("no-cache")).toEqual({ read: false, write: true });
    expect(cacheDirectivesFromHeader("No-Store")).toEqual({ read: false, write: false });
    expect(cacheDirectivesFromHeader("max-age=30")).toEqual({ read: true, write: true, maxAgeMs: 30_000 });
    expect(cacheDirectivesFromHeader("max-age=0")).toEqual({ read: false, write: true });
    expect(cacheDirectivesFromHeader(["public", "max-age=5, no-store"])).toMatchObject({
      read: false,
      write: false,
    });
    expect(cacheDirectivesFromHeader("max-age=soon")).toEqual({ read: true, write: true });
  });
});
