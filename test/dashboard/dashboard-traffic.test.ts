import { mkdirSync } from "node:fs";
import OpenAI from "openai";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { chromiumPath, closeChromium, hasChromium, launchChromium } from "../helpers/headless-chromium.js";
import { registerTestSecrets } from "../helpers/test-log-files.js";

const adminKey = "traffic-admin-key-0123456789";
/** Long names, the kind that pushed the breakdown tables' Cost and Share columns out of their cards. */
const project = "browser-traffic-with-a-rather-long-project-name";
const longAgent = "nightly-summariser-for-the-customer-support-inbox-eu-west";

describe.skipIf(!hasChromium)(
  hasChromium
    ? "the dashboard's latency, error and refusal views, and its fit at 1280 and 1920 px, in headless Chromium"
    : `the dashboard's traffic views: SKIPPED, ${chromiumPath} is absent (apt-get install chromium; .ci/run does)`,
  () => {
    let harness: Harness;
    let browser: BrowserContext;
    let page: Page;
    const pageErrors: string[] = [];

    const chat = (projectId: string, agent: string, model: string) =>
      new OpenAI({
        apiKey: adminKey,
        baseURL: `${harness.url}/v1`,
        maxRetries: 0,
        defaultHeaders: { "x-project-id": projectId, "x-agent-id": agent },
      }).chat.completions.create({ model, messages: [{ role: "user", content: "Hi" }] });

    beforeAll(async () => {
      registerTestSecrets("dashboard-traffic", { adminKey });
      // The figures are asserted per minute: traffic sent across a minute boundary would split them.
      const intoMinute = Date.now() % 60_000;
      if (intoMinute > 45_000) await new Promise((resolve) => setTimeout(resolve, 60_500 - intoMinute));
      harness = await startHarness({
        providers: ["anthropic", "openai"],
        env: {
          LLM_GATEWAY_API_KEYS: `${adminKey}=*`,
          LLM_GATEWAY_MAX_RETRIES: "0",
          // Two failures in a row open a circuit: the two `fast` failovers open claude-haiku's.
          LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD: "2",
        },
        configYaml: [
          "rate_limits:\n  projects:\n    proj-limited: { requests_per_minute: 1 }",
          "budgets:\n  projects:\n    proj-broke: { daily_usd: 0.000001 }",
        ].join("\n"),
      });
      const { anthropic, openai } = harness.fakes;
      const answer = (fake: typeof anthropic, inputTokens: number, outputTokens: number) =>
        fake.enqueueChat(fake.replies.text("ok", { inputTokens, outputTokens }));
      const overloaded = () => anthropic.enqueueChat(anthropic.replies.error(529, "Overloaded"));
      answer(anthropic, 1_234_567, 234_567);
      await chat(project, longAgent, "reasoning");
      overloaded();
      answer(openai, 800, 200);
      await chat(project, "planner", "reasoning");
      for (let index = 0; index < 2; index += 1) {
        overloaded();
        answer(openai, 100, 50);
        await chat(project, "coder", "fast");
      }
      answer(openai, 100, 50);
      await chat("proj-limited", "bot", "fast");
      await expect(chat("proj-limited", "bot", "fast")).rejects.toMatchObject({ status: 429 });
      await expect(chat("proj-broke", "bot", "reasoning")).rejects.toMatchObject({ status: 429 });

      browser = await launchChromium({ width: 1280, height: 900 });
      page = await browser.newPage();
      page.on("pageerror", (error) => pageErrors.push(error.message));
      page.on("console", (message) => {
        if (message.type() === "error" && !message.text().includes("401")) pageErrors.push(message.text());
      });
      await page.goto(`${harness.url}/dashboard/?project=${project}&refresh=1`);
      await page.fill("#key", adminKey);
      await page.click("#key-form button");
      await waitFor(
        () => page.locator("#latency-by-model tbody tr[data-key]").count(),
        (count) => count >= 2,
      );
    });

    afterAll(async () => {
      await closeChromium(browser);
      await harness?.close();
    });

    it("shows p50 and p95 latency and TTFT per model over the last hour", async () => {
      const opus = await cellsOf(page, "latency-by-model", "anthropic/claude-opus-4-5");
      expect(opus[0]).toBe("anthropic/claude-opus-4-5");
      expect(opus[1]).toBe("1");
      for (const cell of opus.slice(2, 4)) expect(cell).toMatch(/^[\d,]+ ms$/);
      expect(await cellsOf(page, "latency-by-model", "openai/gpt-4.1-mini")).toContain("3");
      // One sparkline column per minute with a request, titled with that minute's figures.
      const titles = await page
        .locator('#latency-by-model tr[data-key="openai/gpt-4.1-mini"] svg.sparkline title')
        .allTextContents();
      expect(titles).toHaveLength(1);
      expect(titles[0]).toMatch(/UTC: 3 requests, p50 [\d,]+ ms, p95 [\d,]+ ms/);
    });

    it("shows errors and failovers per provider", async () => {
      // Three 529s (one on reasoning, two on fast), each failed over to OpenAI; then the open
      // circuit was skipped: a failover without a call.
      expect((await cellsOf(page, "errors-by-provider", "anthropic")).slice(0, 5)).toEqual([
        "anthropic",
        "4",
        "3",
        "75.0%",
        "4",
      ]);
      const columns = await page
        .locator('#errors-by-provider tr[data-key="anthropic"] svg.sparkline title')
        .allTextContents();
      expect(columns).toHaveLength(1);
      expect(columns[0]).toMatch(/UTC: 4 calls, 3 failed, 4 failed over$/);
      expect((await cellsOf(page, "errors-by-provider", "openai")).slice(0, 5)).toEqual([
        "openai",
        "4",
        "0",
        "0.0%",
        "0",
      ]);
    });

    it("counts requests refused by a budget and by a rate limit, per project", async () => {
      expect(await cellsOf(page, "refusals-by-project", "proj-broke")).toEqual(["proj-broke", "1", "0", "1"]);
      expect(await cellsOf(page, "refusals-by-project", "proj-limited")).toEqual([
        "proj-limited",
        "0",
        "1",
        "1",
      ]);
      expect(await page.locator("#refusals-chart .legend li").allTextContents()).toEqual([
        "over budget",
        "rate limited",
      ]);
      const titles = await page.locator("#refusals-chart svg .column title").allTextContents();
      expect(titles.some((title) => title.endsWith("1 over budget, 1 rate limited"))).toBe(true);
    });

    it("shows each circuit as a coloured badge with its state in words", async () => {
      const badge = (deployment: string) => `#circuits li[data-deployment="${deployment}"] .badge`;
      const open = badge("anthropic/claude-haiku");
      expect(await page.locator(open).first().textContent()).toBe("open");
      const openStyle = await styleOf(page, open);
      expect(openStyle.background).toBe("rgb(201, 42, 42)");
      expect(openStyle.color).toBe("rgb(255, 255, 255)");
      expect(Number.parseFloat(openStyle.fontSize)).toBeGreaterThanOrEqual(12);
      const closed = badge("anthropic/claude-opus-4-5");
      expect(await page.locator(closed).first().textContent()).toBe("closed");
      expect((await styleOf(page, closed)).background).toBe("rgb(43, 138, 62)");
    });

    for (const width of [1280, 1920]) {
      it(`fits ${width} px: nothing scrolls sideways and no table cell is cut`, async () => {
        await page.setViewportSize({ width, height: 900 });
        // A refresh redraws the tables at the new width.
        await page.waitForTimeout(1_200);
        expect(await overflowing(page)).toEqual([]);
        // The breakdown tables show every column, Share included, with the long names in them.
        const agentRow = await cellsOf(page, "by-agent", longAgent);
        expect(agentRow[0]).toBe(longAgent);
        expect(agentRow[2]).toBe("1,234,567 / 234,567");
        if (width === 1280) {
          mkdirSync("test-artifacts", { recursive: true });
          await page.screenshot({ path: "test-artifacts/dashboard-traffic-1280.png", fullPage: true });
          await page
            .locator("#latency-section")
            .screenshot({ path: "test-artifacts/dashboard-latency-1280.png" });
          await page
            .locator(".grid.traffic")
            .screenshot({ path: "test-artifacts/dashboard-errors-refusals-1280.png" });
        }
      });
    }

    it("loads with no script error", () => {
      expect(pageErrors).toEqual([]);
    });
  },
);

