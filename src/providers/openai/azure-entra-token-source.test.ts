import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { UpstreamError } from "../../core/upstream-error.js";
import { createFakeAzureOpenAi } from "../../fakes/azure/fake-azure-openai.js";
import { createFakeEntraAuthority, type FakeEntraAuthority } from "../../fakes/azure/fake-entra-authority.js";
import type { FakeProvider } from "../../fakes/fake-provider.js";
import { testModel, testSettings } from "./__fixtures__/openai-fixtures.js";
import { createEntraTokenSource } from "./azure-entra-token-source.js";
import { createAzureOpenAiAdapter } from "./azure-openai-adapter.js";

const app = {
  tenantId: "11111111-2222-3333-4444-555555555555",
  clientId: "66666666-7777-8888-9999-000000000000",
  clientSecret: "entra-fake-client-secret-0005-do-not-log",
};

let authority: FakeEntraAuthority;
let azure: FakeProvider;
const credentials = (overrides: Partial<typeof app> = {}) => ({
  ...app,
  authorityHost: authority.url,
  ...overrides,
});

beforeAll(async () => {
  authority = await createFakeEntraAuthority(app);
  azure = await createFakeAzureOpenAi({
    credentials: {
      apiKey: "unused-key-0123456789",
      isValidEntraToken: (token) => authority.isValidToken(token),
    },
  });
});
afterEach(() => {
  authority.server.reset();
  azure.server.reset();
  authority.setTokenLifetimeSeconds(3599);
});
afterAll(async () => {
  await authority.close();
  await azure.close();
});

describe("Entra ID client credentials", () => {
  it("asks the tenant's token endpoint once for calls that come together, then uses the cached token", async () => {
    const tokens = createEntraTokenSource("azure", credentials());
    const [first, second] = await Promise.all([tokens.token(), tokens.token()]);
    const third = await tokens.token();
    expect(first).toBe(second);
    expect(third).toBe(first);
    expect(authority.isValidToken(first)).toBe(true);
    const calls = authority.tokenCalls();
    expect(calls).toHaveLength(1);
    expect(calls[0]?.path).toBe(`/${app.tenantId}/oauth2/v2.0/token`);
    expect(Object.fromEntries(new URLSearchParams(calls[0]?.bodyText))).toEqual({
      grant_type: "client_credentials",
      client_id: app.clientId,
      client_secret: app.clientSecret,
      scope: "https://cognitiveservices.azure.com/.default",
    });
  });

  it("renews a token within five minutes of its expiry", async () => {
    const tokens = createEntraTokenSource("azure", credentials());
    authority.setTokenLifetimeSeconds(300);
    const shortLived = await tokens.token();
    authority.setTokenLifetimeSeconds(3599);
    const renewed = await tokens.token();
    expect(renewed).not.toBe(shortLived);
    expect(await tokens.token()).toBe(renewed);
    expect(authority.tokenCalls()).toHaveLength(2);
  });

  it("a refused secret is a misconfigured deployment's error with Entra's reason, never the secret", async () => {
    const tokens = createEntraTokenSource(
      "azure",
      credentials({ clientSecret: "entra-wrong-secret-0006-do-not-log" }),
    );
    const failure = await tokens.token().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpstreamError);
    expect(failure).toMatchObject({ kind: "misconfigured", status: 401 });
    expect((failure as Error).message).toContain("AADSTS7000215");
    expect(JSON.stringify(failure) + String(failure)).not.toContain("entra-wrong-secret-0006-do-not-log");
    // A failed fetch is not cached: the next call asks again.
    await tokens.token().catch(() => undefined);
    expect(authority.tokenCalls()).toHaveLength(2);
  });

  it("the adapter sends the fetched token to Azure as a bearer token", async () => {
    const adapter = createAzureOpenAiAdapter(
      testSettings(azure.baseUrl, {
        name: "azure",
        kind: "azure",
        apiKey: app.clientSecret,
        azure: {
          apiVersion: "2024-10-21",
          credential: "entra-client-credentials",
          clientCredentials: credentials(),
        },
      }),
    );
    const model = testModel({ name: "azure-gpt-4o", provider: "azure", providerModelId: "gpt-4o" });
    const messages = [{ role: "user" as const, content: "Hi" }];
    const signal = new AbortController().signal;
    await adapter.chat(model, { messages }, { signal });
    await adapter.chat(model, { messages }, { signal });
    const sent = azure.chatCalls().map((call) => call.headers.authorization);
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatch(/^Bearer eyJ/);
    expect(sent[1]).toBe(sent[0]);
    expect(azure.chatCalls()[0]?.headers["api-key"]).toBeUndefined();
    expect(authority.tokenCalls()).toHaveLength(1);
  });
});
