import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";

/** Who a test's SDK calls are booked to: sent as `x-project-id` and `x-agent-id`. */
export interface TestCaller {
  project_id: string;
  agent_id: string;
}

const callerHeaders = (caller: TestCaller) => ({
  "x-project-id": caller.project_id,
  "x-agent-id": caller.agent_id,
});

/** The official openai SDK on the gateway's `/v1`, without client keys, its own retries off. */
export function openAiClientFor(gatewayUrl: string, caller: TestCaller): OpenAI {
  return new OpenAI({
    apiKey: "unused-without-client-keys",
    baseURL: `${gatewayUrl}/v1`,
    maxRetries: 0,
    defaultHeaders: callerHeaders(caller),
  });
}

/** The official Anthropic SDK on the gateway's Messages door, its own retries off. */
export function anthropicClientFor(gatewayUrl: string, caller: TestCaller): Anthropic {
  return new Anthropic({
    apiKey: "unused-without-client-keys",
    baseURL: gatewayUrl,
    maxRetries: 0,
    defaultHeaders: callerHeaders(caller),
  });
}

/** A project's usage over all time, as `GET /v1/usage` reports it. */
export async function allTimeUsageOf(
  gatewayUrl: string,
  project: string,
): Promise<{
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  by_model: Record<string, unknown>;
}> {
  const response = await fetch(`${gatewayUrl}/v1/usage?project_id=${project}&period=all`);
  return (await response.json()) as Awaited<ReturnType<typeof allTimeUsageOf>>;
}
