import { describe, expect, it } from "vitest";
import { credentialsIn, redactCredentials } from "./redact-credentials.js";

describe("credentialsIn", () => {
  it("takes the key of each credential header, bearer or not, and nothing else", () => {
    expect(
      credentialsIn({
        authorization: "Bearer sk-abcdefgh12345678",
        "x-api-key": "ant-key-12345678",
        "X-Goog-Api-Key": "goog-key-12345678",
        "anthropic-version": "2023-06-01",
      }),
    ).toEqual(["sk-abcdefgh12345678", "ant-key-12345678", "goog-key-12345678"]);
  });

  it("takes AWS's session token and the access key id a SigV4 signature names", () => {
    const authorization =
      "AWS4-HMAC-SHA256 Credential=AKIAFAKEBEDROCK00001/20261207/us-east-1/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc123";
    expect(
      credentialsIn({
        authorization,
        "x-amz-security-token": "session-token-12345678",
        "x-amz-date": "20261207T000000Z",
      }),
    ).toEqual([authorization, "AKIAFAKEBEDROCK00001", "session-token-12345678"]);
  });

  it("ignores placeholders too short to be secrets", () => {
    expect(credentialsIn({ authorization: "Bearer EMPTY" })).toEqual([]);
  });
});

describe("redactCredentials", () => {
  it("replaces every occurrence of every credential", () => {
    expect(
      redactCredentials("bad key k-12345678, again k-12345678; other x-87654321", [
        "k-12345678",
        "x-87654321",
      ]),
    ).toBe("bad key [redacted], again [redacted]; other [redacted]");
  });
});
