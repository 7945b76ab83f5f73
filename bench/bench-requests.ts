// The requests the bench's rulers send (npm run bench, bench/count-instructions.ts).
export const clientKey = "bench-client-key-0123456789abcdef";
export const messages = [{ role: "user", content: "Say hello to the benchmark." }];
export const chatBody = JSON.stringify({ model: "gpt-4.1", messages });
// temperature 0: deterministic, so the gateway's response cache answers every repeat.
export const cachedChatBody = JSON.stringify({ model: "gpt-4.1", messages, temperature: 0 });
export const streamBody = JSON.stringify({
  model: "gpt-4.1",
  messages,
  stream: true,
  stream_options: { include_usage: true },
});
export const mcpBody = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "tools/call",
  params: {
    name: "chat_completion",
    arguments: { project_id: "bench", agent_id: "bench-agent", model: "gpt-4.1", messages },
  },
});
export const jsonHeaders = { "content-type": "application/json", authorization: `Bearer ${clientKey}` };
export const mcpHeaders = {
  ...jsonHeaders,
  accept: "application/json, text/event-stream",
  "mcp-protocol-version": "2025-06-18",
};
