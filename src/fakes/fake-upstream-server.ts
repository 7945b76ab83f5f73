import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One server-sent event as the fake writes it (`event:` line optional). */
export interface FakeSseEvent {
  event?: string;
  data: string;
}

/**
 * What the fake answers to one call. Sequences of these script a test:
 * "call 1 -> 529, call 2 -> stream" (vercel/ai test-server).
 */
export type FakeResponse =
  | FakeJsonResponse
  | { type: "raw"; status?: number; headers?: Record<string, string>; body: string; delayMs?: number }
  | {
      type: "sse";
      status?: number;
      headers?: Record<string, string>;
      events: FakeSseEvent[];
      /** Delay before headers (slow first byte). */
      delayMs?: number;
      /** Delay between events. */
      chunkDelayMs?: number;
      /** Destroy the socket after this many events (a cut stream, no terminal event). */
      cutAfter?: number;
    }
  | {
      /** A binary stream (AWS event stream frames): each frame written whole, in order. */
      type: "frames";
      status?: number;
      headers: Record<string, string>;
      frames: Uint8Array[];
      delayMs?: number;
      chunkDelayMs?: number;
      /** End the body after this many frames (a cut stream, no terminal frame). */
      cutAfter?: number;
    }
  | { type: "controlled"; status?: number; headers?: Record<string, string>; stream: ControlledStream }
  /** Destroy the socket before answering (connection reset). */
  | { type: "reset"; delayMs?: number }
  /** Never answer (first-byte timeout). */
  | { type: "hang" };

/** A JSON answer: a provider's non-streamed reply, an error envelope, or any body. */
export interface FakeJsonResponse {
  type: "json";
  status?: number;
  headers?: Record<string, string>;
  body: unknown;
  delayMs?: number;
}

/** A stream the test drives event by event (mid-stream failures, timing). */
export class ControlledStream {
  private response: ServerResponse | undefined;
  private readonly waiters: Array<() => void> = [];

  attach(response: ServerResponse): void {
    this.response = response;
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Resolves once the gateway's request reached the fake and headers went out. */
  opened(): Promise<void> {
    if (this.response) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  send(event: FakeSseEvent): void {
    this.response?.write(formatSseEvent(event));
  }

  end(): void {
    this.response?.end();
  }

  /** Destroy the socket mid-stream. */
  cut(): void {
    this.response?.socket?.destroy();
  }

  /** Bytes written but not yet taken by the client: grows when the client stops reading (backpressure). */
  get bufferedBytes(): number {
    return this.response?.writableLength ?? 0;
  }

  /** Resolves when the client closed the connection. */
  closed(): Promise<void> {
    return this.opened().then(
      () =>
        new Promise((resolve) => {
          if (this.response?.destroyed) resolve();
          else this.response?.once("close", () => resolve());
        }),
    );
  }

  get closedByClient(): boolean {
    return this.response?.destroyed === true && !this.response.writableEnded;
  }
}

export interface RecordedCall {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  bodyText: string;
  body: unknown;
  receivedAt: number;
  /** Set when the client closed the connection before the fake finished answering. */
  clientClosedEarly: boolean;
}

export type Responder = (call: RecordedCall) => FakeResponse;

/** A rule rather than a script: answers a call when it returns a response, else lets it through. */
export type Interceptor = (call: RecordedCall) => FakeResponse | undefined;

export interface FakeRoute {
  method?: string;
  /** Exact path, or a RegExp tested against the path. */
  path: string | RegExp;
  /** Answers when no scripted response is queued. */
  respond: Responder;
  /**
   * The provider's own validation, ahead of any scripted response: a request
   * the real API refuses is refused whatever the test queued (and the queue is left as it was).
   */
  refuse?: Interceptor;
  /**
   * The stream equivalent of a successful non-streamed answer, for a call that
   * asks to stream (undefined: answered as it is). A test scripts one answer
   * and it reaches the client in the form the client asked for, as the gateway
   * streams from providers even for callers who want one answer.
   */
  streamed?: (call: RecordedCall, answer: FakeJsonResponse) => FakeResponse | undefined;
}

/**
 * A real HTTP server on 127.0.0.1 standing in for a provider. Routes are
 * matched by path; each has a queue of scripted responses consumed in order,
 * then its default responder. Every call is recorded.
 */
export class FakeUpstreamServer {
  readonly calls: RecordedCall[] = [];
  private interceptor: Interceptor | undefined;
  private readonly server: Server;
  private readonly queues = new Map<FakeRoute, FakeResponse[]>();
  private readonly sockets = new Set<import("node:net").Socket>();

  constructor(private readonly routes: FakeRoute[]) {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch(() => response.destroy());
    });
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  async listen(port = 0): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(port, "127.0.0.1", resolve));
    return this;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Queue responses for the route whose path matches `path` (first match). */
  enqueue(path: string, ...responses: FakeResponse[]): void {
    const route = this.routeFor("POST", path) ?? this.routeFor("GET", path);
    if (!route) throw new Error(`no fake route matches ${path}`);
    const queue = this.queues.get(route) ?? [];
    queue.push(...responses);
    this.queues.set(route, queue);
  }

