import type { ProviderAdapter, ProviderSettings } from "../../core/provider-adapter.js";
import { createGoogleCloudAuthHeaders } from "../shared/google-cloud-auth-headers.js";
import { extractGoogleErrorMessage } from "../shared/google-rpc-status.js";
import { requireVertexSettings, vertexModelUrl } from "../shared/vertex-model-url.js";
import { createMessagesAdapter } from "./anthropic-adapter.js";
import { extractAnthropicErrorMessage } from "./anthropic-error.js";

/** The Messages API version Vertex AI takes, in the body (docs.claude.com/en/api/claude-on-vertex-ai). */
export const vertexAnthropicVersion = "vertex-2023-10-16";

/**
 * Claude on Vertex AI (kind `vertex-anthropic`): Anthropic's Messages bodies,
 * answers and SSE events, posted to a project's
 * `publishers/anthropic/models/{model}:rawPredict` (`:streamRawPredict`)
 * with a Google Cloud OAuth token; the model is in the URL, not the body,
 * and the version is `anthropic_version` in the body. Errors come in
 * Anthropic's envelope from the model, in Google's from Vertex itself
 * (auth, quota, unknown model).
 */
export function createVertexAnthropicAdapter(settings: ProviderSettings): ProviderAdapter {
  const vertexSettings = requireVertexSettings(settings);
  const authHeaders = createGoogleCloudAuthHeaders(settings.name, vertexSettings.vertex);
  return createMessagesAdapter(
    settings,
    {
      messagesUrl: (modelId, stream) =>
        vertexModelUrl(vertexSettings, "anthropic", modelId, stream ? "streamRawPredict" : "rawPredict"),
      countTokensUrl: vertexModelUrl(vertexSettings, "anthropic", "count-tokens", "rawPredict"),
      headers: authHeaders,
      messagesBody: ({ model: _model, ...body }) => ({ ...body, anthropic_version: vertexAnthropicVersion }),
      countTokensBody: (body) => ({ ...body, anthropic_version: vertexAnthropicVersion }),
    },
    (body) => extractAnthropicErrorMessage(body) ?? extractGoogleErrorMessage(body),
  );
}
