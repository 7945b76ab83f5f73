import type { SignatureV4 } from "@smithy/signature-v4";
import type { BedrockSettings } from "../../core/provider-adapter.js";

export type BedrockRequestSigner = (url: URL, body: string) => Promise<Record<string, string>>;

/**
 * The auth headers of one Bedrock request. A Bedrock API key goes as
 * `Authorization: Bearer` (docs.aws.amazon.com/bedrock/latest/userguide/api-keys-use.html);
 * access keys sign the request with SigV4 for service `bedrock` in the
 * entry's region, through AWS's own signer, over the exact body sent.
 * Returns every header the signature covers, `host` and `content-type` included.
 */
export function createBedrockRequestSigner(settings: BedrockSettings): BedrockRequestSigner {
  const { bearerToken, credentials } = settings;
  if (bearerToken) {
    return async () => ({ "content-type": "application/json", authorization: `Bearer ${bearerToken}` });
  }
  if (!credentials) throw new Error("Bedrock needs an API key or AWS access keys");
  // Loaded at the first signed request: a gateway without Bedrock never reads AWS's signer.
  let signer: Promise<SignatureV4> | undefined;
  const loadSigner = async () => {
    const { createBedrockSigV4Signer } = await import("./create-bedrock-sigv4-signer.js");
    return createBedrockSigV4Signer(settings.region, credentials);
  };
  return async (url, body) => {
    signer ??= loadSigner();
    const signed = await (await signer).sign({
      method: "POST",
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      // As sent: the model id already percent-encoded; the signer encodes each segment again, as SigV4 wants.
      path: url.pathname,
      query: {},
      headers: { host: url.host, "content-type": "application/json" },
      body,
    });
    return signed.headers;
  };
}
