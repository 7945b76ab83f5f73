import {
  type AzureProviderSettings,
  defaultAzureOpenAiApiVersion,
  type ProviderAdapter,
  type ProviderSettings,
} from "../../core/provider-adapter.js";
import { createEntraTokenSource } from "./azure-entra-token-source.js";
import { extractAzureOpenAiErrorMessage } from "./azure-openai-error.js";
import { azureOpenAiParameterSupport } from "./azure-openai-parameter-support.js";
import { convertOpenAiUsage } from "./convert-openai-usage.js";
import type { OpenAiChatRequestBody } from "./openai-api.js";
import type { OpenAiDialect } from "./openai-dialect.js";
import { createOpenAiFamilyAdapter } from "./openai-family-adapter.js";
import { withNativeResponses } from "./with-native-responses.js";

/** `stream_options` (usage on a stream's last chunk) came with 2024-09-01-preview; older versions refuse it. */
const firstVersionWithStreamOptions = "2024-09-01";
/** The `developer` role came with o1, in 2024-12-01-preview; older versions get those messages as `system`. */
const firstVersionWithDeveloperRole = "2024-12-01";

/**
 * Azure OpenAI: OpenAI's Chat Completions and Embeddings on a resource's
 * deployments. A catalog model's `provider_model_id` is the deployment name:
 * `POST {endpoint}/openai/deployments/{deployment}/chat/completions?api-version={version}`,
 * or with `v1`, `POST {endpoint}/openai/v1/chat/completions` with the deployment
 * as `model`. The key goes in `api-key` (a Microsoft Entra ID token as a bearer
 * token instead). Answers add content filter results (`prompt_filter_results`,
 * `content_filter_results`), which are not read; a stream may open with a chunk
 * carrying only those (openai-stream.ts skips it).
 */
export function azureOpenAiDialect(
  azure: AzureProviderSettings,
  authHeaders: NonNullable<OpenAiDialect["authHeaders"]>,
): OpenAiDialect {
  const { apiVersion } = azure;
  const isV1 = apiVersion === "v1";
  const supportsStreamOptions = isV1 || apiVersion >= firstVersionWithStreamOptions;
  return {
    defaultBaseUrl: "",
    supportsDeveloperRole: isV1 || apiVersion >= firstVersionWithDeveloperRole,
    hasEmbeddings: true,
    convertUsage: convertOpenAiUsage,
    parameterSupport: azureOpenAiParameterSupport(apiVersion),
    reasoningEffortOnlyForReasoningModels: true,
    urlFor: (endpoint, path, model) =>
      isV1
        ? `${endpoint}/openai/v1/${path}`
        : `${endpoint}/openai/deployments/${encodeURIComponent(model.providerModelId)}/${path}?api-version=${encodeURIComponent(apiVersion)}`,
    authHeaders,
    ...(supportsStreamOptions ? {} : { convertBody: withoutStreamOptions }),
    extractErrorMessage: extractAzureOpenAiErrorMessage,
  };
}

/**
 * Chat and embeddings on the family adapter; with `v1` or a preview version from 2025-03-01-preview
 * on (the dated GA versions have none), the Responses door's requests go natively to Azure's
 * Responses API: `{endpoint}/openai/v1/responses`, or `{endpoint}/openai/responses?api-version=...`.
 */
export function createAzureOpenAiAdapter(settings: ProviderSettings): ProviderAdapter {
  const azure = settings.azure ?? { apiVersion: defaultAzureOpenAiApiVersion, credential: "api-key" };
  const authHeaders = authHeadersFor(settings.name, azure);
  const adapter = createOpenAiFamilyAdapter(settings, azureOpenAiDialect(azure, authHeaders));
  const { apiVersion } = azure;
  const hasResponses = apiVersion === "v1" || (apiVersion.endsWith("-preview") && apiVersion >= "2025-03-01");
  if (!hasResponses) return adapter;
  const endpoint = settings.baseUrl.replace(/\/+$/, "");
  return withNativeResponses(adapter, {
    provider: settings.name,
    url:
      apiVersion === "v1"
        ? `${endpoint}/openai/v1/responses`
        : `${endpoint}/openai/responses?api-version=${encodeURIComponent(apiVersion)}`,
    timeouts: settings.timeouts,
    headers: () => authHeaders(settings.apiKey ?? ""),
    extractErrorMessage: extractAzureOpenAiErrorMessage,
  });
}

function authHeadersFor(
  provider: string,
  azure: AzureProviderSettings,
): NonNullable<OpenAiDialect["authHeaders"]> {
  if (azure.credential === "api-key") return (apiKey) => ({ "api-key": apiKey });
  if (azure.credential === "entra-token") return (token) => ({ authorization: `Bearer ${token}` });
  if (!azure.clientCredentials)
    throw new Error(`${provider}: entra-client-credentials without the app's credentials`);
  const tokens = createEntraTokenSource(provider, azure.clientCredentials);
  return async () => ({ authorization: `Bearer ${await tokens.token()}` });
}

/** Older versions stream without usage: the gateway then counts the tokens itself. */
function withoutStreamOptions({
  stream_options: _refusedBeforeSeptember2024,
  ...body
}: OpenAiChatRequestBody): Record<string, unknown> {
  return body;
}
