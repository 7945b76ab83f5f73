import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import OpenAI from "openai";
import pino from "pino";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoScenes, startDemoTraffic } from "../../src/demo/demo-traffic.js";
import { type Demo, startDemo } from "../../src/demo/start-demo.js";
import { chromiumPath, closeChromium, hasChromium, launchChromium } from "../helpers/headless-chromium.js";

const adminKey = "dashboard-admin-key-0123456789";
const screenshotPath = "test-artifacts/dashboard.png";

describe.skipIf(!hasChromium)(
  hasChromium
    ? "the dashboard in headless Chromium"
    : `the dashboard in headless Chromium: SKIPPED, ${chromiumPath} is absent (apt-get install chromium; .ci/run does)`,
  () => {
    let demo: Demo;
    let client: OpenAI;
    let browser: BrowserContext;
    let page: Page;
    const requestedUrls: string[] = [];
    const pageErrors: string[] = [];

    /** One request on `group`, answered by the scripted replies queued by `script` first. */
    const book = async (project: string, agent: string, group: string, script: () => void) => {
      script();
      await client.chat.completions.create(
        { model: group, messages: [{ role: "user", content: "Hi" }] },
        { headers: { "x-project-id": project, "x-agent-id": agent } },
      );
    };

    beforeAll(async () => {
      demo = await startDemo({
        port: 0,
        logger: pino({ level: "silent" }),
        failures: false,
        traffic: false,
        // Two failures in a row open a circuit, so two failovers on `fast` show an open one.
        env: { LLM_GATEWAY_API_KEYS: `${adminKey}=*`, LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD: "2" },
      });
      client = new OpenAI({ baseURL: `${demo.url}/v1`, apiKey: adminKey, maxRetries: 0 });
      const { anthropic, openai } = demo.fakes;
      const overloaded = () => anthropic.enqueueChat(anthropic.replies.error(529, "Overloaded"));
      const answer = (fake: typeof anthropic | typeof openai, inputTokens: number, outputTokens: number) =>
        fake.enqueueChat(fake.replies.text("ok", { inputTokens, outputTokens }));
      // Prices per million tokens (input, output): claude-haiku 1/5, claude-opus-4-5 5/25,
      // claude-sonnet-4 3/15, gpt-4.1 2/8, gpt-4.1-mini 0.4/1.6.
      // The demo's own background traffic first, each of its scenes at least once, for the other
      // projects' rows. It runs before any circuit opens, so it adds no failover rows (the page lists
      // only the newest 15): how many requests it sends varies with the machine.
      const traffic = startDemoTraffic({ url: demo.url, intervalMs: 20, apiKey: adminKey });
      const deadline = Date.now() + 10_000;
      while (traffic.counts.ok < demoScenes.length && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await traffic.stop();
      expect(traffic.counts.failed).toBe(0);

      await book("other-team", "lead", "fast", () => answer(anthropic, 400, 100)); // $0.0009
      await book("browser-test", "planner", "reasoning", () => answer(anthropic, 1_200, 300)); // $0.0135
      await book("browser-test", "planner", "reasoning", () => {
        overloaded();
        answer(openai, 800, 200); // gpt-4.1: $0.0032
      });
      await book("browser-test", "coder", "code", () => answer(anthropic, 2_000, 500)); // $0.0135
      for (let index = 0; index < 2; index += 1) {
        await book("browser-test", "coder", "fast", () => {
          overloaded();
          answer(openai, 100, 50); // gpt-4.1-mini: $0.00012
        });
      }
      // claude-haiku's circuit is open now: this one skips it without calling it.
      await book("web-shop", "support-bot", "fast", () => answer(openai, 100, 50));

      browser = await launchChromium({ width: 1400, height: 1000 });
      page = await browser.newPage();
      page.on("request", (request) => requestedUrls.push(request.url()));
      page.on("pageerror", (error) => pageErrors.push(error.message));
      page.on("console", (message) => {
        // The one expected failure: /v1 answering 401 until the key is entered.
        if (message.type() === "error" && !message.text().includes("401")) pageErrors.push(message.text());
      });
    });

    afterAll(async () => {
      await closeChromium(browser);
      await demo?.close();
    });

    it("asks for a client key, then shows the booked requests, tokens and cost of the project", async () => {
      await page.goto(`${demo.url}/dashboard?project=browser-test&refresh=1`);
      await waitForText(page, "#status", (text) => text.includes("A client key is required"));
      expect(await page.locator("body").getAttribute("class")).toContain("needs-key");

      await page.fill("#key", adminKey);
      await page.click("#key-form button");
      await waitForText(page, "#total-requests", (text) => text === "5");
      expect(await textOf(page, "#total-cost")).toBe("$0.030440");
      expect(await textOf(page, "#total-input")).toBe("4,200");
      expect(await textOf(page, "#total-output")).toBe("1,100");
      expect(await page.inputValue("#project")).toBe("browser-test");
      expect(await page.locator("#project option").allTextContents()).toEqual([
        "browser-test",
        "data-pipeline",
        "other-team",
        "research",
        "web-shop",
      ]);

      const expectedRows = [
        ["by-agent", "planner", "2", "2,000 / 500", "$0.016700"],
        ["by-agent", "coder", "3", "2,200 / 600", "$0.013740"],
        ["by-model", "claude-opus-4-5", "1", "1,200 / 300", "$0.013500"],
        ["by-model", "gpt-4.1-mini", "2", "200 / 100", "$0.000240"],
        ["by-project", "browser-test", "5", "4,200 / 1,100", "$0.030440"],
        ["by-project", "other-team", "1", "400 / 100", "$0.000900"],
      ] as const;
      for (const [table, key, ...cells] of expectedRows) {
        expect(await rowOf(page, table, key), `${table} ${key}`).toEqual([key, ...cells]);
      }
      // The most expensive row first, each with its share of the cost.
      expect(
        (await page.locator("#by-model tbody tr").first().getAttribute("data-key"))?.startsWith("claude-"),
      ).toBe(true);
    });

    it("charts cost and tokens per hour: the columns add up to what was booked", async () => {
      expect(await textOf(page, "#cost-chart-title")).toBe("Cost per hour (UTC)");
      const hourBefore = new Date().getUTCHours();
      const titles = await page.locator("#cost-chart svg .column title").allTextContents();
      // Today's hours so far (the page may have drawn them in the hour before this test began).
      expect(titles.length).toBeGreaterThanOrEqual(hourBefore);
      expect(titles.length).toBeLessThanOrEqual(Math.min(24, new Date().getUTCHours() + 2));
      const sum = (pattern: RegExp) =>
        titles.reduce(
          (total, title) => total + Number(pattern.exec(title)?.[1]?.replaceAll(",", "") ?? 0),
          0,
        );
      expect(sum(/, ([\d,]+) requests/)).toBe(5);
      expect(sum(/: \$([\d.]+)/)).toBeCloseTo(0.03044, 9);
      const tokenTitles = await page.locator("#tokens-chart svg .column title").allTextContents();
      expect(tokenTitles.some((title) => title.includes("4,200 in (0 cached), 1,100 out"))).toBe(true);
      expect(await page.locator("#tokens-chart .legend li").allTextContents()).toEqual([
        "input tokens",
        "output tokens",
      ]);
      expect(await page.locator("#cost-chart svg rect.cost").count()).toBeGreaterThanOrEqual(1);
    });

    it("shows circuit states per deployment, recent failovers and circuit transitions", async () => {
      const circuit = (deployment: string) =>
        page.locator(`#circuits li[data-deployment="${deployment}"]`).first().getAttribute("data-circuit");
      expect(await circuit("anthropic/claude-haiku")).toBe("open");
      expect(await circuit("anthropic/claude-opus-4-5")).toBe("closed");
      const failovers = await page.locator("#failovers tbody tr").allTextContents();
      expect(
        failovers.some(
          (row) =>
            row.includes("browser-test") &&
            row.includes("anthropic/claude-opus-4-5 failed → openai/gpt-4.1 success") &&
            row.endsWith("openai/gpt-4.1"),
        ),
      ).toBe(true);
      // The request after the circuit opened skipped claude-haiku at no cost.
      expect(
        failovers.some(
          (row) => row.includes("web-shop") && row.includes("anthropic/claude-haiku skipped circuit open"),
        ),
      ).toBe(true);
      // Newest first: the skip, the two `fast` failovers that opened the circuit, the opus one.
      expect(failovers).toHaveLength(4);
      const transitions = await page.locator("#transitions tbody tr").allTextContents();
      expect(
        transitions.some((row) => row.includes("anthropic/claude-haiku") && row.includes("closed → open")),
      ).toBe(true);
    });

    it("refreshes live: a request booked while the page is open shows within a refresh", async () => {
      const { anthropic } = demo.fakes;
      await book("browser-test", "planner", "reasoning", () =>
        anthropic.enqueueChat(anthropic.replies.text("ok", { inputTokens: 100, outputTokens: 20 })),
      ); // $0.001
      await waitForText(page, "#total-requests", (text) => text === "6");
      expect(await textOf(page, "#total-cost")).toBe("$0.031440");
      mkdirSync("test-artifacts", { recursive: true });
      await page.screenshot({ path: screenshotPath, fullPage: true });
      // `UPDATE_DOCS_SCREENSHOT=1 npx vitest run test/dashboard` refreshes the README's picture.
      if (process.env.UPDATE_DOCS_SCREENSHOT === "1") copyFileSync(screenshotPath, "docs/dashboard.png");
      expect(existsSync(screenshotPath)).toBe(true);
    });

    it("filters by agent and keeps the view in the address", async () => {
      await page.selectOption("#agent", "coder");
      await waitForText(page, "#total-requests", (text) => text === "3");
      expect(await textOf(page, "#total-cost")).toBe("$0.013740");
      expect(await page.locator("#by-agent tbody tr").count()).toBe(1);
      expect(new URL(page.url()).searchParams.get("agent")).toBe("coder");
      await page.reload();
      await waitForText(page, "#total-requests", (text) => text === "3");
      expect(await page.inputValue("#agent")).toBe("coder");
    });

    it("buckets hours into columns: hourly for a day, daily for a week or month, from the first hour for `all`", async () => {
      const result = await page.evaluate(`import("./timeline.js").then(({ timeline }) => {
        const totals = (requests) => ({ requests, input_tokens: requests, output_tokens: 0, cached_input_tokens: 0, cost_usd: requests / 100 });
        const report = (period, from, to, hours) => ({ period, from, to, ...totals(0), by_agent: {}, by_model: {},
          by_hour: hours.map(([hour, requests]) => ({ hour, ...totals(requests) })) });
        const now = Date.parse("2025-03-20T12:30:00Z");
        const summary = ({ unit, buckets }) => ({ unit, count: buckets.length,
          first: new Date(buckets[0].startMs).toISOString(), used: buckets.flatMap((b, i) => b.requests ? [[i, b.requests]] : []) });
        return {
          day: summary(timeline(report("day", "2025-03-20T00:00:00.000Z", "2025-03-21T00:00:00.000Z",
            [["2025-03-20T10:00:00.000Z", 2], ["2025-03-20T12:00:00.000Z", 3]]), now)),
          week: summary(timeline(report("week", "2025-03-17T00:00:00.000Z", "2025-03-24T00:00:00.000Z",
            [["2025-03-18T23:00:00.000Z", 6]]), now)),
          month: summary(timeline(report("month", "2025-03-01T00:00:00.000Z", "2025-04-01T00:00:00.000Z",
            [["2025-03-02T01:00:00.000Z", 1], ["2025-03-02T23:00:00.000Z", 4], ["2025-03-20T12:00:00.000Z", 5]]), now)),
          all: summary(timeline(report("all", "1970-01-01T00:00:00.000Z", "2025-03-20T13:00:00.000Z",
            [["2025-03-20T10:00:00.000Z", 7]]), now)),
          allEmpty: summary({ ...timeline(report("all", "1970-01-01T00:00:00.000Z", "2025-03-20T13:00:00.000Z", []), now) }),
        };
      })`);
      expect(result).toEqual({
        day: {
          unit: "hour",
          count: 13,
          first: "2025-03-20T00:00:00.000Z",
          used: [
            [10, 2],
            [12, 3],
          ],
        },
        week: { unit: "day", count: 4, first: "2025-03-17T00:00:00.000Z", used: [[1, 6]] },
        month: {
          unit: "day",
          count: 20,
          first: "2025-03-01T00:00:00.000Z",
          used: [
            [1, 5],
            [19, 5],
          ],
        },
        all: { unit: "hour", count: 3, first: "2025-03-20T10:00:00.000Z", used: [[0, 7]] },
        allEmpty: { unit: "hour", count: 1, first: "2025-03-20T12:00:00.000Z", used: [] },
      });
    });

    it("loads nothing but the gateway's own URLs, with no script error", () => {
      const origin = new URL(demo.url).origin;
      expect(requestedUrls.length).toBeGreaterThan(0);
      expect(requestedUrls.filter((url) => new URL(url).origin !== origin)).toEqual([]);
      expect(pageErrors).toEqual([]);
    });
  },
);

async function textOf(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).textContent()) ?? "").trim();
}

/** A table row's cells by its `data-key`, without the share bar. */
async function rowOf(page: Page, tableId: string, key: string): Promise<string[]> {
  const cells = await page.locator(`#${tableId} tbody tr[data-key="${key}"] td`).allTextContents();
  return cells.slice(0, 4);
}

/** Waits (up to 5 s) until the element's text passes `accept`; fails with the text it last had. */
async function waitForText(page: Page, selector: string, accept: (text: string) => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  let text = "";
  while (Date.now() < deadline) {
    text = await textOf(page, selector);
    if (accept(text)) return;
    await page.waitForTimeout(50);
  }
  throw new Error(`${selector} still reads ${JSON.stringify(text)}`);
}
