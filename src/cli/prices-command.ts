import { existsSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { ConfigError } from "../config/config-error.js";
import type { GatewayConfig } from "../config/gateway-config.js";
import { loadConfig } from "../config/load-config.js";
import { cacheWrite1hPrice, type ModelSpec, microUsdToUsd } from "../core/model-catalog.js";
import { type CatalogModel, type PriceUpdatePlan, planPriceUpdate } from "../prices/plan-price-update.js";
import { PriceListError, type PriceListSource, priceListSources } from "../prices/price-list.js";
import { readPriceList } from "../prices/read-price-list.js";
import { rewriteConfigPrices } from "../prices/rewrite-config-prices.js";
import { CliFailure, CliUsageError, parseFlags } from "./parse-flags.js";

export interface PricesCommandIo {
  env: Record<string, string | undefined>;
  now: () => number;
}

/**
 * `llm-gateway prices import FILE`: reads a published price list (LiteLLM's or models.dev's) and
 * writes the prices of the models the gateway knows into the config file, printing what changed.
 * The new file is loaded by the config loader before it replaces the old one, atomically.
 */
export function pricesCommand(args: string[], io: PricesCommandIo): string {
  const [subcommand, ...rest] = args;
  if (subcommand !== "import") throw new CliUsageError("prices: expected `prices import FILE`");
  const { flags, switches, positional } = parseFlags(rest, ["config", "format", "only", "as-of"], {
    switches: ["dry-run", "prices-only"],
  });
  const [file, ...extra] = positional;
  if (file === undefined || extra.length > 0) throw new CliUsageError("prices import takes one FILE");
  const configPath = flags.config ?? io.env.LLM_GATEWAY_CONFIG;
  if (!configPath) {
    throw new CliUsageError(
      "prices import: name the config file to update with --config or LLM_GATEWAY_CONFIG",
    );
  }
  const format = parseFormat(flags.format);
  const asOf = flags["as-of"] ?? new Date(io.now()).toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new CliUsageError("--as-of takes a date as YYYY-MM-DD");

  const list = withClearErrors(() => readPriceList(readText(file, "the price list"), file, format));
  const isNewFile = !existsSync(configPath);
  const before = withClearErrors(() => loadConfigFrom(io.env, isNewFile ? undefined : configPath));
  const models = catalogModels(before, flags.only);
  const plan = planPriceUpdate(models, list, { pricesOnly: switches.has("prices-only") });

  const lines = [`Prices from ${file} (${list.source}), as of ${asOf}, for ${configPath}:`];
  if (plan.updates.length === 0) {
    lines.push("  no price differs from the catalog", summary(plan), `${configPath} not written.`);
    return lines.join("\n");
  }
  const text = isNewFile ? "" : readText(configPath, "the config file");
  const rewritten = withClearErrors(() =>
    rewriteConfigPrices(text, plan.updates, before.catalog, { asOf, source: list.source }),
  );
  const after = writeChecked(configPath, rewritten.text, io.env, switches.has("dry-run"));
  for (const { name } of plan.updates) {
    const was = before.catalog[name];
    const now = after.catalog[name];
    const added = rewritten.added.includes(name) ? "  (new models: entry)" : "";
    if (was && now) lines.push(`  ${describeChange(was, now)}${added}`);
  }
  lines.push(summary(plan));
  lines.push(
    switches.has("dry-run")
      ? `Dry run: ${configPath} not written.`
      : `Wrote ${configPath}${isNewFile ? " (new file)" : ""}.`,
  );
  return lines.join("\n");
}

function parseFormat(value: string | undefined): PriceListSource | undefined {
  if (value === undefined) return undefined;
  if (!(priceListSources as readonly string[]).includes(value)) {
    throw new CliUsageError(`--format takes ${priceListSources.join(" or ")}, got "${value}"`);
  }
  return value as PriceListSource;
}

/** The catalog models (all, or those `--only` names) with their provider's kind. */
function catalogModels(config: GatewayConfig, only: string | undefined): CatalogModel[] {
  const names = only === undefined ? Object.keys(config.catalog) : splitNames(only);
  return names.map((name) => {
    const spec = config.catalog[name];
    if (!spec) {
      throw new CliUsageError(`--only names "${name}", which is not in the model catalog`);
    }
    const provider = config.providers[spec.provider];
    if (!provider)
      throw new CliFailure(`model ${name} names provider ${spec.provider}, which is not configured`);
    return { spec, providerKind: provider.kind };
  });
}

function splitNames(value: string): string[] {
  return value
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
}

function loadConfigFrom(env: Record<string, string | undefined>, path: string | undefined): GatewayConfig {
  // An empty LLM_GATEWAY_CONFIG means none: the defaults alone.
  return loadConfig({ ...env, LLM_GATEWAY_CONFIG: path ?? "" });
}

/**
 * Writes the new text beside the file, loads it as the gateway would, then renames it over the
 * file (atomic on one file system). A text that does not load is removed and the file left as it was.
 */
function writeChecked(
  path: string,
  text: string,
  env: Record<string, string | undefined>,
  dryRun: boolean,
): GatewayConfig {
  const temporary = `${path}.prices-import-${process.pid}.tmp`;
  const mode = existsSync(path) ? statSync(path).mode & 0o777 : 0o644;
  writeFileSync(temporary, text, { mode });
  let renamed = false;
  try {
    const loaded = withClearErrors(() => loadConfigFrom(env, temporary), "the updated config would not load");
    if (!dryRun) {
      renameSync(temporary, path);
      renamed = true;
    }
    return loaded;
  } finally {
    if (!renamed) unlinkSync(temporary);
  }
}

function describeChange(was: ModelSpec, now: ModelSpec): string {
  const money = (label: string, from: number, to: number, always: boolean) =>
    from !== to ? `${label} ${usd(from)} -> ${usd(to)}` : always ? `${label} ${usd(to)}` : undefined;
  const count = (label: string, from: number, to: number) =>
    from !== to ? `${label} ${from} -> ${to}` : undefined;
  const parts = [
    money("input", was.pricing.inputMicroUsdPerMtok, now.pricing.inputMicroUsdPerMtok, true),
    money("output", was.pricing.outputMicroUsdPerMtok, now.pricing.outputMicroUsdPerMtok, true),
    money("cached", was.pricing.cachedInputMicroUsdPerMtok, now.pricing.cachedInputMicroUsdPerMtok, true),
    money("cache write", was.pricing.cacheWriteMicroUsdPerMtok, now.pricing.cacheWriteMicroUsdPerMtok, false),
    // Only where priced: elsewhere it is Anthropic's 2x-input rule, meaningless for other providers.
    now.pricing.cacheWrite1hMicroUsdPerMtok !== undefined
      ? money("cache write 1h", cacheWrite1hPrice(was.pricing), cacheWrite1hPrice(now.pricing), false)
      : undefined,
    count("context", was.contextWindow, now.contextWindow),
    count("max output", was.maxOutputTokens, now.maxOutputTokens),
  ].filter((part) => part !== undefined);
  return `${now.name}: ${parts.join(", ")}`;
}

function usd(microUsd: number): string {
  return `$${microUsdToUsd(microUsd)}`;
}

function summary(plan: PriceUpdatePlan): string {
  const lines = [
    `${plan.updates.length} updated, ${plan.unchanged.length} unchanged, ${plan.notFound.length} not found in the list`,
  ];
  for (const { name, reason } of plan.notFound) lines.push(`  not found: ${name} (${reason})`);
  return lines.join("\n");
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new CliFailure(`cannot read ${what} ${path} (${(error as NodeJS.ErrnoException).code})`);
  }
}

/** Price-list, YAML and config errors as a failure message: the file is left as it was. */
function withClearErrors<T>(work: () => T, context?: string): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof PriceListError || error instanceof ConfigError || isYamlError(error)) {
      throw new CliFailure(context ? `${context}: ${(error as Error).message}` : (error as Error).message);
    }
    throw error;
  }
}

function isYamlError(error: unknown): boolean {
  return error instanceof Error && (error.name === "YAMLParseError" || error.name === "YAMLWarning");
}
