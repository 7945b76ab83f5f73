import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./load-config.js";

function configFile(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "llmgw-bedrock-config-")), "gateway.yaml");
  writeFileSync(path, yaml);
  return path;
}

describe("bedrock provider entries", () => {
  it("reads region and access keys from the AWS variables, the endpoint from the region", () => {
    const config = loadConfig({
      LLM_GATEWAY_CONFIG: configFile("providers:\n  bedrock: {}\n"),
      AWS_REGION: "eu-central-1",
      AWS_ACCESS_KEY_ID: "AKIAEXAMPLE000000001",
      AWS_SECRET_ACCESS_KEY: "secret-example-0001",
      AWS_SESSION_TOKEN: "session-example-0001",
    });
    expect(config.providers.bedrock).toMatchObject({
      kind: "bedrock",
      apiKey: "AKIAEXAMPLE000000001",
      baseUrl: "https://bedrock-runtime.eu-central-1.amazonaws.com",
      bedrock: {
        region: "eu-central-1",
        credentials: {
          accessKeyId: "AKIAEXAMPLE000000001",
          secretAccessKey: "secret-example-0001",
          sessionToken: "session-example-0001",
        },
      },
    });
  });

  it("the entry's region, keys and API key win; endpoint overrides in order base_url, BEDROCK_BASE_URL, AWS_ENDPOINT_URL_BEDROCK_RUNTIME", () => {
    const path = configFile(`
providers:
  bedrock-west:
    kind: bedrock
    api_key: ABSKexample-api-key-0001
    bedrock: { region: us-west-2, access_key_id: AKIAENTRY00000000001, secret_access_key: entry-secret-0001 }
  bedrock-east: { kind: bedrock, base_url: "http://127.0.0.1:9/" }
`);
    const config = loadConfig({
      LLM_GATEWAY_CONFIG: path,
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: "http://127.0.0.1:8/",
    });
    expect(config.providers["bedrock-west"]).toMatchObject({
      apiKey: "ABSKexample-api-key-0001",
      baseUrl: "http://127.0.0.1:8",
      bedrock: {
        region: "us-west-2",
        bearerToken: "ABSKexample-api-key-0001",
        credentials: { accessKeyId: "AKIAENTRY00000000001" },
      },
    });
    expect(config.providers["bedrock-east"]).toMatchObject({
      apiKey: undefined,
      baseUrl: "http://127.0.0.1:9",
      bedrock: { region: "us-east-1" },
    });
    const withBoth = loadConfig({
      LLM_GATEWAY_CONFIG: path,
      AWS_REGION: "us-east-1",
      BEDROCK_BASE_URL: "http://127.0.0.1:7",
    });
    expect(withBoth.providers["bedrock-west"]?.baseUrl).toBe("http://127.0.0.1:7");
  });

  it("refuses an entry without a region, half a key pair, and bedrock settings on another kind", () => {
    const failure = (yaml: string, env: Record<string, string> = {}) => {
      try {
        loadConfig({ LLM_GATEWAY_CONFIG: configFile(yaml), ...env });
      } catch (error) {
        return (error as Error).message;
      }
      return "loaded";
    };
    expect(failure("providers:\n  bedrock: {}\n")).toContain("providers.bedrock.bedrock.region is required");
    expect(
      failure("providers:\n  bedrock: { bedrock: { region: us-east-1, access_key_id: AKIAX } }\n"),
    ).toContain("access_key_id and secret_access_key together");
    expect(failure("providers:\n  groq: { bedrock: { region: us-east-1 } }\n")).toContain(
      "providers.groq.bedrock is for kind bedrock",
    );
    expect(failure("providers:\n  bedrock: { bedrock: { region: Virginia } }\n")).toContain("an AWS region");
  });
});
