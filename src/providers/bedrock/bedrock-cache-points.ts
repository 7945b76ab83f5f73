import type { BedrockConverseRequestBody } from "./bedrock-api.js";
import { createBedrockRequestError } from "./bedrock-error.js";

/** Bedrock takes at most four cache checkpoints a request (docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html). */
export const maxBedrockCachePoints = 4;

const cachePoint = { cachePoint: { type: "default" } } as const;

function cachePointCount(body: BedrockConverseRequestBody): number {
  const blocks = [
    ...(body.toolConfig?.tools ?? []),
    ...(body.system ?? []),
    ...body.messages.flatMap((message) => message.content),
  ];
  return blocks.filter((block) => "cachePoint" in block).length;
}

/** Refuses more checkpoints than Bedrock takes, naming the limit, before anything is sent. */
export function checkBedrockCachePoints(provider: string, body: BedrockConverseRequestBody): void {
  const count = cachePointCount(body);
  if (count > maxBedrockCachePoints) {
    throw createBedrockRequestError(
      provider,
      `cache_control: at most ${maxBedrockCachePoints} cache breakpoints are allowed (tools, system and content parts together), ${count} were given`,
    );
  }
}

/**
 * The gateway's own breakpoints (opt-in per group or project), as the
 * Anthropic adapter places them: a checkpoint after a long tool list and after
 * a long system prompt, the stable prefix of an agent's every turn. A caller
 * who placed breakpoints keeps exactly theirs. Lengths are estimated at four
 * characters a token; a checkpoint below the model's minimum is ignored by Bedrock.
 */
export function addBedrockAutoCachePoints(body: BedrockConverseRequestBody, minPromptTokens: number): void {
  if (cachePointCount(body) > 0) return;
  const tools = body.toolConfig?.tools;
  const toolsTokens = Math.ceil(JSON.stringify(tools ?? []).length / 4);
  if (tools && tools.length > 0 && toolsTokens >= minPromptTokens) tools.push({ ...cachePoint });
  const systemText = (body.system ?? []).map((block) => ("text" in block ? block.text : "")).join("");
  const systemTokens = Math.ceil(systemText.length / 4);
  if (body.system && systemTokens > 0 && toolsTokens + systemTokens >= minPromptTokens) {
    body.system.push({ ...cachePoint });
  }
}