/** A row's cell texts by its `data-key`. */
async function cellsOf(page: Page, tableId: string, key: string): Promise<string[]> {
  const cells = await page.locator(`#${tableId} tbody tr[data-key="${key}"] td`).allTextContents();
  return cells.map((cell) => cell.trim());
}

/** The first match's computed colours and font size (evaluated as text in the page: the tests have no DOM types). */
async function styleOf(page: Page, selector: string) {
  return (await page.evaluate(`(() => {
    const style = getComputedStyle(document.querySelector(${JSON.stringify(selector)}));
    return { background: style.backgroundColor, color: style.color, fontSize: style.fontSize };
  })()`)) as { background: string; color: string; fontSize: string };
}

/**
 * Whatever is wider than its box in the shown view: the page, each card (a card scrolls its own
 * overflow, so the page alone would not tell), and each table cell (a cut cell).
 */
async function overflowing(page: Page): Promise<string[]> {
  return (await page.evaluate(`[document.documentElement,
      ...document.querySelectorAll("main:not([hidden]) > section, main:not([hidden]) .grid > div, main:not([hidden]) figure, main:not([hidden]) td, main:not([hidden]) th")]
    .filter((box) => box.scrollWidth > box.clientWidth)
    .map((box) => (box.closest("table")?.id ?? box.id ?? "") + " " + box.tagName + " " + JSON.stringify(box.textContent.slice(0, 40)) + ": " + box.scrollWidth + " > " + box.clientWidth)`)) as string[];
}

/** Polls `read` (up to 5 s) until `accept` passes; fails with what it last read. */
async function waitFor<T>(read: () => Promise<T>, accept: (value: T) => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  let value: T | undefined;
  while (Date.now() < deadline) {
    value = await read();
    if (accept(value)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`still ${JSON.stringify(value)}`);
}
