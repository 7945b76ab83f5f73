import type { ServerContext } from "@modelcontextprotocol/server";

/**
 * The progress notifications of one tool call that carries a progressToken:
 * a status line (`describe()`) goes out whenever the call has said nothing
 * for `intervalMs`, so a client that lets progress reset its timeout keeps
 * waiting, and a person sees what the call waits for. `progress` rises with
 * every notification, as the spec requires: by one, or, for a call with a
 * `total` of steps, to each step done and halfway to the next on a tick.
 */
export class ProgressNotifier {
  private progress = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  private constructor(
    private readonly ctx: ServerContext,
    private readonly progressToken: string | number,
    private readonly intervalMs: number,
    private readonly describe: () => string,
    private readonly total: number | undefined,
  ) {}

  /** A notifier for the call, started; none when the client asked for no progress. */
  static start(
    ctx: ServerContext,
    intervalMs: number,
    describe: () => string,
    total?: number,
  ): ProgressNotifier | undefined {
    const progressToken = ctx.mcpReq._meta?.progressToken;
    if (progressToken === undefined) return undefined;
    const notifier = new ProgressNotifier(ctx, progressToken, intervalMs, describe, total);
    notifier.arm();
    return notifier;
  }

  /** Sends one notification now (the ticker restarts from it); `stepsDone` with a `total`. */
  notify(message: string, stepsDone?: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (stepsDone !== undefined) this.progress = stepsDone;
    else if (this.total !== undefined) this.progress = (this.progress + Math.floor(this.progress) + 1) / 2;
    else this.progress += 1;
    this.arm();
    const { total } = this;
    return (
      this.ctx.mcpReq
        .notify({
          method: "notifications/progress",
          params: {
            progressToken: this.progressToken,
            progress: this.progress,
            message,
            ...(total !== undefined ? { total } : {}),
          },
        })
        // Best effort: a notification that cannot be sent must not fail the call it reports on.
        .catch(() => undefined)
    );
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.notify(this.describe()), this.intervalMs);
    this.timer.unref();
  }
}
