import { readFileSync } from "node:fs";
import type { ProviderKind, VertexSettings } from "../core/provider-adapter.js";
import { ConfigError } from "./config-error.js";
import type { ConfigFile } from "./config-file-schema.js";
import type { GatewayEnv } from "./env-schema.js";

type ProviderEntry = NonNullable<ConfigFile["providers"]>[string];

/**
 * `global` unless told: @google/genai's default too, the endpoint where
 * current Gemini and Claude models are served without a region's capacity
 * limits. A region (`us-east5`, `europe-west1`) keeps data in it.
 */
export const defaultVertexLocation = "global";

export function isVertexKind(kind: ProviderKind): boolean {
  return kind === "vertex" || kind === "vertex-anthropic";
}

/**
 * A Vertex entry's project, location, key file and base URL: the entry
 * first, then the variables Google's SDKs read (GOOGLE_APPLICATION_CREDENTIALS,
 * GOOGLE_CLOUD_PROJECT, GOOGLE_CLOUD_LOCATION), then the key file's own
 * `project_id`. Only `project_id` is read from the key file here; the
 * private key stays with google-auth-library.
 */
export function vertexSettingsFrom(
  name: string,
  entry: ProviderEntry,
  env: GatewayEnv,
): { vertex: VertexSettings; baseUrl: string } {
  const credentialsFile = entry.credentials_file ?? env.GOOGLE_APPLICATION_CREDENTIALS;
  const project = entry.project ?? env.GOOGLE_CLOUD_PROJECT ?? projectIdIn(name, credentialsFile);
  if (!project) {
    throw new ConfigError(
      `Invalid configuration: providers.${name}.project is required for Vertex AI (or GOOGLE_CLOUD_PROJECT, or a credentials file with a project_id)`,
    );
  }
  const location = entry.location ?? env.GOOGLE_CLOUD_LOCATION ?? defaultVertexLocation;
  if (!/^[a-z0-9-]+$/.test(location)) {
    throw new ConfigError(
      `Invalid configuration: GOOGLE_CLOUD_LOCATION ${JSON.stringify(location)} is not a location`,
    );
  }
  const baseUrl = entry.base_url ?? env.VERTEX_BASE_URL ?? vertexEndpoint(location);
  return { vertex: { project, location, ...(credentialsFile ? { credentialsFile } : {}) }, baseUrl };
}

/** Vertex's service endpoint for a location: regional hosts, one host for `global`. */
export function vertexEndpoint(location: string): string {
  return location === "global"
    ? "https://aiplatform.googleapis.com"
    : `https://${location}-aiplatform.googleapis.com`;
}

function projectIdIn(name: string, credentialsFile: string | undefined): string | undefined {
  if (!credentialsFile) return undefined;
  let text: string;
  try {
    text = readFileSync(credentialsFile, "utf8");
  } catch (error) {
    throw new ConfigError(
      `Invalid configuration: providers.${name}: cannot read the credentials file (${(error as NodeJS.ErrnoException).code})`,
    );
  }
  try {
    const projectId = (JSON.parse(text) as { project_id?: unknown }).project_id;
    return typeof projectId === "string" && projectId !== "" ? projectId : undefined;
  } catch {
    // Never quote the file: it holds a private key.
    throw new ConfigError(`Invalid configuration: providers.${name}: the credentials file is not JSON`);
  }
}
