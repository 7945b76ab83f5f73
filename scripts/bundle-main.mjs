// Start-up (issue 21): `node dist/main.js` spent most of its time finding, reading and compiling
// about a thousand module files. The build bundles what tsc emitted for main.js into one file,
// with each dynamic import (Redis, the CLI commands, OpenTelemetry, tokenizer encodings...) split
// into its own file loaded only when used. The rest of dist/ stays as tsc emitted it.
//
// Every output file sits in dist/ itself, so `import.meta.url` names a file of dist/ as
// main.js's would (compose-gateway reads ../package.json from it). Left outside the bundle:
// better-sqlite3 (a native addon) and pino with its pretty printer (its transports run
// node_modules files in worker threads).
//
// dist/main.js becomes a small entry that turns on Node's compile cache where there is one
// (Node >= 22.1; the cache directory is Node's default under the OS temp dir) and then imports
// the bundle: the cache has to be on before the bundle is compiled.
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { build } from "esbuild";

const dist = new URL("../dist/", import.meta.url);
const bundleName = "main.bundle.js";

const entryMarker = "// The entry of the built gateway (scripts/bundle-main.mjs)";
if (readFileSync(new URL("main.js", dist), "utf8").includes(entryMarker)) {
  throw new Error(
    "dist/main.js is already the bundle's entry: run tsc -p tsconfig.build.json first (npm run build)",
  );
}

// A previous build's bundle files, whose hashed names this build may not reuse.
for (const name of readdirSync(dist)) {
  if (name.startsWith("main.bundle") || name.startsWith("sqlite-usage-commit-worker"))
    rmSync(new URL(name, dist));
}

await build({
  entryPoints: {
    "main.bundle": new URL("main.js", dist).pathname,
    // The usage store's commit thread runs this file, which it looks for beside its own module: in
    // the bundle, beside the bundle's files (usage/usage-commit-thread.ts).
    "sqlite-usage-commit-worker": new URL("usage/sqlite-usage-commit-worker.js", dist).pathname,
  },
  outdir: dist.pathname,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  chunkNames: "main.bundle-[name]-[hash]",
  external: ["better-sqlite3", "pino", "pino-pretty"],
  // CommonJS packages in the bundle require Node's built-ins.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module";\nconst require = __createRequire(import.meta.url);',
  },
  sourcemap: "linked",
  logLevel: "warning",
});

const shebang = readFileSync(new URL("main.js", dist), "utf8").startsWith("#!")
  ? "#!/usr/bin/env node\n"
  : "";
writeFileSync(
  new URL("main.js", dist),
  `${shebang}${entryMarker}: compile cache on where Node has one, then the bundle.
import module from "node:module";
module.enableCompileCache?.();
await import("./${bundleName}");
`,
);
rmSync(new URL("main.js.map", dist), { force: true });
