#!/usr/bin/env node
import { ConfigError } from "../config/config-error.js";
import { createLogger } from "../logging/create-logger.js";
import { demoBanner } from "./demo-banner.js";
import { type Demo, startDemo } from "./start-demo.js";

const usage = `Usage: npm run demo [-- --no-traffic]

Starts five fake providers and a gateway wired to them on 127.0.0.1 (port
LLM_GATEWAY_PORT, default 8001), with scripted Anthropic overloads and a little
background traffic. LLM_GATEWAY_LOG_LEVEL=info shows every request.`;

const trafficIntervalMs = 1_500;

async function main(argv: string[]): Promise<void> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const unknown = argv.filter((arg) => arg !== "--no-traffic");
  if (unknown.length > 0) {
    process.stderr.write(`Unknown argument ${unknown[0]}.\n\n${usage}\n`);
    process.exitCode = 2;
    return;
  }
  const traffic = !argv.includes("--no-traffic");
  const port = Number(process.env.LLM_GATEWAY_PORT ?? 8001);
  const logger = createLogger({
    level: process.env.LLM_GATEWAY_LOG_LEVEL ?? "warn",
    pretty: process.stdout.isTTY === true,
    destination: 1,
  });
  let demo: Demo;
  try {
    demo = await startDemo({ port, logger, traffic: traffic ? { intervalMs: trafficIntervalMs } : false });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason =
      code === "EADDRINUSE"
        ? `port ${port} is taken; run with LLM_GATEWAY_PORT=<another port>`
        : error instanceof ConfigError || error instanceof Error
          ? error.message
          : String(error);
    process.stderr.write(`llm-gateway demo: ${reason}\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(
    demoBanner({
      url: demo.url,
      fakes: demo.fakes,
      failures: demo.settings.failures,
      trafficIntervalMs: traffic ? trafficIntervalMs : undefined,
    }),
  );
  const stop = async () => {
    process.stdout.write("\nStopping the demo.\n");
    // A stuck stream must not keep the terminal: give up after a few seconds.
    setTimeout(() => process.exit(1), 5_000).unref();
    await demo.close();
    logger.flush();
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`llm-gateway demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
