import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { loadConfig } from "./load-config.js";

function writeFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "llmgw-vertex-")), name);
  writeFileSync(path, text);
  return path;
}

const keyFile = (projectId?: string) =>
  writeFile(
    "sa.json",
    JSON.stringify({
      type: "service_account",
      ...(projectId ? { project_id: projectId } : {}),
      private_key:
        "-----BEGIN PRIVATE KEY-----\nvertex-fake-secret-0001-do-not-log\n-----END PRIVATE KEY-----\n",
      client_email: "gw@p.iam.gserviceaccount.com",
    }),
  );

describe("Vertex AI provider settings", () => {
  it("takes project, location and key file from the entry, and derives the regional endpoint", () => {
    const config = loadConfig({
      LLM_GATEWAY_CONFIG: writeFile(
        "gateway.yaml",
        `providers:\n  vertex: { kind: vertex, project: my-project, location: europe-west1, credentials_file: /keys/sa.json }\n`,
      ),
    });
    expect(config.providers.vertex).toMatchObject({
      kind: "vertex",
      apiKey: "",
      baseUrl: "https://europe-west1-aiplatform.googleapis.com",
      vertex: { project: "my-project", location: "europe-west1", credentialsFile: "/keys/sa.json" },
    });
  });

  it("falls back to Google's variables, then the key file's project_id; location global by default", () => {
    const path = writeFile("gateway.yaml", "providers:\n  claude-gcp: { kind: vertex-anthropic }\n");
    const fromEnv = loadConfig({
      LLM_GATEWAY_CONFIG: path,
      GOOGLE_APPLICATION_CREDENTIALS: keyFile("key-project"),
      GOOGLE_CLOUD_PROJECT: "env-project",
      GOOGLE_CLOUD_LOCATION: "us-east5",
    });
    expect(fromEnv.providers["claude-gcp"]).toMatchObject({
      baseUrl: "https://us-east5-aiplatform.googleapis.com",
      vertex: { project: "env-project", location: "us-east5" },
    });
    const fromKey = loadConfig({
      LLM_GATEWAY_CONFIG: path,
      GOOGLE_APPLICATION_CREDENTIALS: keyFile("key-project"),
    });
    expect(fromKey.providers["claude-gcp"]).toMatchObject({
      baseUrl: "https://aiplatform.googleapis.com",
      vertex: { project: "key-project", location: "global" },
    });
    const overridden = loadConfig({
      LLM_GATEWAY_CONFIG: path,
      GOOGLE_CLOUD_PROJECT: "p",
      VERTEX_BASE_URL: "http://127.0.0.1:9",
    });
    expect(overridden.providers["claude-gcp"]?.baseUrl).toBe("http://127.0.0.1:9");
  });

  it("refuses a Vertex entry without a project, and Vertex fields on another kind, quoting no key", () => {
    const path = writeFile("gateway.yaml", "providers:\n  vertex: { kind: vertex }\n");
    const missing = () => loadConfig({ LLM_GATEWAY_CONFIG: path, GOOGLE_APPLICATION_CREDENTIALS: keyFile() });
    expect(missing).toThrow(ConfigError);
    expect(missing).toThrow(/providers\.vertex\.project is required/);
    const notJson = () =>
      loadConfig({
        LLM_GATEWAY_CONFIG: path,
        GOOGLE_APPLICATION_CREDENTIALS: writeFile("bad.json", "vertex-fake-secret-0001-do-not-log"),
      });
    expect(notJson).toThrow(/the credentials file is not JSON/);
    expect(notJson).not.toThrow(/do-not-log/);
    const misplaced = writeFile("gateway.yaml", "providers:\n  groq: { project: p }\n");
    expect(() => loadConfig({ LLM_GATEWAY_CONFIG: misplaced })).toThrow(/are Vertex AI's/);
  });
});
