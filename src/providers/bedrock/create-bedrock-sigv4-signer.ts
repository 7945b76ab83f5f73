import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";

/**
 * AWS's SigV4 signer for Bedrock (service `bedrock`) with Node's SHA-256.
 * Its own module, imported at the first signed request, so a gateway without
 * Bedrock never loads it (and named imports of these CommonJS packages stay
 * static, which the bundle needs).
 */
export function createBedrockSigV4Signer(
  region: string,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
): SignatureV4 {
  return new SignatureV4({ service: "bedrock", region, credentials, sha256: Hash.bind(null, "sha256") });
}
