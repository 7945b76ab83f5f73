import type { CallToolResult, ServerContext } from "@modelcontextprotocol/server";
import { z } from "zod";
import { GatewayError } from "../../core/gateway-error.js";
import type { Caller } from "../../gateway/caller.js";
import type { ChatInput } from "../../gateway/chat-types.js";
import { type FanOutEntry, type FanOutResult, maxFanOutModels } from "../../gateway/fan-out-chat.js";
import type { Gateway } from "../../gateway/gateway.js";
import { fanOutToolResult } from "../chat-result-content.js";
import { ProgressNotifier } from "../progress-notifier.js";

const modelName = z.string().min(1).max(128);

/** chat_completion's arguments for asking several models at once. */
export const fanOutShape = {
  models: z
    .array(modelName)
    .min(1)
    .max(maxFanOutModels)
    .optional()
    .describe(
      `Ask up to ${maxFanOutModels} models or groups in parallel instead of model/model_group: one answer each.`,
    ),
  judge: modelName.optional().describe("With models: a model or group that synthesises their answers."),
};

interface FanOutArguments {
  models?: string[];
  judge?: string;
  model?: string;
  model_group?: string;
  fallbacks?: string[];
  stream?: boolean;
  conversation_id?: string;
}

/** What cannot go with `models` (or `judge` without it), refused before anything is spent. */
export function assertFanOutArguments(args: FanOutArguments): void {
  const refuse = (param: string, message: string) => {
    throw new GatewayError("GW_ERR_INVALID_REQUEST", message, { param });
  };
  if (args.models === undefined) {
    if (args.judge !== undefined) refuse("judge", "`judge` needs `models`: it synthesises their answers.");
    return;
  }
  if (args.model !== undefined || args.model_group !== undefined)
    refuse("models", "Give `models` or `model`/`model_group`, not both.");
  if (args.fallbacks !== undefined) refuse("fallbacks", "`fallbacks` does not apply with `models`.");
  if (args.stream)
    refuse("stream", "`stream` does not apply with `models`: progress reports each answer as it lands.");
  if (args.conversation_id !== undefined)
    refuse(
      "conversation_id",
      "`conversation_id` does not apply with `models`: a conversation has one answer a turn.",
    );
}

/** The fan-out use case behind the MCP door: progress as each model settles, one entry per model. */
export async function answerFanOut(
  gateway: Gateway,
  caller: Caller,
  request: Omit<ChatInput, "model" | "modelGroup" | "fallbacks" | "native">,
  fanOut: { models: string[]; judge?: string },
  ctx: ServerContext,
  signal: AbortSignal,
): Promise<CallToolResult> {
  const asked = fanOut.judge === undefined ? fanOut.models : [...fanOut.models, fanOut.judge];
  const waitingFor = new Set(fanOut.models);
  const started = Date.now();
  const notifier = ProgressNotifier.start(
    ctx,
    gateway.config.progressIntervalMs,
    () => `waiting for ${[...waitingFor].join(", ")} (${Math.round((Date.now() - started) / 1000)} s)`,
    asked.length,
  );
  const onSettled =
    notifier &&
    ((entry: FanOutEntry, settled: number, total: number) => {
      waitingFor.delete(entry.asked);
      if (waitingFor.size === 0 && fanOut.judge !== undefined && settled < total)
        waitingFor.add(fanOut.judge);
      return notifier.notify(`${settled}/${total} ${describe(entry)}`, settled);
    });
  let outcome: FanOutResult;
  try {
    outcome = await gateway.fanOutChat({ request, ...fanOut }, caller, { signal, onSettled });
  } finally {
    notifier?.stop();
  }
  return fanOutToolResult(gateway, caller, outcome);
}

function describe(entry: FanOutEntry): string {
  if (!entry.ok) return `${entry.asked} failed: ${entry.error.code}`;
  const { result } = entry;
  return `${entry.asked} answered (${result.model}, ${result.usage.output_tokens} tokens, ${(result.latency_ms / 1000).toFixed(1)} s)`;
}
