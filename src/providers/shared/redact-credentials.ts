/**
 * Request headers that carry a provider key: bearer tokens, Anthropic's `x-api-key`, Google's
 * `x-goog-api-key`, Azure's `api-key`, AWS's session token `x-amz-security-token`.
 */
const credentialHeaders = new Set([
  "authorization",
  "x-api-key",
  "x-goog-api-key",
  "api-key",
  "x-amz-security-token",
]);

/** A SigV4 `Authorization` header's access key id: `Credential=AKIA.../20260101/us-east-1/bedrock/aws4_request`. */
const sigV4AccessKeyPattern = /Credential=([^/,\s]+)\//;

/** Shorter values are placeholders (vLLM's "EMPTY"), not secrets; redacting them would only mangle messages. */
const minCredentialLength = 8;

/** The keys a request sends, e.g. `<key>` of `Authorization: Bearer <key>`. */
export function credentialsIn(headers: Record<string, string>): string[] {
  const credentials: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!credentialHeaders.has(name.toLowerCase())) continue;
    const credential = value.replace(/^bearer\s+/i, "").trim();
    if (credential.length >= minCredentialLength) credentials.push(credential);
    const accessKeyId = sigV4AccessKeyPattern.exec(value)?.[1];
    if (accessKeyId && accessKeyId.length >= minCredentialLength) credentials.push(accessKeyId);
  }
  return credentials;
}

/**
 * Some providers repeat the key they were sent in their error body
 * ("Incorrect API key provided: sk-..."); that text becomes error messages,
 * attempts and log lines, so every occurrence is replaced first.
 */
export function redactCredentials(text: string, credentials: readonly string[]): string {
  let redacted = text;
  for (const credential of credentials) {
    if (redacted.includes(credential)) redacted = redacted.replaceAll(credential, "[redacted]");
  }
  return redacted;
}
