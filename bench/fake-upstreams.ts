import { createFakeAnthropic } from "../src/fakes/anthropic/fake-anthropic.js";
import { createFakeOpenAi } from "../src/fakes/openai/fake-openai.js";

/*
 * The bench's upstreams, in their own process so their CPU is not the
 * gateway's: the fake OpenAI answers every chat call; the fake Anthropic
 * fails every call fast with a 500 (the failing primary of the failover rows).
 * Reports its base URLs over IPC, and answers "stats" with the primary's calls.
 */
const openAi = await createFakeOpenAi();
const anthropic = await createFakeAnthropic();
let primaryCalls = 0;
anthropic.server.intercept(() => {
  primaryCalls++;
  return anthropic.replies.error(500, "bench: the primary is down");
});
// The fakes record every call for tests; a bench sends hundreds of thousands.
setInterval(() => {
  openAi.server.reset();
  anthropic.server.reset();
}, 500).unref();

process.on("message", (message) => {
  if (message === "stats") process.send?.({ primaryCalls });
});
process.on("disconnect", () => process.exit(0));
process.send?.({ openAiBaseUrl: openAi.baseUrl, anthropicBaseUrl: anthropic.baseUrl });
