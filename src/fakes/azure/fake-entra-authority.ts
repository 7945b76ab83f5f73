import { randomBytes } from "node:crypto";
import { type FakeResponse, FakeUpstreamServer, type RecordedCall } from "../fake-upstream-server.js";

/*
 * Microsoft Entra ID's token endpoint for the client credentials grant
 * (learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow):
 * `POST /{tenant}/oauth2/v2.0/token`, a form with grant_type, client_id,
 * client_secret and scope, answered `{token_type: "Bearer", expires_in,
 * ext_expires_in, access_token}`; a wrong secret is a 401 `invalid_client`
 * (AADSTS7000215), an unknown tenant a 400 `invalid_request` (AADSTS90002).
 */

const tokenPath = /^\/([^/]+)\/oauth2\/v2\.0\/token$/;

export interface FakeEntraApp {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

export interface FakeEntraAuthority {
  /** The authority host to configure (`azure_authority_host`). */
  readonly url: string;
  readonly server: FakeUpstreamServer;
  /** Tokens it issued and that have not expired: what a fake Azure resource accepts. */
  isValidToken(token: string): boolean;
  /** How long the next tokens live, in seconds (Entra's default is about an hour). */
  setTokenLifetimeSeconds(seconds: number): void;
  tokenCalls(): RecordedCall[];
  close(): Promise<void>;
}

export async function createFakeEntraAuthority(app: FakeEntraApp): Promise<FakeEntraAuthority> {
  const issued = new Map<string, number>();
  let lifetimeSeconds = 3599;
  const server = await new FakeUpstreamServer([
    {
      path: tokenPath,
      respond: (call) => answerTokenRequest(call, app, () => issue()),
    },
  ]).listen();
  const issue = () => {
    const token = `eyJ0eXAiOiJKV1Qi.fake-entra-${randomBytes(12).toString("hex")}`;
    issued.set(token, Date.now() + lifetimeSeconds * 1000);
    return { token, lifetimeSeconds };
  };
  return {
    url: server.url,
    server,
    isValidToken: (token) => (issued.get(token) ?? 0) > Date.now(),
    setTokenLifetimeSeconds: (seconds) => {
      lifetimeSeconds = seconds;
    },
    tokenCalls: () => server.callsTo(tokenPath),
    close: () => server.close(),
  };
}

function answerTokenRequest(
  call: RecordedCall,
  app: FakeEntraApp,
  issue: () => { token: string; lifetimeSeconds: number },
): FakeResponse {
  const tenant = tokenPath.exec(call.path)?.[1];
  const form = new URLSearchParams(call.bodyText);
  if (tenant !== app.tenantId) {
    return entraError(400, "invalid_request", `AADSTS90002: Tenant '${tenant}' not found.`);
  }
  if (form.get("grant_type") !== "client_credentials" || !form.get("scope")?.endsWith("/.default")) {
    return entraError(
      400,
      "invalid_request",
      "AADSTS900144: The request body must contain the following parameter: 'scope'.",
    );
  }
  if (form.get("client_id") !== app.clientId) {
    return entraError(
      400,
      "unauthorized_client",
      `AADSTS700016: Application with identifier '${form.get("client_id")}' was not found in the directory.`,
    );
  }
  if (form.get("client_secret") !== app.clientSecret) {
    return entraError(
      401,
      "invalid_client",
      "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
    );
  }
  const { token, lifetimeSeconds } = issue();
  return {
    type: "json",
    body: {
      token_type: "Bearer",
      expires_in: lifetimeSeconds,
      ext_expires_in: lifetimeSeconds,
      access_token: token,
    },
  };
}

function entraError(status: number, error: string, description: string): FakeResponse {
  return {
    type: "json",
    status,
    body: {
      error,
      error_description: description,
      error_codes: [Number(description.slice(5, description.indexOf(":")))],
      timestamp: new Date().toISOString(),
      trace_id: randomBytes(16).toString("hex"),
      correlation_id: randomBytes(16).toString("hex"),
    },
  };
}
