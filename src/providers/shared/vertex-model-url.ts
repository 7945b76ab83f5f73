import type { ProviderSettings, VertexSettings } from "../../core/provider-adapter.js";

/**
 * A Vertex AI publisher model's method URL:
 * `{base}/v1/projects/{project}/locations/{location}/publishers/{publisher}/models/{model}:{method}`.
 * A model id that is already a resource path (`projects/p/locations/l/endpoints/123`, a
 * tuned model's endpoint) is taken as it is.
 */
export function vertexModelUrl(
  settings: ProviderSettings & { vertex: VertexSettings },
  publisher: "google" | "anthropic",
  modelId: string,
  method: string,
): string {
  const base = settings.baseUrl.replace(/\/+$/, "");
  if (modelId.startsWith("projects/")) return `${base}/v1/${modelId}:${method}`;
  const { project, location } = settings.vertex;
  return `${base}/v1/projects/${project}/locations/${location}/publishers/${publisher}/models/${modelId}:${method}`;
}

/** The Vertex settings a `vertex*` kind cannot go without; config always sets them. */
export function requireVertexSettings(
  settings: ProviderSettings,
): ProviderSettings & { vertex: VertexSettings } {
  if (!settings.vertex)
    throw new Error(`${settings.name}: a Vertex AI provider needs a project and location`);
  return settings as ProviderSettings & { vertex: VertexSettings };
}
