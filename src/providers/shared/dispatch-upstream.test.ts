import { once } from "node:events";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatchUpstream } from "./dispatch-upstream.js";

const events = Array.from({ length: 5 }, (_, index) => `data: event ${index}\n\n`);

describe("dispatchUpstream", () => {
  let server: Server;
  let url: string;
  let answer: (response: ServerResponse) => void;
  const dispatcher = new Agent();
  beforeAll(async () => {
    server = createServer((incoming, response) => {
      incoming.resume();
      answer(response);
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat?x=1`;
  });
  afterAll(async () => {
    await dispatcher.close();
    server.close();
  });
  const call = (signal = new AbortController().signal) =>
    dispatchUpstream({
      url,
      headers: { "content-type": "application/json" },
      body: "{}",
      dispatcher,
      signal,
    });

  /** Writes five events, then closes its side of the socket mid-body (no chunked terminator). */
  const cutAfterEvents = (response: ServerResponse) => {
    response.writeHead(200, { "content-type": "text/event-stream" });
    response.flushHeaders();
    for (const event of events) response.write(event);
    setTimeout(() => response.socket?.end(), 5);
  };

  it("answers with the status and headers, then the body", async () => {
    answer = (response) => response.writeHead(201, { "x-ratelimit-remaining-requests": "7" }).end("whole");
    const response = await call();
    expect(response.statusCode).toBe(201);
    expect(response.headers["x-ratelimit-remaining-requests"]).toBe("7");
    let text = "";
    for await (const chunk of response.body) text += Buffer.from(chunk).toString();
    expect(text).toBe("whole");
  });

  it("gives a reader behind the socket every chunk of a cut body, then the error", async () => {
    answer = cutAfterEvents;
    const response = await call();
    await sleep(50); // the cut has happened
    let text = "";
    const read = (async () => {
      for await (const chunk of response.body) text += Buffer.from(chunk).toString();
    })();
    await expect(read).rejects.toMatchObject({ code: "UND_ERR_SOCKET" });
    expect(text).toBe(events.join(""));
  });

  it("is what request()'s body is not: its iterator loses a cut body's chunks", async () => {
    answer = cutAfterEvents;
    const response = await request(url, { method: "POST", body: "{}", dispatcher });
    await sleep(50);
    let text = "";
    await expect(
      (async () => {
        for await (const chunk of response.body) text += chunk;
      })(),
    ).rejects.toMatchObject({ code: "UND_ERR_SOCKET" });
    // If undici ever keeps the chunks, request() would do.
    expect(text).toBe("");
  });

  it("pauses the socket past its high-water mark and resumes it as the reader catches up", async () => {
    const size = 64 * 1024 * 1024;
    const piece = Buffer.alloc(64 * 1024, 7);
    let handedOver = 0;
    answer = (response) => {
      response.writeHead(200, { "content-type": "application/octet-stream" });
      const writeOn = () => {
        while (handedOver < size) {
          handedOver += piece.byteLength;
          if (!response.write(piece)) return void response.once("drain", writeOn);
        }
        response.end();
      };
      writeOn();
    };
    const response = await dispatchUpstream(
      { url, headers: {}, body: "{}", dispatcher, signal: new AbortController().signal },
      16 * 1024,
    );
    await sleep(300);
    // The reader is idle: past the socket buffers, the provider could not hand its body over.
    expect(handedOver).toBeLessThan(size / 2);
    let bytes = 0;
    for await (const chunk of response.body) bytes += chunk.byteLength;
    expect(bytes).toBe(size);
  });

  it("frees the socket when the reader stops early", async () => {
    let closedEarly: Promise<unknown> = Promise.resolve();
    answer = (response) => {
      response.writeHead(200);
      response.write("first");
      closedEarly = once(response, "close");
    };
    const response = await call();
    for await (const _chunk of response.body) break;
    await closedEarly;
  });

  it("rejects with the signal's reason when aborted before the answer, and fails the body after it", async () => {
    answer = () => undefined; // never answers
    const beforeAnswer = new AbortController();
    const pending = call(beforeAnswer.signal);
    setTimeout(() => beforeAnswer.abort(new Error("deadline")), 20);
    await expect(pending).rejects.toThrow("deadline");

    answer = (response) => {
      response.writeHead(200);
      response.write("partial");
    };
    const duringBody = new AbortController();
    const response = await call(duringBody.signal);
    const read = (async () => {
      for await (const _chunk of response.body) duringBody.abort(new Error("idle"));
    })();
    await expect(read).rejects.toThrow("idle");
  });

  it("refuses an already aborted signal without a call", async () => {
    let called = false;
    answer = (response) => {
      called = true;
      response.end();
    };
    const aborted = new AbortController();
    aborted.abort(new Error("gone"));
    await expect(call(aborted.signal)).rejects.toThrow("gone");
    await sleep(20);
    expect(called).toBe(false);
  });
});
