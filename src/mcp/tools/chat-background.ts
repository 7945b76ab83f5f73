import type { CallToolResult } from "@modelcontextprotocol/server";
import { z } from "zod";
import { GatewayError } from "../../core/gateway-error.js";
import type { Caller } from "../../gateway/caller.js";
import type { ChatInput } from "../../gateway/chat-types.js";
import type { Gateway } from "../../gateway/gateway.js";
import { jobToolResult } from "../job-result-content.js";

/** chat_completion's argument for a call that answers at once with a job. */
export const backgroundShape = {
  background: z.boolean().optional().describe("Answer at once with a job_id; get_job reads the result."),
};

/** What cannot go with `background`, refused before anything is spent. */
export function assertBackgroundArguments(args: {
  background?: boolean;
  stream?: boolean;
  models?: string[];
}): void {
  if (!args.background) return;
  if (args.stream)
    throw new GatewayError(
      "GW_ERR_INVALID_REQUEST",
      "`stream` does not apply with `background`: get_job returns the text so far while the job runs.",
      { param: "stream" },
    );
  if (args.models !== undefined)
    throw new GatewayError(
      "GW_ERR_INVALID_REQUEST",
      "`models` cannot run in the background yet: start one background call per model, or call without `background`.",
      { param: "models" },
    );
}

/** Starts the call as a job and answers with its id at once. */
export async function answerBackground(
  gateway: Gateway,
  caller: Caller,
  input: ChatInput,
  conversationId: string | undefined,
): Promise<CallToolResult> {
  const job = await gateway.startBackgroundChat(input, conversationId, caller);
  return jobToolResult(gateway, caller, job);
}
