#!/usr/bin/env node
import { boundHeapGrowth } from "./bound-heap-growth.js";
import { AdminApiError, type CommandIo } from "./cli/admin-client.js";
import { CliFailure, CliUsageError } from "./cli/parse-flags.js";
import { composeGateway } from "./compose-gateway.js";
import { ConfigError } from "./config/config-error.js";
import type { GatewayConfig } from "./config/gateway-config.js";
import { loadConfig } from "./config/load-config.js";
import { parseWorkerSetting, resolveWorkerCount } from "./config/worker-count.js";
import { isGatewayError } from "./core/gateway-error.js";
import { buildApp, maxConnectionsOf } from "./http/build-app.js";
import { createLogger } from "./logging/create-logger.js";
import { StartUpTimings } from "./start-up-timings.js";

const usage = `Usage: llm-gateway [command]

  serve [--workers N|auto]    serve HTTP: MCP at /mcp, the OpenAI API at /v1, /health, /metrics, /dashboard (default);
                              --workers: N processes share the port (auto: one per core; default 1, or
                              LLM_GATEWAY_WORKERS), with budgets, limits and circuits exact across them
  --stdio                     serve the MCP tools over stdio, for desktop MCP clients
  usage --project P [--period hour|day|week|month|all] [--agent A]
                              a project's usage as a table, read from the store
  models                      every model group's chain, key availability and prices
  count-tokens [--model M] [TEXT | -]
                              count the tokens of TEXT (or stdin) for a model (default gpt-4)
  check-config                validate the configuration and print it with secrets masked
  prices import FILE [--config PATH] [--format litellm|models.dev] [--only m1,m2] [--dry-run]
                [--prices-only] [--as-of YYYY-MM-DD]
                              update the catalog's prices (and context windows) in the config file
                              (default LLM_GATEWAY_CONFIG) from LiteLLM's model_prices_and_context_window.json
                              or models.dev's api.json, printing what changed

  keys create --name N --projects a,b|'*' [--agents x,y] [--models fast,gpt-4.1]
              [--daily-usd 5] [--monthly-usd 50] [--rpm 60] [--tpm 100000]
              [--expires-in 30d | --expires-at ISO] [--metadata k=v ...]
                              create a client key; its secret is printed once, never again
  keys list [--all]           client keys: projects, budget, spend today and this month, expiry, status
                              (--all: revoked keys too)
  keys revoke ID              refuse a key from now on, on every replica
  keys rotate ID              give a key a new secret (printed once); the old one is refused at once
  budgets set --project P [--agent A] [--daily-usd D] [--monthly-usd M] [--rpm R] [--tpm T]
                              set a project's or agent's budget and limits at runtime (none clears one)
  budgets show [--project P]  spent vs limit, held and reset time per project, agent and key

  requests [--project P] [--agent A] [--model M] [--status success|partial|error]
           [--from T] [--to T] [--limit N] [--cursor C]
                              the last requests kept (newest first): who, model, status, tokens, cost
  requests show ID            one request with its attempts (and its bodies, when kept)
                              (a client key from LLM_GATEWAY_API_KEY: a key sees its projects only)

  keys and budgets call the running gateway's admin API: --url (default
  http://$LLM_GATEWAY_HOST:$LLM_GATEWAY_PORT), with the admin key (a client key with projects *)
  from LLM_GATEWAY_ADMIN_KEY (--admin-key works but shows in ps). --json prints the API's answer.

Configuration comes from the environment and LLM_GATEWAY_CONFIG (see README.md).`;

/** The process, for the commands that talk to a running gateway. */
const commandIo: CommandIo = {
  env: process.env,
  warn: (line) => process.stderr.write(`${line}\n`),
  now: () => Date.now(),
};

// Each command's module is imported when it runs: serving loads none of them.
const oneShotCommands: Record<string, (args: string[], config: GatewayConfig) => Promise<string>> = {
  usage: async (args, config) => (await import("./cli/usage-command.js")).usageCommand(args, config),
  models: async (_args, config) => (await import("./cli/models-command.js")).modelsCommand(config),
  "count-tokens": async (args, config) =>
    (await import("./cli/count-tokens-command.js")).countTokensCommand(args, config, readStdin),
  "check-config": async (_args, config) =>
    (await import("./cli/check-config-command.js")).checkConfigCommand(config),
  keys: async (args, config) => (await import("./cli/keys-command.js")).keysCommand(args, config, commandIo),
  budgets: async (args, config) =>
    (await import("./cli/budgets-command.js")).budgetsCommand(args, config, commandIo),
  requests: async (args, config) =>
    (await import("./cli/requests-command.js")).requestsCommand(args, config, commandIo),
  prices: async (args) => (await import("./cli/prices-command.js")).pricesCommand(args, commandIo),
};

