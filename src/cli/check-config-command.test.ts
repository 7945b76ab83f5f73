import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load-config.js";
import { checkConfigCommand } from "./check-config-command.js";

describe("check-config", () => {
  it("masks alert webhooks' paths, which are their secrets", () => {
    const output = checkConfigCommand(
      loadConfig({
        LLM_GATEWAY_ALERT_WEBHOOK_URLS:
          "https://hooks.slack.com/services/T0/B0/slack-token-abc,http://127.0.0.1:9/x",
      }),
    );
    const config = JSON.parse(output.slice(output.indexOf("{")));
    expect(config.alerts.webhookUrls).toEqual([
      "https://hooks.slack.com/(masked)",
      "http://127.0.0.1:9/(masked)",
    ]);
    expect(output).not.toContain("slack-token-abc");
  });
});
