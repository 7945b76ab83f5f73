import { describe, expect, it } from "vitest";
import { translateResponsesRequest } from "./convert-responses-request.js";
import { type ResponsesRequest, responsesRequestSchema } from "./responses-request-schema.js";

const parse = (body: Record<string, unknown>): ResponsesRequest =>
  responsesRequestSchema.parse({ model: "code", ...body });

describe("translateResponsesRequest", () => {
  it("carries instructions, every message role and part, function calls with their outputs, and options", () => {
    const { request, untranslatable, droppedTools } = translateResponsesRequest(
      parse({
        instructions: "Be brief",
        input: [
          { role: "developer", content: "Use tools" },
          {
            role: "user",
            content: [
              { type: "input_text", text: "What is in " },
              { type: "input_image", image_url: "data:image/png;base64,AAAA", detail: "low" },
            ],
          },
          { type: "message", role: "assistant", content: [{ type: "output_text", text: "Looking." }] },
          { type: "reasoning", id: "rs_1", summary: [], encrypted_content: "gAAAA" },
          { type: "function_call", call_id: "call_1", name: "exec_command", arguments: '{"cmd":"ls"}' },
          { type: "function_call_output", call_id: "call_1", output: "a.txt" },
        ],
        tools: [
          { type: "function", name: "exec_command", parameters: { type: "object" }, strict: false },
          { type: "namespace", name: "agents", tools: [{ type: "function", name: "spawn_agent" }] },
          { type: "web_search" },
        ],
        tool_choice: { type: "function", name: "exec_command" },
        text: { format: { type: "json_schema", name: "out", schema: { type: "object" }, strict: true } },
        reasoning: { effort: "high", summary: "auto" },
        max_output_tokens: 500,
        temperature: 0.2,
        top_p: 0.9,
        store: false,
        include: ["reasoning.encrypted_content"],
        prompt_cache_key: "session",
        safety_identifier: "user-7",
      }),
    );
    expect(untranslatable).toBeUndefined();
    expect(droppedTools).toEqual(["web_search"]);
    expect(request).toEqual({
      messages: [
        { role: "system", content: "Be brief" },
        { role: "developer", content: "Use tools" },
        {
          role: "user",
          content: [
            { type: "text", text: "What is in " },
            { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "low" } },
          ],
        },
        {
          role: "assistant",
          content: "Looking.",
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "exec_command", arguments: '{"cmd":"ls"}' } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "a.txt" },
      ],
      max_tokens: 500,
      temperature: 0.2,
      top_p: 0.9,
      tools: [
        {
          type: "function",
          function: { name: "exec_command", parameters: { type: "object" }, strict: false },
        },
        {
          type: "function",
          function: { name: "spawn_agent", parameters: { type: "object", properties: {} } },
        },
      ],
      tool_choice: { type: "function", function: { name: "exec_command" } },
      response_format: {
        type: "json_schema",
        json_schema: { name: "out", schema: { type: "object" }, strict: true },
      },
      user: "user-7",
    });
  });

  it("remembers which namespace each flattened function came from, and names a clash", () => {
    const namespaced = translateResponsesRequest(
      parse({
        input: "Hi",
        tools: [
          { type: "function", name: "exec_command" },
          { type: "namespace", name: "multi_agent_v1", tools: [{ type: "function", name: "spawn_agent" }] },
        ],
      }),
    );
    expect(namespaced.namespaces).toEqual(new Map([["spawn_agent", "multi_agent_v1"]]));
    expect(namespaced.untranslatable).toBeUndefined();
    const clash = translateResponsesRequest(
      parse({
        input: "Hi",
        tools: [
          { type: "function", name: "send" },
          { type: "namespace", name: "mail", tools: [{ type: "function", name: "send" }] },
        ],
      }),
    );
    expect(clash.untranslatable?.param).toBe("tools.1.tools.0.name");
  });

  it("a string input is one user message", () => {
    expect(translateResponsesRequest(parse({ input: "Hi" })).request.messages).toEqual([
      { role: "user", content: "Hi" },
    ]);
  });

  it.each([
    [{ previous_response_id: "resp_1" }, "previous_response_id"],
    [{ tools: [{ type: "file_search", vector_store_ids: ["vs_1"] }] }, "tools.0.type"],
    [{ parallel_tool_calls: false }, "parallel_tool_calls"],
    [{ background: true }, "background"],
    [{ input: [{ type: "item_reference", id: "msg_1" }] }, "input.0.type"],
    [
      { input: [{ role: "user", content: [{ type: "input_file", file_id: "file_1" }] }] },
      "input.0.content.0.type",
    ],
    [
      { input: [{ role: "user", content: [{ type: "input_image", file_id: "file_1" }] }] },
      "input.0.content.0.type",
    ],
    [{ tool_choice: { type: "web_search" } }, "tool_choice.type"],
  ])("names what it cannot carry: %j -> %s", (fields, param) => {
    const { untranslatable } = translateResponsesRequest(parse({ input: "Hi", ...fields }));
    expect(untranslatable?.param).toBe(param);
  });

  it("refuses malformed input at the schema, naming the field", () => {
    const result = responsesRequestSchema.safeParse({
      model: "code",
      input: [{ type: "function_call", name: "x" }],
    });
    expect(result.success).toBe(false);
    expect(responsesRequestSchema.safeParse({ model: "code" }).success).toBe(false);
  });
});
