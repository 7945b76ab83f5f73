import pino, { type Logger } from "pino";

export interface LoggerOptions {
  level: string;
  /** Human-readable lines instead of JSON (a terminal, or LLM_GATEWAY_DEBUG). */
  pretty: boolean;
  /** File descriptor to write to: 1, or 2 when stdout carries MCP stdio. */
  destination: 1 | 2;
}

/**
 * Header values that carry credentials. pino removes them from every log
 * line; the gateway never logs request bodies or keys otherwise.
 */
const redactPaths = [
  "req.headers.authorization",
  'req.headers["x-api-key"]',
  'req.headers["x-goog-api-key"]',
  "headers.authorization",
  'headers["x-api-key"]',
  'headers["x-goog-api-key"]',
  "apiKey",
  "*.apiKey",
  "key",
  "*.key",
];

/** Logs are written asynchronously (pino.destination with sync off) so logging never blocks a request. */
export function createLogger(options: LoggerOptions): Logger {
  const base = {
    level: options.level,
    redact: { paths: redactPaths, censor: "[redacted]" },
    // A cluster worker's lines say which worker wrote them (the primary marks the workers it forks).
    base: {
      service: "llm-gateway",
      ...(process.env.LLM_GATEWAY_CLUSTER_WORKER === "1" ? { worker: process.pid } : {}),
    },
  };
  if (options.pretty) {
    return pino({
      ...base,
      transport: { target: "pino-pretty", options: { destination: options.destination, colorize: true } },
    });
  }
  return pino(base, pino.destination({ fd: options.destination, sync: false }));
}
