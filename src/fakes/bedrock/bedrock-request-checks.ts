import type { FakeResponse, RecordedCall } from "../fake-upstream-server.js";
import { bedrockErrorReply } from "./bedrock-auth-checks.js";

/**
 * What Converse refuses with a 400 ValidationException before any model runs
 * (docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html;
 * messages as Bedrock words them): a body that is not the documented shape
 * (unknown fields at any level the fake knows), no messages, a conversation
 * that does not start with a user turn or whose roles do not alternate, a
 * content block that is not exactly one of the union's members, blank text,
 * tool blocks without `toolConfig`, and inference settings out of range.
 */
export function bedrockRefusalOf(call: RecordedCall): FakeResponse | undefined {
  const problem = bodyProblem(call.body);
  return problem ? bedrockErrorReply(400, "ValidationException", problem) : undefined;
}

const topLevelFields = new Set([
  "messages",
  "system",
  "inferenceConfig",
  "toolConfig",
  "guardrailConfig",
  "additionalModelRequestFields",
  "additionalModelResponseFieldPaths",
  "promptVariables",
  "requestMetadata",
  "performanceConfig",
]);
const inferenceFields = new Set(["maxTokens", "temperature", "topP", "stopSequences"]);
const contentBlockMembers = new Set([
  "text",
  "image",
  "document",
  "video",
  "toolUse",
  "toolResult",
  "guardContent",
  "cachePoint",
  "reasoningContent",
  "citationsContent",
]);
const imageFormats = new Set(["png", "jpeg", "gif", "webp"]);

function bodyProblem(body: unknown): string | undefined {
  if (!isObject(body)) return "Malformed input request, please reformat your input and try again.";
  const extra = Object.keys(body).find((field) => !topLevelFields.has(field));
  if (extra)
    return `Malformed input request: extraneous key [${extra}] is not permitted, please reformat your input and try again.`;
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    return "1 validation error detected: Value at 'messages' failed to satisfy constraint: Member must have length greater than or equal to 1";
  }
  return (
    systemProblem(body.system) ??
    inferenceProblem(body.inferenceConfig) ??
    toolConfigProblem(body.toolConfig) ??
    messagesProblem(messages, body.toolConfig !== undefined)
  );
}

function messagesProblem(messages: unknown[], hasToolConfig: boolean): string | undefined {
  const toolUseIds = new Set<string>();
  for (const [index, message] of messages.entries()) {
    if (!isObject(message) || (message.role !== "user" && message.role !== "assistant")) {
      return `1 validation error detected: Value at 'messages.${index + 1}.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]`;
    }
    const extra = Object.keys(message).find((field) => field !== "role" && field !== "content");
    if (extra)
      return `Malformed input request: extraneous key [${extra}] is not permitted, please reformat your input and try again.`;
    if (index === 0 && message.role !== "user") {
      return "A conversation must start with a user message. Try again with a conversation that starts with a user message.";
    }
    if (index > 0 && (messages[index - 1] as { role?: unknown }).role === message.role) {
      return "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.";
    }
    if (!Array.isArray(message.content) || message.content.length === 0) {
      return `The content field in the Message object at messages.${index} is empty. Add a ContentBlock object to the content field and try again.`;
    }
    for (const [blockIndex, block] of message.content.entries()) {
      const where = `messages.${index}.content.${blockIndex}`;
      const problem = blockProblem(block, where, message.role, toolUseIds, hasToolConfig);
      if (problem) return problem;
    }
  }
  return undefined;
}

function blockProblem(
  block: unknown,
  where: string,
  role: unknown,
  toolUseIds: Set<string>,
  hasToolConfig: boolean,
): string | undefined {
  const members = isObject(block) ? Object.keys(block) : [];
  const [member] = members;
  if (!isObject(block) || members.length !== 1 || member === undefined || !contentBlockMembers.has(member)) {
    return `The ContentBlock object at ${where} must set exactly one of the following keys: ${[...contentBlockMembers].join(", ")}.`;
  }
  const value = block[member];
  switch (member) {
    case "text":
      if (typeof value !== "string")
        return `The text field in the ContentBlock object at ${where} must be a string.`;
      if (value.trim() === "") {
        return `The text field in the ContentBlock object at ${where} is blank. Add text to the text field, and try again.`;
      }
      return undefined;
    case "image":
      if (!isObject(value) || !imageFormats.has(value.format as string) || !isObject(value.source)) {
        return `The image in the ContentBlock object at ${where} must name a format (png, jpeg, gif, webp) and a source.`;
      }
      if (typeof value.source.bytes !== "string" || !/^[A-Za-z0-9+/]+={0,2}$/.test(value.source.bytes)) {
        return `The image bytes at ${where} are not valid base64.`;
      }
      return role === "user" ? undefined : `Images are only allowed in user messages (${where}).`;
    case "toolUse":
      if (!hasToolConfig)
        return "The toolConfig field must be defined when using toolUse and toolResult content blocks.";
      if (
        !isObject(value) ||
        typeof value.toolUseId !== "string" ||
        typeof value.name !== "string" ||
        !isObject(value.input)
      ) {
        return `The toolUse block at ${where} needs toolUseId, name and an input object.`;
      }
      toolUseIds.add(value.toolUseId);
      return undefined;
    case "toolResult":
      if (!hasToolConfig)
        return "The toolConfig field must be defined when using toolUse and toolResult content blocks.";
      if (!isObject(value) || typeof value.toolUseId !== "string" || !Array.isArray(value.content)) {
        return `The toolResult block at ${where} needs toolUseId and content.`;
      }
      if (!toolUseIds.has(value.toolUseId)) {
        return `The toolUseId ${value.toolUseId} at ${where} does not match any toolUse block in a previous assistant message.`;
      }
      return undefined;
    default:
      return undefined;
  }
}

