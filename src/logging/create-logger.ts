import { createRequire } from "node:module";
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
];

/**
 * Fields named as keys, at the top of a line or one level down (what the redact paths `key`,
 * `*.key`, `apiKey` and `*.apiKey` said). Done here rather than by pino's redaction: its paths
 * starting with `*` passed every field of every line through a clone and a path parser, a tenth of
 * the objects a chat request allocated.
 */
const secretFields = new Set(["apiKey", "key"]);
const censor = "[redacted]";

export function withoutSecretFields(fields: Record<string, unknown>): Record<string, unknown> {
  let censored: Record<string, unknown> | undefined;
  for (const name in fields) {
    const value = fields[name];
    let replacement: unknown;
    if (secretFields.has(name)) replacement = censor;
    else if (typeof value === "object" && value !== null && !Array.isArray(value) && holdsSecretField(value))
      replacement = censorSecretFields(value as Record<string, unknown>);
    else continue;
    censored ??= { ...fields };
    censored[name] = replacement;
  }
  return censored ?? fields;
}

function holdsSecretField(value: object): boolean {
  for (const name of secretFields) if (Object.hasOwn(value, name)) return true;
  return false;
}

function censorSecretFields(value: Record<string, unknown>): Record<string, unknown> {
  // An error keeps its prototype and its own message and stack (not enumerable), for pino's serializer.
  const copy =
    value instanceof Error
      ? Object.create(Object.getPrototypeOf(value), {
          ...Object.getOwnPropertyDescriptors(value),
          // On Node 24 `stack` is an accessor that reads the error it is called on: copied, it reads nothing.
          stack: { value: value.stack, writable: true, configurable: true, enumerable: false },
        })
      : { ...value };
  for (const name of secretFields) if (Object.hasOwn(copy, name)) copy[name] = censor;
  return copy;
}

/** Logs are written asynchronously (pino.destination with sync off) so logging never blocks a request. */
export function createLogger(options: LoggerOptions): Logger {
  const base = {
    level: options.level,
    redact: { paths: redactPaths, censor },
    formatters: { log: withoutSecretFields, bindings: withoutSecretFields },
    // A cluster worker's lines say which worker wrote them (the primary marks the workers it forks).
    base: {
      service: "llm-gateway",
      ...(process.env.LLM_GATEWAY_CLUSTER_WORKER === "1" ? { worker: process.pid } : {}),
    },
  };
  if (options.pretty) {
    nameTransportFiles();
    return pino({
      ...base,
      transport: { target: "pino-pretty", options: { destination: options.destination, colorize: true } },
    });
  }
  return pino(base, pino.destination({ fd: options.destination, sync: false }));
}

/**
 * The files pino's pretty transport runs in its worker thread, named through pino's hook for bundlers
 * (`__bundlerPathsOverrides`): bundled into dist/ (scripts/bundle-main.mjs), pino and thread-stream
 * cannot find them beside their own code. The same files pino finds by itself when it is not bundled.
 */
function nameTransportFiles(): void {
  const fromPino = createRequire(createRequire(import.meta.url).resolve("pino"));
  const hook = globalThis as { __bundlerPathsOverrides?: Record<string, string> };
  hook.__bundlerPathsOverrides = {
    ...hook.__bundlerPathsOverrides,
    "thread-stream-worker": fromPino.resolve("thread-stream/lib/worker.js"),
    "pino-pretty": createRequire(import.meta.url).resolve("pino-pretty"),
  };
}
