import type { OpenAiChatRequestBody } from "./openai-api.js";

/**
 * For upstreams whose JSON mode takes no schema (DeepSeek accepts only
 * `text` and `json_object`, api-docs.deepseek.com/guides/json_mode): JSON
 * mode, and the schema as a system message ahead of the conversation, so
 * the model knows the shape; the answer is checked against it afterwards.
 */
export function withSchemaInPrompt(body: OpenAiChatRequestBody): OpenAiChatRequestBody {
  const format = body.response_format;
  if (format?.type !== "json_schema") return body;
  const { name, description, schema } = format.json_schema;
  const instruction = [
    `Answer with one JSON object only, no prose, named "${name}"${description ? ` (${description})` : ""}.`,
    schema ? `It must match this JSON schema:\n${JSON.stringify(schema)}` : undefined,
  ]
    .filter(Boolean)
    .join("\n");
  return {
    ...body,
    messages: [{ role: "system", content: instruction }, ...body.messages],
    response_format: { type: "json_object" },
  };
}
