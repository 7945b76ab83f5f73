import type { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { Gateway } from "../../gateway/gateway.js";
import { jobIdSchema, jobOutputSchema, jobToolResult } from "../job-result-content.js";
import { mcpRequestAuth } from "../mcp-request-auth.js";
import { memoizeJsonSchema } from "../memoize-json-schema.js";
import { toolFailure } from "../tool-result.js";
import { callerShape, mcpCaller } from "../tool-schemas.js";

/** Below the 60 s after which MCP SDK clients give up on a call by default. */
const maxWaitSeconds = 50;

const inputSchema = memoizeJsonSchema(
  z.object({
    ...callerShape,
    job_id: jobIdSchema,
    wait_seconds: z
      .number()
      .int()
      .min(0)
      .max(maxWaitSeconds, `at most ${maxWaitSeconds}: call get_job again to wait longer`)
      .default(0)
      .describe("Wait up to this long for the job to end."),
  }),
);

export function registerGetJobTool(server: McpServer, gateway: Gateway): void {
  server.registerTool(
    "get_job",
    {
      title: "Get job",
      description:
        "A background chat_completion's status and text so far; once done, the result the direct call returns.",
      inputSchema,
      outputSchema: jobOutputSchema,
      annotations: { readOnlyHint: true, openWorldHint: false, idempotentHint: true },
    },
    async (args, ctx) => {
      try {
        const caller = mcpCaller(args, { principal: mcpRequestAuth(ctx).principal });
        const job = await gateway.getJob(args.job_id, caller, args.wait_seconds * 1000, ctx.mcpReq.signal);
        return await jobToolResult(gateway, caller, job);
      } catch (error) {
        return toolFailure(error, gateway.logger);
      }
    },
  );
}
