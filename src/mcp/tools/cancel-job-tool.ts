import type { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { Gateway } from "../../gateway/gateway.js";
import { jobIdSchema, jobOutputSchema, jobToolResult } from "../job-result-content.js";
import { mcpRequestAuth } from "../mcp-request-auth.js";
import { memoizeJsonSchema } from "../memoize-json-schema.js";
import { toolFailure } from "../tool-result.js";
import { callerShape, mcpCaller } from "../tool-schemas.js";

const inputSchema = memoizeJsonSchema(z.object({ ...callerShape, job_id: jobIdSchema }));

export function registerCancelJobTool(server: McpServer, gateway: Gateway): void {
  server.registerTool(
    "cancel_job",
    {
      title: "Cancel job",
      description:
        "Stops a background chat_completion (what it produced is booked); returns its final state.",
      inputSchema,
      outputSchema: jobOutputSchema,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async (args, ctx) => {
      try {
        const caller = mcpCaller(args, { principal: mcpRequestAuth(ctx).principal });
        return await jobToolResult(gateway, caller, await gateway.cancelJob(args.job_id, caller));
      } catch (error) {
        return toolFailure(error, gateway.logger);
      }
    },
  );
}
