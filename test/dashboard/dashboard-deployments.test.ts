import OpenAI from "openai";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFakeAnthropic } from "../../src/fakes/anthropic/fake-anthropic.js";
import type { FakeProvider } from "../../src/fakes/fake-provider.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { chromiumPath, closeChromium, hasChromium, launchChromium } from "../helpers/headless-chromium.js";

const adminKey = "deployments-admin-key-0123456789";

describe.skipIf(!hasChromium)(
  hasChromium
    ? "the dashboard's Deployments table in headless Chromium"
    : `the dashboard's Deployments table: SKIPPED, ${chromiumPath} is absent (apt-get install chromium; .ci/run does)`,
  () => {
    let harness: Harness;
    let eu: FakeProvider;
    let browser: BrowserContext;
    let page: Page;
    const pageErrors: string[] = [];

    beforeAll(async () => {
      eu = await createFakeAnthropic();
      harness = await startHarness({
        providers: ["anthropic"],
        env: { LLM_GATEWAY_API_KEYS: `${adminKey}=*` },
        configYaml: `
providers:
  anthropic-eu: { kind: anthropic, base_url: "${eu.baseUrl}", api_key: sk-ant-eu-fake-0013-do-not-log }
deployments:
  claude-sonnet-4: [{ provider: anthropic }, { provider: anthropic-eu, provider_model_id: claude-sonnet-4-eu }]
model_groups:
  pair: [claude-sonnet-4]
`,
      });
      const client = new OpenAI({ baseURL: `${harness.url}/v1`, apiKey: adminKey, maxRetries: 0 });
      for (let i = 0; i < 6; i++) {
        await client.chat.completions
          .create(
            { model: "pair", messages: [{ role: "user", content: "Hi" }], stream: true },
            { headers: { "x-project-id": "browser-deployments", "x-agent-id": "bot" } },
          )
          .then(async (stream) => {
            for await (const _chunk of stream) {
              // read to the end
            }
          });
      }
      browser = await launchChromium({ width: 1280, height: 900 });
      page = await browser.newPage();
      page.on("pageerror", (error) => pageErrors.push(error.message));
    });

    afterAll(async () => {
      await closeChromium(browser);
      await harness?.close();
      await eu?.close();
    });

    it("lists each deployment of a model served by several, with its circuit, traffic and share", async () => {
      await page.goto(`${harness.url}/dashboard?refresh=1`);
      await page.fill("#key", adminKey);
      await page.click("#key-form button");
      const rows = page.locator("#deployments tbody tr[data-deployment]");
      await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);
      const cells = async (deployment: string) =>
        (await page.locator(`#deployments tr[data-deployment="${deployment}"] td`).allTextContents()).map(
          (cell) => cell.trim(),
        );
      const home = await cells("anthropic/claude-sonnet-4");
      const away = await cells("anthropic-eu/claude-sonnet-4");
      expect(home.slice(0, 4)).toEqual(["claude-sonnet-4", "anthropic", expect.any(String), "closed"]);
      expect(away.slice(0, 4)).toEqual(["", "anthropic-eu", "claude-sonnet-4-eu", "closed"]);
      // Served counts add up to the six requests; the shares to 100 %.
      expect(Number(home[6]) + Number(away[6])).toBe(6);
      expect(Number.parseInt(home[7] ?? "", 10) + Number.parseInt(away[7] ?? "", 10)).toBe(100);
      expect(pageErrors).toEqual([]);
    });
  },
);
