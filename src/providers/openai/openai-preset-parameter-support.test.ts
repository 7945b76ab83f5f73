import { describe, expect, it } from "vitest";
import { xaiParameterSupportFor } from "./openai-preset-parameter-support.js";

const handling = (modelId: string) => {
  const support = xaiParameterSupportFor(modelId);
  return {
    stop: support.stop.handling,
    frequency_penalty: support.frequency_penalty.handling,
    presence_penalty: support.presence_penalty.handling,
    reasoning_effort: support.reasoning_effort.handling,
  };
};

describe("xAI's parameters per model", () => {
  it("reasoning models refuse stop and the penalties", () => {
    for (const model of [
      "grok-4",
      "grok-4.3",
      "grok-3-mini",
      "grok-code-fast-1",
      "grok-4.20-0309-reasoning",
    ]) {
      expect(handling(model), model).toMatchObject({
        stop: "unsupported",
        frequency_penalty: "unsupported",
        presence_penalty: "unsupported",
      });
    }
  });

  it("non-reasoning models take them, but grok-3 refuses presence_penalty", () => {
    expect(handling("grok-4.20-non-reasoning")).toMatchObject({
      stop: "forwarded",
      presence_penalty: "forwarded",
    });
    expect(handling("grok-3")).toMatchObject({ stop: "forwarded", presence_penalty: "unsupported" });
  });

  it("grok-4 and grok-4.20 refuse reasoning_effort; grok-3-mini and grok-4.3 take it", () => {
    for (const model of ["grok-4", "grok-4-0709", "grok-4-fast-reasoning", "grok-4.20-0309-non-reasoning"]) {
      expect(handling(model).reasoning_effort, model).toBe("unsupported");
    }
    for (const model of ["grok-3-mini", "grok-4.3"])
      expect(handling(model).reasoning_effort, model).toBe("forwarded");
  });
});
