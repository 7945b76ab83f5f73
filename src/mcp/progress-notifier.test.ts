import type { ServerContext } from "@modelcontextprotocol/server";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ProgressNotifier } from "./progress-notifier.js";

interface Sent {
  progress: number;
  total?: number;
  message: string;
}

function contextWith(progressToken: string | undefined, sent: Sent[]): ServerContext {
  return {
    mcpReq: {
      _meta: progressToken === undefined ? undefined : { progressToken },
      notify: async (notification: { params: Sent }) => {
        sent.push(notification.params);
      },
    },
  } as unknown as ServerContext;
}

describe("ProgressNotifier", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("is not started for a call without a progressToken", () => {
    expect(ProgressNotifier.start(contextWith(undefined, []), 1_000, () => "status")).toBeUndefined();
  });

  it("sends the status line after each silent interval, counting up, and nothing once stopped", async () => {
    const sent: Sent[] = [];
    let seconds = 0;
    const notifier = ProgressNotifier.start(contextWith("t", sent), 1_000, () => `waited ${++seconds} s`);
    await vi.advanceTimersByTimeAsync(2_500);
    expect(sent).toEqual([
      { progressToken: "t", progress: 1, message: "waited 1 s" },
      { progressToken: "t", progress: 2, message: "waited 2 s" },
    ]);
    // A notification of the call's own restarts the interval: the next tick is 1 s after it.
    await notifier?.notify("a delta");
    await vi.advanceTimersByTimeAsync(900);
    expect(sent).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(100);
    expect(sent.map((update) => update.progress)).toEqual([1, 2, 3, 4]);
    notifier?.stop();
    await notifier?.notify("after the end");
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sent).toHaveLength(4);
  });

  it("with a total, steps done are the progress and ticks go halfway to the next step, so it always rises", async () => {
    const sent: Sent[] = [];
    const notifier = ProgressNotifier.start(contextWith("t", sent), 1_000, () => "waiting", 3);
    await vi.advanceTimersByTimeAsync(2_000);
    await notifier?.notify("1/3 answered", 1);
    await vi.advanceTimersByTimeAsync(1_000);
    await notifier?.notify("2/3 answered", 2);
    await notifier?.notify("3/3 answered", 3);
    notifier?.stop();
    expect(sent.map((update) => [update.progress, update.total])).toEqual([
      [0.5, 3],
      [0.75, 3],
      [1, 3],
      [1.5, 3],
      [2, 3],
      [3, 3],
    ]);
  });
});
