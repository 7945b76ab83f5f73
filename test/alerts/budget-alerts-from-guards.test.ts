import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createFakeWebhookReceiver,
  type FakeWebhookReceiver,
} from "../../src/fakes/fake-webhook-receiver.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { hello, pricedModelYaml } from "../security/security-fixtures.js";

const clientKey = "gw-budget-alerts-client-key-0123456789";

/**
 * The budget guards tell the alerts each budget's standing after a settle and a refusal: spending a
 * project's daily budget through /v1 posts the 80 % and the 100 % alerts, once each.
 */
describe("budget alerts from real spending", () => {
  let receiver: FakeWebhookReceiver;
  let harness: Harness;
  beforeAll(async () => {
    receiver = await createFakeWebhookReceiver();
    harness = await startHarness({
      providers: ["openai"],
      // $0.0015 a request: 80 % after 6 of them ($0.009 of $0.011), then a refusal before $0.011.
      configYaml: `${pricedModelYaml}\nbudgets:\n  projects:\n    proj-alerted: { daily_usd: 0.011 }\n`,
      env: {
        LLM_GATEWAY_API_KEYS: `${clientKey}=*`,
        LLM_GATEWAY_ALERT_WEBHOOK_URLS: `${receiver.url}/services/T0/B0/budget-alerts`,
      },
    });
    const { openai } = harness.fakes;
    for (let index = 0; index < 12; index++)
      openai.enqueueChat(openai.replies.text("ok", { inputTokens: 5, outputTokens: 10 }));
  });
  afterAll(async () => {
    await harness.close();
    await receiver.close();
  });

  it("posts 80 % once the settled spend passes it, and 100 % when the budget refuses", async () => {
    const statuses: number[] = [];
    for (let index = 0; index < 12 && !statuses.includes(429); index++) {
      const response = await fetch(`${harness.url}/v1/chat/completions`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${clientKey}`,
          "content-type": "application/json",
          "x-project-id": "proj-alerted",
        },
        body: JSON.stringify({ model: "priced-mini", max_tokens: 10, messages: hello }),
      });
      await response.text();
      statuses.push(response.status);
    }
    expect(statuses.at(-1)).toBe(429);
    const posts = await receiver.waitFor(2);
    expect(posts.map((post) => post.json?.text)).toEqual([
      ":warning: Budget 80 % reached: project proj-alerted, daily",
      ":rotating_light: Budget 100 % reached: project proj-alerted, daily",
    ]);
  });
});
