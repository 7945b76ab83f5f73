import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";

const fixtures = new URL("../../src/prices/__fixtures__/", import.meta.url).pathname;
const litellmList = join(fixtures, "litellm-model-prices.json");
const modelsDevList = join(fixtures, "models-dev-api.json");

const configText = `# The team's gateway
server:
  port: 8123 # fixed for the proxy

models:
  # Haiku at last year's price, until someone imports the list
  claude-haiku:
    kind: chat
    provider: anthropic
    provider_model_id: claude-haiku-4-5
    context_window: 200000
    max_output_tokens: 64000
    price_per_mtok: { input: 0.8, output: 4, cached_input: 0.08, cache_write: 1 } # old

model_groups:
  fast: [claude-haiku, gpt-4.1-mini, gemini-flash]
`;

describe("llm-gateway prices import", () => {
  let dir: string;
  let configPath: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "llmgw-prices-"));
    configPath = join(dir, "gateway.yaml");
    writeFileSync(configPath, configText);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("imports LiteLLM's list into the config, prints the diff, and the gateway loads the new prices", async () => {
    const imported = await runCli(["prices", "import", litellmList, "--as-of", "2026-12-07"], {
      LLM_GATEWAY_CONFIG: configPath,
    });
    expect(imported.stderr).toBe("");
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain(`(litellm), as of 2026-12-07, for ${configPath}:`);
    expect(imported.stdout).toContain(
      "  claude-haiku: input $0.8 -> $1, output $4 -> $5, cached $0.08 -> $0.1, cache write $1 -> $1.25, cache write 1h $1.6 -> $2\n",
    );
    expect(imported.stdout).toContain(
      "  deepseek-coder: input $0.28, output $0.42, cached $0.028, context 128000 -> 131072  (new models: entry)\n",
    );
    expect(imported.stdout).toContain("4 updated, 8 unchanged, 1 not found in the list\n");
    expect(imported.stdout).toContain(
      "  not found: claude-sonnet-4 (no anthropic claude-sonnet-4-0 in the list)",
    );
    expect(imported.stdout).toContain(`Wrote ${configPath}.`);

    const written = readFileSync(configPath, "utf8");
    // The operator's text is kept: comments, the flow map's style, the group's flow sequence.
    expect(written).toContain("  port: 8123 # fixed for the proxy\n");
    expect(written).toContain("  # Haiku at last year's price, until someone imports the list\n");
    expect(written).toContain(
      '    price_per_mtok: { input: 1, output: 5, cached_input: 0.1, cache_write: 1.25, cache_write_1h: 2 } # old\n    prices_as_of: "2026-12-07"\n    prices_source: litellm\n',
    );
    expect(written).toContain("  fast: [claude-haiku, gpt-4.1-mini, gemini-flash]\n");
    expect(readdirSync(dir)).toEqual(["gateway.yaml"]);

    // The gateway reads the file as it serves: `models` shows the catalog it would load.
    const models = await runCli(["models"], { LLM_GATEWAY_CONFIG: configPath });
    expect(models.code).toBe(0);
    expect(models.stdout).toMatch(
      /fast\s+1\s+claude-haiku\s+anthropic\s+no key\s+200000\s+\$1\s+\$5\s+\$0\.1\s+\$1\.25/,
    );
    const checked = await runCli(["check-config"], { LLM_GATEWAY_CONFIG: configPath });
    const effective = JSON.parse(checked.stdout.slice(checked.stdout.indexOf("{")));
    expect(effective.catalog["claude-haiku"]).toMatchObject({
      pricesAsOf: "2026-12-07",
      pricesSource: "litellm",
    });
    expect(effective.catalog["deepseek-coder"]).toMatchObject({
      contextWindow: 131_072,
      pricesSource: "litellm",
    });

    // A second import of the same list finds nothing to change and leaves the file alone.
    const again = await runCli(["prices", "import", litellmList], { LLM_GATEWAY_CONFIG: configPath });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("0 updated, 12 unchanged, 1 not found in the list");
    expect(again.stdout).toContain(`${configPath} not written.`);
    expect(readFileSync(configPath, "utf8")).toBe(written);
  });

  it("detects models.dev's api.json; --only and --dry-run print the diff and write nothing", async () => {
    const dryRun = await runCli(
      [
        "prices",
        "import",
        modelsDevList,
        "--config",
        configPath,
        "--only",
        "gpt-4o,claude-haiku",
        "--dry-run",
      ],
      {},
    );
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toContain("(models.dev)");
    expect(dryRun.stdout).toContain(
      "  gpt-4o: input $2.5 -> $5, output $10 -> $20, cached $1.25 -> $2.5, cache write $2.5 -> $5  (new models: entry)\n",
    );
    expect(dryRun.stdout).toContain("  claude-haiku: input $0.8 -> $1, output $4 -> $5");
    expect(dryRun.stdout).toContain("2 updated, 0 unchanged, 0 not found in the list\n");
    expect(dryRun.stdout).toContain(`Dry run: ${configPath} not written.`);
    expect(readFileSync(configPath, "utf8")).toBe(configText);
    expect(readdirSync(dir)).toEqual(["gateway.yaml"]);
  });

  it("--prices-only leaves context windows and output limits as configured", async () => {
    const imported = await runCli(
      ["prices", "import", modelsDevList, "--config", configPath, "--prices-only"],
      {},
    );
    expect(imported.code).toBe(0);
    // models.dev gives DeepSeek a 1M context; its prices equal the catalog's, so nothing changes.
    expect(imported.stdout).not.toContain("deepseek-coder:");
    expect(imported.stdout).toContain("2 updated, 4 unchanged, 7 not found in the list");
  });

  it("refuses a file that is no price list: exit 1, a clear message, the config untouched", async () => {
    const bogus = join(dir, "prices.json");
    writeFileSync(bogus, JSON.stringify({ data: [{ id: "gpt-4o" }] }));
    const refused = await runCli(["prices", "import", bogus, "--config", configPath], {});
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^llm-gateway prices: .*prices\.json is neither LiteLLM's model_prices_and_context_window\.json .* nor models\.dev's api\.json/,
    );
    const forced = await runCli(
      ["prices", "import", litellmList, "--config", configPath, "--format", "models.dev"],
      {},
    );
    expect(forced.code).toBe(1);
    expect(forced.stderr).toContain("has no model with a price in the models.dev format");
    const missing = await runCli(["prices", "import", join(dir, "nope.json"), "--config", configPath], {});
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("cannot read the price list");
    expect(readFileSync(configPath, "utf8")).toBe(configText);
    expect(readdirSync(dir).sort()).toEqual(["gateway.yaml", "prices.json"]);
  });

  it("refuses a config file that does not load, and calls without a file or config as usage errors", async () => {
    writeFileSync(configPath, `${configText}\nbogus_section: 1\n`);
    const invalid = await runCli(["prices", "import", litellmList, "--config", configPath], {});
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain("bogus_section");
    expect(readdirSync(dir)).toEqual(["gateway.yaml"]);

    const noConfig = await runCli(["prices", "import", litellmList], {});
    expect(noConfig.code).toBe(2);
    expect(noConfig.stderr).toContain("name the config file to update with --config or LLM_GATEWAY_CONFIG");
    const noSubcommand = await runCli(["prices"], {});
    expect(noSubcommand.code).toBe(2);
    const badFormat = await runCli(
      ["prices", "import", litellmList, "--config", configPath, "--format", "csv"],
      {},
    );
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain('--format takes litellm or models.dev, got "csv"');
  });

  it("creates the config file when there is none yet", async () => {
    const fresh = join(dir, "new.yaml");
    const imported = await runCli(
      ["prices", "import", modelsDevList, "--config", fresh, "--as-of", "2026-12-07"],
      {},
    );
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain(`Wrote ${fresh} (new file).`);
    const models = await runCli(["models"], { LLM_GATEWAY_CONFIG: fresh });
    expect(models.stdout).toMatch(/gpt-4o\s+openai\s+no key\s+128000\s+\$5\s+\$20\s+\$2\.5/);
  });
});
