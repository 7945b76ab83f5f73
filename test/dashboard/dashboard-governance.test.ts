import { mkdirSync } from "node:fs";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { chromiumPath, closeChromium, hasChromium, launchChromium } from "../helpers/headless-chromium.js";
import { registerTestSecrets } from "../helpers/test-log-files.js";

const adminKey = "governance-admin-key-0123456789";
const teamKey = "governance-team-key-0123456789";
const project = "browser-keys";

describe.skipIf(!hasChromium)(
  hasChromium
    ? "the dashboard's Keys and Budgets views in headless Chromium"
    : `the dashboard's Keys and Budgets views: SKIPPED, ${chromiumPath} is absent (apt-get install chromium; .ci/run does)`,
  () => {
    let harness: Harness;
    let browser: BrowserContext;
    let page: Page;
    const requestedUrls: string[] = [];
    const pageErrors: string[] = [];
    let secret = "";

    /** One chat request with `key` over real HTTP, answered by the fake Anthropic when it gets there. */
    const chat = (key: string) => {
      const { anthropic } = harness.fakes;
      anthropic.enqueueChat(anthropic.replies.text("ok", { inputTokens: 1_000, outputTokens: 100 }));
      return fetch(`${harness.url}/v1/chat/completions`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${key}`,
          "x-project-id": project,
          "x-agent-id": "browser-bot",
        },
        body: JSON.stringify({ model: "reasoning", messages: [{ role: "user", content: "Hi" }] }),
      });
    };
    const keyRow = (name: string) => page.locator(`#keys-table tbody tr[data-name="${name}"]`);
    const cellsOf = async (name: string) =>
      (await keyRow(name).locator("td").allTextContents()).map((cell) => cell.trim());
    const useKey = async (key: string) => {
      await page.fill("#key", key);
      await page.click("#key-form button");
    };

    beforeAll(async () => {
      harness = await startHarness({
        providers: ["anthropic"],
        env: { LLM_GATEWAY_API_KEYS: `${adminKey}=*,${teamKey}=${project}` },
      });
      // The width the pages must fit without scrolling sideways.
      browser = await launchChromium({ width: 1280, height: 900 });
      await browser.grantPermissions(["clipboard-read", "clipboard-write"], { origin: harness.url });
      page = await browser.newPage();
      page.on("request", (request) => requestedUrls.push(request.url()));
      page.on("pageerror", (error) => pageErrors.push(error.message));
      page.on("console", (message) => {
        // Expected: /admin answering 401 before a key is entered and 403 to the project key.
        const text = message.text();
        if (message.type() === "error" && !/\b40[13]\b/.test(text)) pageErrors.push(text);
      });
    });

    afterAll(async () => {
      await closeChromium(browser);
      await harness?.close();
    });

    it("says the admin key is needed, without a key and with a project key, instead of a blank page", async () => {
      await page.goto(`${harness.url}/dashboard/?refresh=1#keys`);
      await waitFor(
        page,
        () => textOf(page, "#status"),
        (text) => text.includes("A client key is required"),
      );
      expect(await page.locator("#keys-view .needs-admin-note").isVisible()).toBe(true);
      expect(await page.locator("#create-key-form").isVisible()).toBe(false);
      expect(await page.locator("#nav-keys").getAttribute("aria-current")).toBe("page");

      await useKey(teamKey);
      await waitFor(
        page,
        () => textOf(page, "#status"),
        (text) => text.includes("a client key with projects *"),
      );
      expect(await page.locator("body").getAttribute("class")).toContain("needs-admin");
      expect(await page.locator("#keys-view .needs-admin-note").isVisible()).toBe(true);
      expect(await page.locator("#keys-table").isVisible()).toBe(false);
      await page.click("#nav-budgets");
      await waitFor(
        page,
        () => textOf(page, "#status"),
        (text) => text.includes("admin key"),
      );
      expect(await page.locator("#budgets-view .needs-admin-note").isVisible()).toBe(true);
      expect(await page.locator("#budget-form").isVisible()).toBe(false);
    });

    it("creates a key in the page and shows its secret once, with a copy button", async () => {
      await page.click("#nav-keys");
      await useKey(adminKey);
      await waitFor(
        page,
        () => textOf(page, "#status"),
        (text) => text.startsWith("Updated"),
      );
      expect(await page.locator("#create-key-form").isVisible()).toBe(true);
      // The config file's keys are listed, read-only: no rotate or revoke for them.
      expect(await page.locator("#keys-table tbody tr").count()).toBeGreaterThanOrEqual(2);

      const form = "#create-key-form";
      await page.fill(`${form} [name=name]`, "browser-bot");
      await page.fill(`${form} [name=projects]`, project);
      await page.fill(`${form} [name=models]`, "reasoning,fast");
      await page.fill(`${form} [name=daily_usd]`, "5");
      await page.fill(`${form} [name=monthly_usd]`, "50");
      await page.fill(`${form} [name=rpm]`, "60");
      await page.fill(`${form} [name=tpm]`, "100000");
      await page.selectOption(`${form} [name=expires]`, "30");
      await page.click(`${form} button[type=submit]`);
      await page.locator("#new-secret").waitFor({ state: "visible", timeout: 5_000 });
      secret = await page.inputValue("#new-secret-value");
      registerTestSecrets("browser-managed-key", { secret });
      expect(secret).toMatch(/^lgw_[A-Za-z0-9_-]{43}$/);
      expect(await textOf(page, "#new-secret")).toContain("it will not be shown again");

      await page.click("#copy-secret");
      await waitFor(
        page,
        () => textOf(page, "#copy-status"),
        (text) => text === "Copied.",
      );
      expect(await page.evaluate("navigator.clipboard.readText()")).toBe(secret);

      await keyRow("browser-bot").waitFor({ timeout: 5_000 });
      const cells = await cellsOf("browser-bot");
      expect(cells[0]).toMatch(/^browser-botkey_[a-z2-7]{12} · lgw_…/);
      expect(cells.slice(1, 8)).toEqual([
        project,
        "reasoning, fast",
        "$5.00/day$50.00/month60 rpm, 100,000 tpm",
        "$0",
        "$0",
        expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d$/),
        "active",
      ]);
      // 30 days from now, give or take the minute it was created in.
      const expires = Date.parse(`${(cells[6] ?? "").replace(" ", "T")}:00Z`);
      expect(Math.abs(expires - (Date.now() + 30 * 86_400_000))).toBeLessThan(120_000);
      // The secret shows nowhere but in its one panel; dismissed, it is gone from the page.
      await page.click("#dismiss-secret");
      expect(await page.locator("#new-secret").isVisible()).toBe(false);
      expect(await page.content()).not.toContain(secret);
    });

    it("the key works on /v1; after a reload its spend shows in the keys table", async () => {
      const response = await chat(secret);
      expect(response.status).toBe(200);
      await page.reload();
      // 1,000 input x $5 + 100 output x $25 per million tokens (claude-opus-4-5) = $0.0075
      await waitFor(
        page,
        async () => (await cellsOf("browser-bot")).slice(4, 6).join(" "),
        (text) => text === "$0.007500 $0.007500",
      );
      mkdirSync("test-artifacts", { recursive: true });
      await page.screenshot({ path: "test-artifacts/dashboard-keys.png", fullPage: true });
      expect(await overflowing(page)).toEqual([]);
    });

    it("revokes the key in the page: it is refused right after", async () => {
      page.once("dialog", (dialog) => {
        expect(dialog.message()).toContain('Revoke "browser-bot"?');
        void dialog.accept();
      });
      await keyRow("browser-bot").locator("button.revoke").click();
      // Without "show revoked" the row leaves the table once the revocation is done.
      await keyRow("browser-bot").waitFor({ state: "detached", timeout: 5_000 });
      const refused = await chat(secret);
      expect(refused.status).toBe(401);
      await page.check("#show-revoked");
      await waitFor(
        page,
        async () => (await cellsOf("browser-bot"))[7] ?? "",
        (text) => text === "revoked",
      );
      expect(await keyRow("browser-bot").locator("button").count()).toBe(0);
    });

    it("edits a project's budget in the page: the budgets table shows it, spent against the limit", async () => {
      await page.click("#nav-budgets");
      await waitFor(
        page,
        () => textOf(page, "#status"),
        (text) => text.startsWith("Updated"),
      );
      const form = "#budget-form";
      await page.fill(`${form} [name=project]`, project);
      await page.fill(`${form} [name=daily_usd]`, "3");
      await page.fill(`${form} [name=requests_per_minute]`, "30");
      await page.click(`${form} button[type=submit]`);
      const dayRow = page.locator(
        `#budgets-table tbody tr[data-scope="project"][data-project="${project}"][data-period="day"]`,
      );
      await dayRow.waitFor({ timeout: 5_000 });
      const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      const cells = (await dayRow.locator("td").allTextContents()).map((cell) => cell.trim());
      expect(cells.slice(0, 9)).toEqual([
        "project",
        project,
        "",
        "day",
        expect.stringMatching(/^\$0\.007500 of \$3\.00 \(0\.[23] %\)$/),
        "$0",
        `${tomorrow} 00:00`,
        expect.stringMatching(/^30 rpm \(\d+ used\)$/),
        "admin API",
      ]);

      // Edit fills the form; only the changed field is sent, the limit stays.
      await dayRow.locator("button.edit").click();
      expect(await page.inputValue(`${form} [name=daily_usd]`)).toBe("3");
      await page.fill(`${form} [name=daily_usd]`, "4");
      await page.click(`${form} button[type=submit]`);
      await waitFor(
        page,
        async () => (await dayRow.locator("td").allTextContents()).join("|"),
        (text) => text.includes("of $4.00") && text.includes("30 rpm"),
      );
      const stored = await fetch(`${harness.url}/admin/budgets?project=${project}`, {
        headers: { authorization: `Bearer ${adminKey}` },
      });
      const { data } = (await stored.json()) as {
        data: Array<{
          scope: string;
          budget: { daily_usd: number };
          limits: { requests_per_minute: number };
        }>;
      };
      const entry = data.find((candidate) => candidate.scope === "project");
      expect(entry?.budget.daily_usd).toBe(4);
      expect(entry?.limits.requests_per_minute).toBe(30);

      await page.screenshot({ path: "test-artifacts/dashboard-budgets.png", fullPage: true });
      expect(await overflowing(page)).toEqual([]);
    });

    it("loads nothing but the gateway's own URLs, with no script error", () => {
      const origin = new URL(harness.url).origin;
      expect(requestedUrls.length).toBeGreaterThan(0);
      expect(requestedUrls.filter((url) => new URL(url).origin !== origin)).toEqual([]);
      expect(pageErrors).toEqual([]);
    });
  },
);

/**
 * What scrolls sideways at the page's 1280 px: the page itself, or a panel of the shown view (a
 * panel scrolls its own overflow, so the page alone would not tell).
 */
async function overflowing(page: Page): Promise<string[]> {
  return (await page.evaluate(`[document.documentElement, ...document.querySelectorAll("main:not([hidden]) > section")]
    .filter((box) => box.scrollWidth > box.clientWidth)
    .map((box) => (box.id || box.querySelector("h2")?.textContent || box.tagName) + ": " + box.scrollWidth + " > " + box.clientWidth)`)) as string[];
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
