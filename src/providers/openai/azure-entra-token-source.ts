import type { AzureClientCredentials } from "../../core/provider-adapter.js";
import { UpstreamError } from "../../core/upstream-error.js";
import { loadUndici } from "../shared/load-undici.js";
import { redactCredentials } from "../shared/redact-credentials.js";

/** The scope Azure OpenAI's tokens are issued for (learn.microsoft.com/azure/ai-foundry/openai/how-to/managed-identity). */
const cognitiveServicesScope = "https://cognitiveservices.azure.com/.default";

/** A token is renewed this long before it expires, so no call goes out with one that lapses on the way. */
const renewBeforeExpiryMs = 5 * 60_000;

/** One token request serves every call waiting for it, so no single caller's abort may end it: its own bound. */
const tokenRequestTimeoutMs = 30_000;

export interface EntraTokenSource {
  /** A valid access token: the cached one, or a new one from the authority. */
  token(): Promise<string>;
}

/**
 * Microsoft Entra ID's client credentials grant (OAuth 2.0, RFC 6749 section 4.4):
 * `POST {authorityHost}/{tenantId}/oauth2/v2.0/token` with the app's id and
 * secret, answered `{token_type: "Bearer", expires_in, access_token}`. The
 * token is kept until five minutes before it expires; concurrent calls share
 * one request for it. A refusal (AADSTS… errors) fails the call as
 * `misconfigured`, so the router fails over and logs it; the secret is never in it.
 */
export function createEntraTokenSource(
  provider: string,
  credentials: AzureClientCredentials,
): EntraTokenSource {
  const url = `${credentials.authorityHost.replace(/\/+$/, "")}/${encodeURIComponent(credentials.tenantId)}/oauth2/v2.0/token`;
  let cached: { token: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;

  const fetchToken = async (): Promise<string> => {
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
      scope: cognitiveServicesScope,
    });
    const failure = (message: string, status?: number, cause?: unknown) =>
      new UpstreamError({
        provider,
        kind: status !== undefined && status >= 500 ? "server" : "misconfigured",
        message: `${provider}: no Entra ID token: ${redactCredentials(message, [credentials.clientSecret])}`,
        url,
        ...(status !== undefined ? { status } : {}),
        cause,
      });
    const { request } = await loadUndici();
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: form.toString(),
        signal: AbortSignal.timeout(tokenRequestTimeoutMs),
      });
    } catch (error) {
      throw failure(`the authority did not answer (${(error as Error).message})`, undefined, error);
    }
    const text = await response.body.text();
    let body: { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown };
    try {
      body = JSON.parse(text);
    } catch {
      throw failure(
        `the authority answered ${response.statusCode} with a body that is not JSON`,
        response.statusCode,
      );
    }
    if (response.statusCode !== 200 || typeof body.access_token !== "string") {
      const reason = [body.error, body.error_description]
        .filter((part) => typeof part === "string")
        .join(": ");
      throw failure(
        `the authority answered ${response.statusCode}${reason ? `: ${reason}` : ""}`,
        response.statusCode,
      );
    }
    const lifetimeMs = Number(body.expires_in) * 1000;
    const renewIn = Number.isFinite(lifetimeMs) ? Math.max(0, lifetimeMs - renewBeforeExpiryMs) : 0;
    cached = { token: body.access_token, renewAt: Date.now() + renewIn };
    return body.access_token;
  };

  return {
    async token() {
      if (cached && Date.now() < cached.renewAt) return cached.token;
      pending ??= fetchToken().finally(() => {
        pending = undefined;
      });
      return pending;
    },
  };
}
