// Start-up (issue 21): `node dist/main.js` spent most of its time finding, reading and compiling
// about a thousand module files. The build bundles what tsc emitted for main.js into one file,
// with each dynamic import (Redis, the CLI commands, OpenTelemetry, tokenizer encodings...) split
// into its own file loaded only when used. The rest of dist/ stays as tsc emitted it.
//
// Every output file sits in dist/ itself, so `import.meta.url` names a file of dist/ as
// main.js's would (compose-gateway reads ../package.json from it). Left outside the bundle:
// better-sqlite3 (a native addon) and pino's pretty printer (pino's transport runs it in a worker
// thread, by path). pino itself is bundled: loading its files one by one took ~15 ms of each start.
//
// dist/main.js becomes a small entry that turns on Node's compile cache where there is one
// (Node >= 22.1; the cache directory is Node's default under the OS temp dir) and then imports
// the bundle: the cache has to be on before the bundle is compiled.
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = new URL("../", import.meta.url);
const dist = new URL("dist/", root);
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

/*
 * Our modules that find files from their own URL, each checked to work from a file of dist/ as
 * well: a new one must be checked too (and added here), or the bundle would look in the wrong place.
 */
const checkedImportMetaUsers = new Set([
  "compose-gateway.js", // ../package.json: the same from dist/ and from dist/*.js
  "config/load-config.js", // createRequire: resolves node_modules the same from dist/
  "dashboard/dashboard-assets.js", // looks in ./dashboard/assets/ too
  "logging/create-logger.js", // createRequire: resolves pino's transport files the same from dist/
  "http/lazy-schema-compilers.js", // createRequire: resolves fastify the same from dist/
  "usage/usage-commit-thread.js", // its worker is bundled beside it, below
]);

/*
 * zod's `z.locales`: error messages in 49 languages, 357 kB of the 755 kB zod brings to every start,
 * where only English is used (zod sets it itself; nothing here or in a dependency reads
 * `z.locales` or `z.core.locales`). In the bundle both have English alone. Fails the build if zod moves the file.
 */
const englishZodLocaleOnly = {
  name: "english-zod-locale-only",
  setup(pluginBuild) {
    let replaced = 0;
    pluginBuild.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
      // zod/v4/classic/external.js (z.locales) and zod/v4/core/index.js (z.core.locales).
      if (!/node_modules\/zod\/v4\/(classic|core)\/[^/]+$/.test(args.importer.replaceAll("\\", "/")))
        return undefined;
      replaced++;
      return {
        path: fileURLToPath(new URL("../locales/en.js", pathToFileURL(args.importer))),
        namespace: "zod-locales",
      };
    });
    pluginBuild.onLoad({ filter: /.*/, namespace: "zod-locales" }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: fileURLToPath(new URL("./", pathToFileURL(args.path))),
    }));
    pluginBuild.onEnd(() => {
      if (replaced === 0)
        throw new Error("zod's locales index moved: update englishZodLocaleOnly in scripts/bundle-main.mjs");
    });
  },
};

const result = await build({
  absWorkingDir: fileURLToPath(root),
  entryPoints: {
    "main.bundle": fileURLToPath(new URL("main.js", dist)),
    // The usage store's commit thread runs this file, which it looks for beside its own module: in
    // the bundle, beside the bundle's files (usage/usage-commit-thread.ts).
    "sqlite-usage-commit-worker": fileURLToPath(new URL("usage/sqlite-usage-commit-worker.js", dist)),
  },
  outdir: fileURLToPath(dist),
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  chunkNames: "main.bundle-[name]-[hash]",
  external: [
    "better-sqlite3",
    // Run by pino's transport in a worker thread, by path (logging/create-logger.ts names it).
    "pino-pretty",
    // Fastify's schema compilers, which the app loads only for a route with a JSON schema (there is
    // none): outside the bundle, start-up does not even parse them (http/lazy-schema-compilers.ts).
    "@fastify/ajv-compiler",
    "@fastify/fast-json-stringify-compiler",
  ],
  // CommonJS packages in the bundle require Node's built-ins.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module";\nconst require = __createRequire(import.meta.url);',
  },
  plugins: [englishZodLocaleOnly],
  sourcemap: "linked",
  metafile: true,
  logLevel: "warning",
});

const unchecked = Object.keys(result.metafile.inputs)
  .map((input) => new URL(input, root))
  .filter((input) => input.href.startsWith(dist.href) && !input.href.includes("/node_modules/"))
  .filter((input) => readFileSync(input, "utf8").includes("import.meta.url"))
  .map((input) => input.href.slice(dist.href.length))
  .filter((name) => !checkedImportMetaUsers.has(name));
if (unchecked.length > 0) {
  throw new Error(
    `bundled modules read import.meta.url, which in the bundle is a file of dist/: ${unchecked.join(", ")}. Check each finds its files from there too, then add it to checkedImportMetaUsers in scripts/bundle-main.mjs.`,
  );
}

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