function systemProblem(system: unknown): string | undefined {
  if (system === undefined) return undefined;
  if (!Array.isArray(system))
    return "Malformed input request: system must be a list of SystemContentBlock objects.";
  for (const [index, block] of system.entries()) {
    const keys = isObject(block) ? Object.keys(block) : [];
    if (keys.length !== 1 || !["text", "guardContent", "cachePoint"].includes(keys[0] ?? "")) {
      return `The SystemContentBlock at system.${index} must set exactly one of text, guardContent, cachePoint.`;
    }
    if (isObject(block) && "text" in block && (typeof block.text !== "string" || block.text.trim() === "")) {
      return `The text field in the SystemContentBlock object at system.${index} is blank. Add text to the text field, and try again.`;
    }
  }
  return undefined;
}

function inferenceProblem(config: unknown): string | undefined {
  if (config === undefined) return undefined;
  if (!isObject(config)) return "Malformed input request: inferenceConfig must be an object.";
  const extra = Object.keys(config).find((field) => !inferenceFields.has(field));
  if (extra)
    return `Malformed input request: extraneous key [${extra}] is not permitted, please reformat your input and try again.`;
  const { maxTokens, temperature, topP, stopSequences } = config;
  if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && (maxTokens as number) >= 1)) {
    return "1 validation error detected: Value at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1";
  }
  for (const [name, value] of [
    ["temperature", temperature],
    ["topP", topP],
  ] as const) {
    if (value !== undefined && !(typeof value === "number" && value >= 0 && value <= 1)) {
      return `1 validation error detected: Value at 'inferenceConfig.${name}' failed to satisfy constraint: Member must have value less than or equal to 1`;
    }
  }
  if (
    stopSequences !== undefined &&
    !(Array.isArray(stopSequences) && stopSequences.every((s) => typeof s === "string"))
  ) {
    return "inferenceConfig.stopSequences must be a list of strings.";
  }
  return undefined;
}

function toolConfigProblem(config: unknown): string | undefined {
  if (config === undefined) return undefined;
  if (!isObject(config) || !Array.isArray(config.tools) || config.tools.length === 0) {
    return "1 validation error detected: Value at 'toolConfig.tools' failed to satisfy constraint: Member must have length greater than or equal to 1";
  }
  for (const [index, tool] of config.tools.entries()) {
    if (isObject(tool) && "cachePoint" in tool) continue;
    const spec = isObject(tool) ? tool.toolSpec : undefined;
    if (
      !isObject(spec) ||
      typeof spec.name !== "string" ||
      !isObject(spec.inputSchema) ||
      !isObject(spec.inputSchema.json)
    ) {
      return `The tool at toolConfig.tools.${index} needs a toolSpec with a name and inputSchema.json.`;
    }
  }
  const choice = config.toolChoice;
  if (choice !== undefined) {
    const keys = isObject(choice) ? Object.keys(choice) : [];
    if (keys.length !== 1 || !["auto", "any", "tool"].includes(keys[0] ?? "")) {
      return "toolConfig.toolChoice must set exactly one of auto, any, tool.";
    }
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** CountTokens wants `{input: {converse: <a Converse body without inferenceConfig>}}` (or `invokeModel`). */
export function bedrockCountTokensRefusalOf(call: RecordedCall): FakeResponse | undefined {
  const body = call.body;
  const extra = isObject(body) ? Object.keys(body).find((field) => field !== "input") : undefined;
  const input = isObject(body) ? body.input : undefined;
  const converse = isObject(input) ? input.converse : undefined;
  const problem = extra
    ? `Malformed input request: extraneous key [${extra}] is not permitted, please reformat your input and try again.`
    : !isObject(converse)
      ? "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must set converse or invokeModel"
      : "inferenceConfig" in converse
        ? "Malformed input request: extraneous key [inferenceConfig] is not permitted, please reformat your input and try again."
        : bodyProblem(converse);
  return problem ? bedrockErrorReply(400, "ValidationException", problem) : undefined;
}
