import { readFileSync } from "node:fs";
import type { GoogleAuth } from "google-auth-library";
import type { VertexSettings } from "../../core/provider-adapter.js";
import { UpstreamError } from "../../core/upstream-error.js";

const cloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform";
/** Where google-auth-library sends a service account's signed assertion, whatever the key file says. */
const googleTokenUrl = "https://oauth2.googleapis.com/token";

/**
 * Bearer headers for Google Cloud, from google-auth-library: a service
 * account's key file (or Application Default Credentials) exchanged for an
 * OAuth access token, which the library caches and fetches again shortly
 * before it expires. A token the library cannot get becomes an
 * `UpstreamError` that names no key, assertion or token: the deployment is
 * misconfigured (or the token service down) and the chain moves on.
 */
export function createGoogleCloudAuthHeaders(
  provider: string,
  vertex: VertexSettings,
): () => Promise<Record<string, string>> {
  let auth: Promise<GoogleAuth> | undefined;
  return async () => {
    let token: string | null | undefined;
    try {
      auth ??= createGoogleCloudAuth(vertex.credentialsFile);
      token = (await (await auth).getAccessToken()) ?? undefined;
    } catch (error) {
      throw tokenError(provider, error);
    }
    if (!token) throw tokenError(provider, undefined);
    return { authorization: `Bearer ${token}` };
  };
}

/**
 * The library's client for a key file. It signs its assertion for Google's
 * token endpoint and ignores the file's `token_uri`; a file naming another
 * endpoint (a private endpoint, a proxy, a test's fake) has its token
 * requests sent there. The library is loaded at the first token a
 * deployment needs, so a gateway without Vertex never loads it.
 */
export async function createGoogleCloudAuth(credentialsFile: string | undefined): Promise<GoogleAuth> {
  const { GoogleAuth } = await import("google-auth-library");
  if (!credentialsFile) return new GoogleAuth({ scopes: [cloudPlatformScope] });
  const credentials = JSON.parse(readFileSync(credentialsFile, "utf8")) as Parameters<
    GoogleAuth["fromJSON"]
  >[0] & {
    token_uri?: unknown;
  };
  const client = new GoogleAuth({ scopes: [cloudPlatformScope] }).fromJSON(credentials);
  const tokenUri = typeof credentials.token_uri === "string" ? credentials.token_uri : googleTokenUrl;
  if (tokenUri !== googleTokenUrl) {
    client.transporter.interceptors.request.add({
      resolved: async (options) => {
        if (String(options.url) === googleTokenUrl) options.url = new URL(tokenUri);
        return options;
      },
    });
  }
  return new GoogleAuth({ authClient: client });
}

function tokenError(provider: string, error: unknown): UpstreamError {
  // Gaxios errors carry the request (with the signed assertion): only the status and OAuth error code leave here.
  const response = (error as { response?: { status?: number; data?: unknown } } | undefined)?.response;
  const oauthError = (response?.data as { error?: unknown } | undefined)?.error;
  const reason =
    response?.status !== undefined
      ? `the token endpoint answered ${response.status}${typeof oauthError === "string" ? ` ${oauthError}` : ""}`
      : error instanceof Error && !response
        ? ((error as NodeJS.ErrnoException).code ?? "no token")
        : "no token";
  return new UpstreamError({
    provider,
    kind: response?.status !== undefined && response.status >= 500 ? "server" : "misconfigured",
    message: `${provider}: could not get a Google Cloud access token (${reason})`,
  });
}
