import { existsSync, readdirSync, readFileSync } from "node:fs";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";

export interface DashboardAsset {
  body: Buffer;
  contentType: string;
}

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

/**
 * The dashboard page's files, read once from `assets/` beside this module:
 * `src/dashboard/assets` under tsx and vitest, `dist/dashboard/assets` once
 * built (the build copies them, since tsc emits only compiled TypeScript).
 * Files of other types (the assets' tsconfig) are not served.
 */
export function loadDashboardAssets(directory: URL = defaultAssetsDirectory()): Map<string, DashboardAsset> {
  const assets = new Map<string, DashboardAsset>();
  for (const name of readdirSync(fileURLToPath(directory))) {
    const contentType = contentTypes[extname(name)];
    if (contentType === undefined) continue;
    assets.set(name, { body: readFileSync(new URL(name, directory)), contentType });
  }
  if (!assets.has("index.html")) {
    throw new Error(`no dashboard page in ${fileURLToPath(directory)}: run \`npm run build\``);
  }
  return assets;
}

/**
 * `assets/` beside this module; in the bundled `dist/main.js` (scripts/bundle-main.mjs) this module's
 * URL is a file of `dist/`, and its assets are `dist/dashboard/assets`.
 */
function defaultAssetsDirectory(): URL {
  const beside = new URL("./assets/", import.meta.url);
  return existsSync(beside) ? beside : new URL("./dashboard/assets/", import.meta.url);
}
