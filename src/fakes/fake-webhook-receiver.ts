import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** What the receiver answers to one POST; past the script's end it answers 200 "ok", as Slack does. */
export type WebhookReply =
  | { status: number; headers?: Record<string, string>; body?: string }
  /** Never answer (a hung receiver). */
  | { hang: true };

export interface ReceivedWebhook {
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  /** The body parsed as JSON (undefined when it is not). */
  json: Record<string, unknown> | undefined;
  /** performance.now() when the body had arrived. */
  receivedAt: number;
}

export interface FakeWebhookReceiver {
  /** `http://127.0.0.1:<port>/hooks/<path>`-style base: append any path. */
  url: string;
  /** Every POST received, in order, whatever it was answered. */
  received: ReceivedWebhook[];
  /** Answers the next POSTs in order. */
  enqueue(...replies: WebhookReply[]): void;
  /** Resolves once `count` POSTs have arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

/** A Slack-like incoming-webhook receiver on 127.0.0.1 that records every body it is sent. */
export async function createFakeWebhookReceiver(): Promise<FakeWebhookReceiver> {
  const replies: WebhookReply[] = [];
  const received: ReceivedWebhook[] = [];
  const waiters: Array<() => void> = [];
  const sockets = new Set<Socket>();
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({
        path: request.url ?? "/",
        headers: request.headers,
        body,
        json: parseJson(body),
        receivedAt: performance.now(),
      });
      for (const waiter of waiters.splice(0)) waiter();
      const reply = replies.shift() ?? { status: 200, body: "ok" };
      if ("hang" in reply) return;
      response.writeHead(reply.status, { "content-type": "text/plain", ...reply.headers });
      response.end(reply.body ?? (reply.status < 300 ? "ok" : "error"));
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    enqueue: (...more) => replies.push(...more),
    async waitFor(count, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${count} webhook POSTs, got ${received.length}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return received.slice(0, count);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function parseJson(body: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(body) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
