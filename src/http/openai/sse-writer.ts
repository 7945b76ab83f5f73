import type { ServerResponse } from "node:http";

/**
 * Writes server-sent events to a response, waiting for `drain` when the
 * socket's buffer is full, so a slow reader slows the upstream read instead
 * of growing memory.
 */
export class SseWriter {
  constructor(private readonly response: ServerResponse) {}

  get started(): boolean {
    return this.response.headersSent;
  }

  start(headers: Record<string, string>): void {
    this.response.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
      ...headers,
    });
  }

  async data(payload: string): Promise<void> {
    await this.write(`data: ${payload}\n\n`);
  }

  /** A named event, as Anthropic's streams send them (`event: message_start`). */
  async event(name: string, payload: string): Promise<void> {
    await this.write(`event: ${name}\ndata: ${payload}\n\n`);
  }

  private async write(frame: string): Promise<void> {
    if (this.response.destroyed) return;
    if (!this.response.write(frame)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.response.off("drain", done);
          this.response.off("close", done);
          resolve();
        };
        this.response.on("drain", done);
        this.response.on("close", done);
      });
    }
  }

  end(): void {
    if (!this.response.destroyed) this.response.end();
  }
}
