import type { ProviderAdapter, ProviderSettings } from "../../core/provider-adapter.js";
import { createGoogleCloudAuthHeaders } from "../shared/google-cloud-auth-headers.js";
import { requireVertexSettings, vertexModelUrl } from "../shared/vertex-model-url.js";
import { createGeminiAdapter } from "./google-adapter.js";

/**
 * Gemini on Vertex AI (kind `vertex`): the Gemini API's generateContent
 * bodies, SSE streams and google.rpc.Status errors, at a project's
 * `publishers/google/models/*` with a Google Cloud OAuth token.
 */
export function createVertexGeminiAdapter(settings: ProviderSettings): ProviderAdapter {
  const vertexSettings = requireVertexSettings(settings);
  return createGeminiAdapter(settings, {
    urlFor: (modelId, method) => vertexModelUrl(vertexSettings, "google", modelId, method),
    authHeaders: createGoogleCloudAuthHeaders(settings.name, vertexSettings.vertex),
    countTokensBody: (_modelId, prompt) => prompt,
    embeddings: "predict",
  });
}
