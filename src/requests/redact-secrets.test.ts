import { describe, expect, it } from "vitest";
import { createSecretRedactor } from "./redact-secrets.js";

describe("createSecretRedactor", () => {
  it("removes known keys by value and key shapes it does not know, and keeps placeholders", () => {
    const redact = createSecretRedactor([
      "provider-secret-123456",
      "client-key-abcdefgh",
      "EMPTY",
      undefined,
    ]);
    const text = [
      "provider-secret-123456",
      "client-key-abcdefgh",
      `lgw_${"a".repeat(43)}`,
      `sk-ant-${"b".repeat(30)}`,
      `AIza${"c".repeat(35)}`,
      "Bearer abcdefghijklmnopqrstuvwxyz",
      "EMPTY",
      "plain words",
    ].join(" | ");
    expect(redact(text)).toBe(
      "[redacted] | [redacted] | [redacted] | [redacted] | [redacted] | [redacted] | EMPTY | plain words",
    );
  });
});