async function main(argv: string[]): Promise<void> {
  const startUp = new StartUpTimings();
  const command = argv[0] ?? "serve";
  if (command === "--help" || command === "-h") {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const oneShot = oneShotCommands[command];
  if (command !== "serve" && command !== "--stdio" && !oneShot) {
    process.stderr.write(`Unknown command "${command}".\n\n${usage}\n`);
    process.exitCode = 2;
    return;
  }
  let config: GatewayConfig;
  try {
    config = loadConfig();
    startUp.mark("config");
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`llm-gateway: ${error.message}\n`);
    process.exitCode = 1;
    return;
  }
  if (command === "serve") {
    const workers = workersFlag(argv.slice(1));
    if (workers === null) {
      process.stderr.write(
        `llm-gateway serve: --workers takes a whole number from 1 to 1024 or "auto".\n\n${usage}\n`,
      );
      process.exitCode = 2;
      return;
    }
    if (workers !== undefined) config = { ...config, workers: resolveWorkerCount(workers) };
  }
  if (oneShot) {
    try {
      process.stdout.write(`${await oneShot(argv.slice(1), config)}\n`);
    } catch (error) {
      const isUsage = error instanceof CliUsageError;
      const isExpected =
        isUsage || error instanceof CliFailure || isGatewayError(error) || error instanceof AdminApiError;
      process.stderr.write(
        `llm-gateway ${command}: ${error instanceof Error && isExpected ? error.message : String(error)}\n`,
      );
      if (isUsage) process.stderr.write(`\n${usage}\n`);
      process.exitCode = isUsage ? 2 : 1;
    }
    return;
  }
  const stdio = command === "--stdio";
  const logger = createLogger({
    level: config.logLevel,
    pretty: config.debug || (!stdio && process.stdout.isTTY === true),
    // stdout carries the MCP stdio protocol; logs must not touch it.
    destination: stdio ? 2 : 1,
  });
  if (!stdio && config.clientKeys.length === 0) {
    if (!isLoopback(config.host) && !config.allowUnauthenticated) {
      process.stderr.write(
        `llm-gateway: refusing to serve ${config.host} without client keys: anyone who can reach it could spend on your provider accounts. Set LLM_GATEWAY_API_KEYS (or client_keys in the config file), bind a loopback address, or set LLM_GATEWAY_ALLOW_UNAUTHENTICATED=true.\n`,
      );
      process.exitCode = 1;
      return;
    }
    logger.warn(
      { host: config.host },
      isLoopback(config.host)
        ? "no client keys configured: serving without authentication, on loopback only"
        : "no client keys configured and LLM_GATEWAY_ALLOW_UNAUTHENTICATED=true: anyone who can reach this address can spend",
    );
  }
  if (!stdio && config.workers > 1) {
    const cluster = (await import("node:cluster")).default;
    // The primary forks the workers and serves nothing itself; each worker goes on below.
    if (cluster.isPrimary) {
      await (await import("./cluster/run-cluster-primary.js")).runClusterPrimary(config, logger);
      return;
    }
  }
  boundHeapGrowth(process.execArgv);
  const composition = await composeGateway(config, logger);
  startUp.mark("compose");
  const { gateway } = composition;

  if (stdio) {
    // The MCP SDK is loaded only where MCP is served: here, or at the first use of /mcp.
    const [{ serveStdio }, { createMcpServer }] = await Promise.all([
      import("@modelcontextprotocol/server/stdio"),
      import("./mcp/create-mcp-server.js"),
    ]);
    const server = serveStdio(() => createMcpServer(gateway), {
      onerror: (error) => logger.warn({ err: error }, "MCP stdio error"),
    });
    const stop = async () => {
      await server.close();
      await gateway.close();
      logger.flush();
    };
    process.stdin.once("end", () => void stop());
    process.once("SIGTERM", () => void stop());
    process.once("SIGINT", () => void stop());
    return;
  }

  const app = await buildApp(composition);
  startUp.mark("app");
  const address = await app.listen({ host: config.host, port: config.port });
  startUp.mark("listen");
  logger.info(
    {
      address,
      version: gateway.version,
      maxConnections: maxConnectionsOf(config),
      startUpMs: startUp.phases,
    },
    `llm-gateway listening on ${address}`,
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: finishing in-flight requests");
    const force = setTimeout(() => {
      logger.error("shutdown deadline passed; exiting with requests still open");
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    // Connections that finish their last response during shutdown would otherwise idle until keep-alive expires.
    const closeIdle = setInterval(() => app.server.closeIdleConnections(), 100);
    // Background jobs may run for an hour: they stop first (booked, stored as lost), so get_job
    // calls waiting on them answer now instead of holding the drain.
    await gateway.stopBackgroundJobs();
    await app.close();
    clearInterval(closeIdle);
    await gateway.close();
    logger.info("shutdown complete");
    logger.flush();
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
}

/** `serve --workers N|auto` (or `--workers=N`): undefined when absent, null when its value is not one. */
function workersFlag(args: string[]): ReturnType<typeof parseWorkerSetting> | null {
  const index = args.findIndex((arg) => arg === "--workers" || arg.startsWith("--workers="));
  if (index === -1) return undefined;
  const arg = args[index] as string;
  const value = arg === "--workers" ? args[index + 1] : arg.slice("--workers=".length);
  return parseWorkerSetting(value) ?? null;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(
    `llm-gateway failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
