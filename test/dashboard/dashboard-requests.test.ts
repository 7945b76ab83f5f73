import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { chromiumPath, closeChromium, hasChromium, launchChromium } from "../helpers/headless-chromium.js";

const keyA = "requests-view-key-a-0123456789";

describe.skipIf(!hasChromium)(
  hasChromium
    ? "the dashboard's Requests view in headless Chromium"
    : `the dashboard's Requests view: SKIPPED, ${chromiumPath} is absent (apt-get install chromium; .ci/run does)`,
  () => {
    let harness: Harness;
    let browser: BrowserContext;
    let page: Page;
    const pageErrors: string[] = [];
    let failoverId = "";

    const chat = async (project: string, agent: string) => {
      const response = await fetch(`${harness.url}/v1/chat/completions`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${keyA}`,
          "x-project-id": project,
          "x-agent-id": agent,
        },
        body: JSON.stringify({ model: "reasoning", messages: [{ role: "user", content: "Hi" }] }),
      });
      await response.text();
      return response.headers.get("x-request-id") as string;
    };

    beforeAll(async () => {
      harness = await startHarness({
        providers: ["anthropic", "openai"],
        env: {
          LLM_GATEWAY_API_KEYS: `${keyA}=proj-view|proj-other`,
          LLM_GATEWAY_MAX_RETRIES: "0",
          LLM_GATEWAY_REQUEST_BODIES: "true",
        },
      });
      const { anthropic, openai } = harness.fakes;
      anthropic.enqueueChat(anthropic.replies.error(529, "Overloaded"));
      openai.enqueueChat(
        openai.replies.text("the fallback's answer", { inputTokens: 100, outputTokens: 10 }),
      );
      failoverId = await chat("proj-view", "failing-over");
      for (let index = 0; index < 3; index++) {
        anthropic.enqueueChat(anthropic.replies.text("ok", { inputTokens: 5, outputTokens: 1 }));
        await chat("proj-other", `agent-${index}`);
      }
      browser = await launchChromium({ width: 1280, height: 900 });
      page = await browser.newPage();
      page.on("pageerror", (error) => pageErrors.push(error.message));
      page.on("dialog", (dialog) => {
        pageErrors.push(`a dialog opened: ${dialog.message()}`);
        void dialog.dismiss();
      });
    });

    afterAll(async () => {
      await closeChromium(browser);
      await harness?.close();
    });

    it("filters the requests, opens one and shows its attempts, fitting 1280 px", async () => {
      await page.goto(`${harness.url}/dashboard/?refresh=1#requests`);
      await page.fill("#key", keyA);
      await page.click("#key-form button");
      const rows = page.locator("#requests-table tbody tr[data-id]");
      await waitFor(
        page,
        async () => String(await rows.count()),
        (count) => count === "4",
      );
      expect(await page.locator("#nav-requests").getAttribute("aria-current")).toBe("page");

      await page.fill('#requests-filter input[name="project_id"]', "proj-view");
      await page.click("#requests-filter button");
      await waitFor(
        page,
        async () => String(await rows.count()),
        (count) => count === "1",
      );
      const cells = (await rows.first().locator("td").allTextContents()).map((cell) => cell.trim());
      expect(cells.slice(1, 10)).toEqual([
        "proj-view",
        "failing-over",
        "env-key-1",
        "openai/gpt-4.1",
        "success",
        "100 / 10",
        "$0.000280",
        expect.stringMatching(/^\d+ ms$/),
        "2",
      ]);
      expect(await rows.first().getAttribute("data-id")).toBe(failoverId);

      await rows.first().locator("button").click();
      const attempts = page.locator("#request-attempts tbody tr");
      await waitFor(
        page,
        async () => String(await attempts.count()),
        (count) => count === "2",
      );
      expect(await page.locator("#request-detail-id").textContent()).toBe(failoverId);
      const first = (await attempts.nth(0).locator("td").allTextContents()).map((cell) => cell.trim());
      const second = (await attempts.nth(1).locator("td").allTextContents()).map((cell) => cell.trim());
      expect(first.slice(0, 4)).toEqual(["1", "anthropic", "claude-opus-4-5", "failed"]);
      expect(first[4]).toMatch(/^\d+ ms$/);
      expect(first[5]).toContain("529");
      expect(second.slice(0, 4)).toEqual(["2", "openai", "gpt-4.1", "success"]);
      expect(await page.locator("#request-answer").textContent()).toBe("the fallback's answer");
      expect(await page.locator("#request-body").textContent()).toContain('"content": "Hi"');
      expect(await overflowing(page)).toEqual([]);

      await page.selectOption('#requests-filter select[name="status"]', "error");
      await page.click("#requests-filter button");
      await waitFor(
        page,
        () => textOf(page, "#requests-table tbody"),
        (text) => text.includes("No requests kept"),
      );
      expect(await page.locator("#request-detail").isVisible()).toBe(false);
      expect(pageErrors).toEqual([]);
    });

    it("inserts what a request carries as text, never as markup", async () => {
      // A fresh page: the filters of the test before are gone (the key stays, for the tab's life).
      await page.reload();
      harness.fakes.anthropic.enqueueChat(harness.fakes.anthropic.replies.text("<i>answer</i>"));
      const status = await fetch(`${harness.url}/v1/chat/completions`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${keyA}`,
          "x-project-id": "proj-view",
          "x-agent-id": "markup-agent",
        },
        body: JSON.stringify({ model: "reasoning", messages: [{ role: "user", content: "<b>bold</b>" }] }),
      });
      expect(status.status, await status.text()).toBe(200);
      const rows = page.locator("#requests-table tbody tr[data-id]");
      await page.fill('#requests-filter input[name="agent_id"]', "markup-agent");
      await page.click("#requests-filter button");
      await waitFor(
        page,
        async () => String(await rows.count()),
        (count) => count === "1",
      );
      await rows.first().locator("button").click();
      await waitFor(
        page,
        () => textOf(page, "#request-body"),
        (text) => text.includes("<b>bold</b>"),
      );
      expect(await page.locator("#request-body b").count()).toBe(0);
      expect(await page.locator("#request-answer").textContent()).toBe("<i>answer</i>");
      expect(await page.locator("#request-answer i").count()).toBe(0);
      expect(pageErrors).toEqual([]);
    });
  },
);

/** What scrolls sideways at 1280 px: the page itself, or a panel of the shown view. */
async function overflowing(page: Page): Promise<string[]> {
  return (await page.evaluate(`[document.documentElement, ...document.querySelectorAll("main:not([hidden]) > section")]
    .filter((box) => box.scrollWidth > box.clientWidth)
    .map((box) => (box.id || box.tagName) + ": " + box.scrollWidth + " > " + box.clientWidth)`)) as string[];
}

async function textOf(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).textContent()) ?? "").trim();
}

/** Waits (up to 5 s) until `read` passes `accept`; fails with what it last read. */
async function waitFor(
  page: Page,
  read: () => Promise<string>,
  accept: (text: string) => boolean,
): Promise<void> {
  const deadline = Date.now() + 5_000;
  let text = "";
  while (Date.now() < deadline) {
    text = await read();
    if (accept(text)) return;
    await page.waitForTimeout(50);
  }
  throw new Error(`still reads ${JSON.stringify(text)}`);
}
