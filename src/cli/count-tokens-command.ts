import pino from "pino";
import type { GatewayConfig } from "../config/gateway-config.js";
import { countTokens } from "../gateway/count-tokens.js";
import { TokenCounter } from "../gateway/token-counter.js";
import { createProviderAdapters } from "../providers/registry.js";
import { Deployments } from "../routing/deployments.js";
import { CliUsageError, parseFlags } from "./parse-flags.js";

/**
 * `llm-gateway count-tokens [--model M] <text>`, or the text on stdin with `-`
 * or no argument. Counts as the count_tokens tool does: a provider with a
 * counting endpoint and a configured key counts its own models.
 */
export async function countTokensCommand(
  args: string[],
  config: GatewayConfig,
  readStdin: () => Promise<string>,
): Promise<string> {
  const { flags, positional } = parseFlags(args, ["model"]);
  if (positional.length > 1)
    throw new CliUsageError("count-tokens takes one text argument; quote it, or pipe it in");
  const text = positional[0] === undefined || positional[0] === "-" ? await readStdin() : positional[0];
  const result = await countTokens({ text, model: flags.model }, config.catalog, new TokenCounter(), {
    deployments: new Deployments(config, await createProviderAdapters(config.providers)),
    // A failed provider count is said on stderr; stdout keeps the one result line.
    logger: pino({ level: "warn" }, pino.destination(2)),
  });
  return `${result.tokens} tokens (${result.model}, ${result.encoding}${result.exact ? "" : ", estimate"})`;
}
