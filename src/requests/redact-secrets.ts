import { redactCredentials } from "../providers/shared/redact-credentials.js";

/**
 * Key shapes redacted even when the gateway does not know the key: managed client keys are kept
 * only as digests, and a user may paste any provider's key into a message.
 */
const secretPatterns: readonly RegExp[] = [
  /lgw_[A-Za-z0-9_-]{20,}/g,
  /sk-(?:ant-|proj-)?[A-Za-z0-9_-]{16,}/g,
  /AIza[0-9A-Za-z_-]{30,}/g,
  /Bearer\s+[A-Za-z0-9._~+/-]{16,}=*/gi,
];

/** Short values are placeholders (vLLM's "EMPTY"), as in redactCredentials: redacting them would mangle text. */
const minSecretLength = 8;

/**
 * Replaces every secret in a body the explorer keeps: the gateway's own provider and client
 * keys by value (longest first, so one that contains another is removed whole), then key shapes.
 */
export function createSecretRedactor(
  knownSecrets: readonly (string | undefined)[],
): (text: string) => string {
  const secrets = [...new Set(knownSecrets)]
    .filter((secret): secret is string => secret !== undefined && secret.length >= minSecretLength)
    .sort((a, b) => b.length - a.length);
  return (text) => {
    let redacted = redactCredentials(text, secrets);
    for (const pattern of secretPatterns) redacted = redacted.replace(pattern, "[redacted]");
    return redacted;
  };
}