  /**
   * Consulted first on every call, before the routes and their queues
   * (undefined removes it): demo mode's "every 4th call answers 529", or an
   * outage for a while, which no finite queue can script while other traffic
   * shares the fake.
   */
  intercept(interceptor: Interceptor | undefined): void {
    this.interceptor = interceptor;
  }

  callsTo(path: string | RegExp): RecordedCall[] {
    return this.calls.filter((call) =>
      typeof path === "string" ? call.path === path : path.test(call.path),
    );
  }

  reset(): void {
    this.calls.length = 0;
    this.queues.clear();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private routeFor(method: string, path: string): FakeRoute | undefined {
    return this.routes.find(
      (route) =>
        (route.method ?? "POST") === method &&
        (typeof route.path === "string" ? route.path === path : route.path.test(path)),
    );
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = new URL(request.url ?? "/", "http://fake");
    const bodyText = Buffer.concat(chunks).toString("utf8");
    const call: RecordedCall = {
      method: request.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      headers: request.headers,
      bodyText,
      body: safeJsonParse(bodyText),
      receivedAt: Date.now(),
      clientClosedEarly: false,
    };
    this.calls.push(call);
    response.on("close", () => {
      if (!response.writableFinished) call.clientClosedEarly = true;
    });

    const intercepted = this.interceptor?.(call);
    if (intercepted) {
      await this.answer(intercepted, response);
      return;
    }
    const route = this.routeFor(call.method, call.path);
    if (!route) {
      sendJson(response, 404, { error: { message: `fake has no route for ${call.method} ${call.path}` } });
      return;
    }
    const refusal = route.refuse?.(call);
    if (refusal) {
      await this.answer(refusal, response);
      return;
    }
    const answer = this.queues.get(route)?.shift() ?? route.respond(call);
    await this.answer(asAsked(route, call, answer), response);
  }

  private async answer(fake: FakeResponse, response: ServerResponse): Promise<void> {
    switch (fake.type) {
      case "hang":
        return;
      case "reset":
        await sleep(fake.delayMs ?? 0);
        response.socket?.destroy();
        return;
      case "json":
        await sleep(fake.delayMs ?? 0);
        sendJson(response, fake.status ?? 200, fake.body, fake.headers);
        return;
      case "raw":
        await sleep(fake.delayMs ?? 0);
        response.writeHead(fake.status ?? 200, { "content-type": "text/plain", ...fake.headers });
        response.end(fake.body);
        return;
      case "controlled":
        response.writeHead(fake.status ?? 200, { ...sseHeaders, ...fake.headers });
        response.flushHeaders();
        fake.stream.attach(response);
        return;
      case "frames":
        await sleep(fake.delayMs ?? 0);
        response.writeHead(fake.status ?? 200, fake.headers);
        response.flushHeaders();
        for (const [index, frame] of fake.frames.entries()) {
          if (fake.cutAfter !== undefined && index >= fake.cutAfter) {
            // As for "sse": uncorked first so the frames written go out before the socket ends.
            await sleep(fake.chunkDelayMs ?? 0);
            while (response.writableCorked > 0) response.uncork();
            response.socket?.end();
            return;
          }
          if (response.destroyed) return;
          if (index > 0) await sleep(fake.chunkDelayMs ?? 0);
          response.write(frame);
        }
        response.end();
        return;
      case "sse":
        await sleep(fake.delayMs ?? 0);
        response.writeHead(fake.status ?? 200, { ...sseHeaders, ...fake.headers });
        response.flushHeaders();
        for (const [index, event] of fake.events.entries()) {
          if (fake.cutAfter !== undefined && index >= fake.cutAfter) {
            // end() flushes what was written, then closes: the stream stops mid-body, no event lost.
            // A write stays corked until the next tick, and Node 24 holds corked chunks in the
            // response, not its socket (Node 20 held them in the socket, which end() flushes):
            // uncorked first, or the cut would drop the last events unsent.
            await sleep(fake.chunkDelayMs ?? 0);
            while (response.writableCorked > 0) response.uncork();
            response.socket?.end();
            return;
          }
          if (response.destroyed) return;
          if (index > 0) await sleep(fake.chunkDelayMs ?? 0);
          response.write(formatSseEvent(event));
        }
        response.end();
        return;
    }
  }
}

function asAsked(route: FakeRoute, call: RecordedCall, answer: FakeResponse): FakeResponse {
  if (answer.type !== "json" || (answer.status ?? 200) >= 300 || !route.streamed) return answer;
  return route.streamed(call, answer) ?? answer;
}

const sseHeaders = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache",
  connection: "keep-alive",
};

export function formatSseEvent(event: FakeSseEvent): string {
  const eventLine = event.event ? `event: ${event.event}\n` : "";
  return `${eventLine}data: ${event.data}\n\n`;
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

function safeJsonParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
