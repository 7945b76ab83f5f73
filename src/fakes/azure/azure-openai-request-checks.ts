import type { FakeResponse, RecordedCall } from "../fake-upstream-server.js";

/*
 * What Azure OpenAI refuses before a model sees the request
 * (learn.microsoft.com/azure/ai-foundry/openai/reference): a missing or wrong
 * `api-key` (or Entra ID bearer token) is a 401; a deployment path without
 * `api-version` is a 404 "Resource not found", an unknown version a 400; a
 * deployment the resource does not have is a 404 `DeploymentNotFound`; and the
 * dated versions refuse arguments their spec does not define with a 400
 * "Unrecognized request argument supplied" (`stream_options` before
 * 2024-09-01-preview). Preview versions and `v1` take what OpenAI takes.
 */

export interface AzureFakeCredentials {
  apiKey: string;
  /** A Microsoft Entra ID access token the fake accepts as `Authorization: Bearer`. */
  entraToken?: string;
  /** Tokens a fake authority issued and that are still valid (fake-entra-authority.ts). */
  isValidEntraToken?(token: string): boolean;
}

const datedVersions = new Set(["2022-12-01", "2023-05-15", "2024-02-01", "2024-06-01", "2024-10-21"]);

/** The chat fields of the GA spec 2024-10-21 (inference.json); 2024-06-01 lacks the newer ones below. */
const gaChatFields = new Set([
  "model",
  "messages",
  "temperature",
  "top_p",
  "stream",
  "stream_options",
  "stop",
  "max_tokens",
  "max_completion_tokens",
  "presence_penalty",
  "frequency_penalty",
  "logit_bias",
  "user",
  "data_sources",
  "logprobs",
  "top_logprobs",
  "n",
  "parallel_tool_calls",
  "response_format",
  "seed",
  "tools",
  "tool_choice",
  "functions",
  "function_call",
]);
const fieldsSince20240901 = new Set(["stream_options", "max_completion_tokens"]);

const deploymentPath = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)$/;

export function azureRefusalOf(
  call: RecordedCall,
  credentials: AzureFakeCredentials,
  deployments: ReadonlySet<string>,
): FakeResponse | undefined {
  if (!authorized(call, credentials)) {
    return azureError(
      401,
      "401",
      "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
    );
  }
  const body = (typeof call.body === "object" && call.body !== null ? call.body : {}) as Record<
    string,
    unknown
  >;
  const onDeployment = deploymentPath.exec(call.path);
  const version = call.query.get("api-version");
  if ((onDeployment || call.path === "/openai/responses") && !version) {
    return azureError(404, "404", "Resource not found");
  }
  if (
    call.path === "/openai/responses" &&
    version &&
    !(version.endsWith("-preview") && version >= "2025-03-01")
  ) {
    return azureError(400, "BadRequest", "API version not supported");
  }
  if (
    onDeployment &&
    version &&
    !datedVersions.has(version) &&
    !/^\d{4}-\d{2}-\d{2}-preview$/.test(version)
  ) {
    return azureError(400, "BadRequest", "API version not supported");
  }
  const deployment = onDeployment ? decodeURIComponent(onDeployment[1] ?? "") : body.model;
  if (typeof deployment !== "string" || !deployments.has(deployment)) {
    return azureError(
      404,
      "DeploymentNotFound",
      "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.",
    );
  }
  if (onDeployment?.[2] === "chat/completions" && version && datedVersions.has(version)) {
    const unknown = Object.keys(body).find(
      (field) => !gaChatFields.has(field) || (version < "2024-09-01" && fieldsSince20240901.has(field)),
    );
    if (unknown) return unrecognizedArgument(unknown);
  }
  return undefined;
}

function authorized(call: RecordedCall, credentials: AzureFakeCredentials): boolean {
  const apiKey = call.headers["api-key"];
  if (apiKey !== undefined) return apiKey === credentials.apiKey;
  const token = /^Bearer (.+)$/.exec(String(call.headers.authorization ?? ""))?.[1];
  if (token === undefined) return false;
  return token === credentials.entraToken || credentials.isValidEntraToken?.(token) === true;
}

/** Azure's own envelope: `{error: {code, message}}`, the code a string even when it is a status. */
export function azureError(status: number, code: string, message: string): FakeResponse {
  return { type: "json", status, body: { error: { code, message } } };
}

/** OpenAI's envelope, which Azure passes on for arguments it does not know. */
function unrecognizedArgument(field: string): FakeResponse {
  return {
    type: "json",
    status: 400,
    body: {
      error: {
        message: `Unrecognized request argument supplied: ${field}`,
        type: "invalid_request_error",
        param: null,
        code: null,
      },
    },
  };
}
