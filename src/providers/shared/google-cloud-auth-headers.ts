import type { GoogleAuth } from "google-auth-library";
import type { VertexSettings } from "../../core/provider-adapter.js";
import { UpstreamError } from "../../core/upstream-error.js";

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
      // Loaded at the first token a deployment needs: a gateway without Vertex never loads the library.
      auth ??= import("./google-cloud-auth.js").then((module) =>
        module.createGoogleCloudAuth(vertex.credentialsFile),
      );
      token = (await (await auth).getAccessToken()) ?? undefined;
    } catch (error) {
      throw tokenError(provider, error);
    }
    if (!token) throw tokenError(provider, undefined);
    return { authorization: `Bearer ${token}` };
  };
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
