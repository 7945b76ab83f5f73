import { describe, expect, it } from "vitest";
import { withoutSecretFields } from "./create-logger.js";

describe("withoutSecretFields", () => {
  it("hands back a line without key fields as it is, uncopied", () => {
    const line = { requestId: "r1", project: "p", attempts: 1, http: { status: 200 }, list: [{ key: "x" }] };
    expect(withoutSecretFields(line)).toBe(line);
  });

  it("censors key fields at the top and one level down, leaving the caller's object untouched", () => {
    const provider = { name: "openai", apiKey: "sk-secret" };
    const line = {
      key: "lgw_secret",
      provider,
      other: { key: "k2", deeper: { key: "kept: two levels down" } },
    };
    expect(withoutSecretFields(line)).toEqual({
      key: "[redacted]",
      provider: { name: "openai", apiKey: "[redacted]" },
      other: { key: "[redacted]", deeper: { key: "kept: two levels down" } },
    });
    expect(provider.apiKey).toBe("sk-secret");
    expect(line.key).toBe("lgw_secret");
  });

  it("keeps an error's message, stack and class when it censors its key field", () => {
    const error = Object.assign(new TypeError("bad call"), { key: "sk-secret", status: 401 });
    const censored = withoutSecretFields({ err: error }).err as TypeError & { key: string; status: number };
    expect(censored).toBeInstanceOf(TypeError);
    expect(censored.message).toBe("bad call");
    expect(censored.stack).toBe(error.stack);
    expect(censored.key).toBe("[redacted]");
    expect(censored.status).toBe(401);
    expect(error.key).toBe("sk-secret");
  });
});
