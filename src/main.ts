#!/usr/bin/env node
import { AdminApiError, type CommandIo } from "./cli/admin-client.js";
import { budgetsCommand } from "./cli/budgets-command.js";
import { checkConfigCommand } from "./cli/check-config-command.js";
import { countTokensCommand } from "./cli/count-tokens-command.js";
import { keysCommand } from "./cli/keys-command.js";
import { modelsCommand } from "./cli/models-command.js";
import { CliUsageError } from "./cli/parse-flags.js";
import { requestsCommand } from "./cli/requests-command.js";
import { usageCommand } from "./cli/usage-command.js";
import { composeGateway } from "./compose-gateway.js";
import { ConfigError } from "./config/config-error.js";
import type { GatewayConfig } from "./config/gateway-config.js";
import { loadConfig } from "./config/load-config.js";
import { isGatewayError } from "./core/gateway-error.js";
import { buildApp, maxConnectionsOf } from "./http/build-app.js";
import { createLogger } from "./logging/create-logger.js";

const usage = `Usage: llm-gateway [command]

  serve                       serve HTTP: MCP at /mcp, the OpenAI API at /v1, /health, /metrics, /dashboard (default)
  --stdio                     serve the MCP tools over stdio, for desktop MCP clients
  usage --project P [--period hour|day|week|month|all] [--agent A]
                              a project's usage as a table, read from the store
  models                      every model group's chain, key availability and prices
  count-tokens [--model M] [TEXT | -]
                              count the tokens of TEXT (or stdin) for a model (default gpt-4)
  check-config                validate the configuration and print it with secrets masked

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

const oneShotCommands: Record<string, (args: string[], config: GatewayConfig) => Promise<string> | string> = {
  usage: usageCommand,
  models: (_args, config) => modelsCommand(config),
  "count-tokens": (args, config) => countTokensCommand(args, config, readStdin),
  "check-config": (_args, config) => checkConfigCommand(config),
  keys: (args, config) => keysCommand(args, config, commandIo),
  budgets: (args, config) => budgetsCommand(args, config, commandIo),
  requests: (args, config) => requestsCommand(args, config, commandIo),
};

async function main(argv: string[]): Promise<void> {
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
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`llm-gateway: ${error.message}\n`);
    process.exitCode = 1;
    return;
  }
  if (oneShot) {
    try {
      process.stdout.write(`${await oneShot(argv.slice(1), config)}\n`);
    } catch (error) {
      const isUsage = error instanceof CliUsageError;
      const isExpected = isUsage || isGatewayError(error) || error instanceof AdminApiError;
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
  const composition = await composeGateway(config, logger);
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
  const address = await app.listen({ host: config.host, port: config.port });
  logger.info(
    { address, version: gateway.version, maxConnections: maxConnectionsOf(config) },
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
