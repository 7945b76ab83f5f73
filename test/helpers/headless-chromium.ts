import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

/** Debian's package; `.ci/run` installs it. Playwright's own browser download cannot work here. */
export const chromiumPath = "/usr/bin/chromium";
export const hasChromium = existsSync(chromiumPath);

/** What the environment needs to run Chromium as root without reaching for the network. */
const chromiumFlags = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const profileDirs = new WeakMap<BrowserContext, string>();

/** Headless Chromium with a throwaway profile, which `closeChromium` removes. */
export async function launchChromium(viewport: { width: number; height: number }): Promise<BrowserContext> {
  const userDataDir = mkdtempSync(join(tmpdir(), "llmgw-chromium-"));
  const browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    args: chromiumFlags,
    viewport,
  });
  profileDirs.set(browser, userDataDir);
  return browser;
}

export async function closeChromium(browser: BrowserContext | undefined): Promise<void> {
  if (!browser) return;
  await browser.close();
  const userDataDir = profileDirs.get(browser);
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
}
