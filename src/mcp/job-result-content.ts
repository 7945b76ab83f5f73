import type { CallToolResult } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { JobView } from "../gateway/background-jobs.js";
import type { Caller } from "../gateway/caller.js";
import type { BackgroundChatAnswer, Gateway } from "../gateway/gateway.js";
import { chatToolResult } from "./chat-result-content.js";
import { memoizeJsonSchema } from "./memoize-json-schema.js";
import { toolFailure, toolSuccess } from "./tool-result.js";

export const jobIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,100}$/, "must be a job_id as chat_completion returned it")
  .describe("From chat_completion (background).");

/** get_job's and cancel_job's result: the job's state, and once it succeeded chat_completion's result too. */
export const jobOutputSchema = memoizeJsonSchema(
  z.object({
    job_id: z.string(),
    status: z.enum(["running", "succeeded", "failed", "cancelled", "lost"]),
    partial_text: z.string().optional(),
  }),
);

/**
 * A job as an MCP tool result. Succeeded: exactly what the direct call
 * returns (text and structuredContent), with `job_id` and `status` added to
 * the latter; failed or lost: the direct call's error result.
 */
export async function jobToolResult(
  gateway: Gateway,
  caller: Caller,
  job: JobView<BackgroundChatAnswer>,
): Promise<CallToolResult> {
  switch (job.status) {
    case "succeeded": {
      const { result, conversationId, turnsLeftOut } = job.answer;
      const answered = await chatToolResult(gateway, caller, {
        ...result,
        conversation: { id: conversationId, turnsLeftOut },
      });
      return {
        ...answered,
        structuredContent: {
          ...(answered.structuredContent as Record<string, unknown>),
          job_id: job.id,
          status: job.status,
        },
      };
    }
    case "failed":
    case "lost":
      return toolFailure(job.error, gateway.logger);
    default: {
      // The client's limit applies to the text so far too; a character is never less than a token.
      const limit = gateway.config.mcpMaxResultTokens;
      const shown = job.partialText.slice(0, limit);
      const cut =
        job.partialText.length > limit ? `\n[${job.partialText.length - limit} more characters]` : "";
      const state =
        job.status === "running"
          ? `Job ${job.id} is running (${job.partialText.length} characters so far); get_job with wait_seconds waits for it.`
          : `Job ${job.id} was cancelled; what the model had written is booked.`;
      return toolSuccess(
        { job_id: job.id, status: job.status, partial_text: shown },
        shown ? `${state}\n\n${shown}${cut}` : state,
      );
    }
  }
}
