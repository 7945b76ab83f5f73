import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { takeBodyAsItArrives } from "./take-body-as-it-arrives.js";

const events = Array.from({ length: 5 }, (_, index) => `data: event ${index}\n\n`);

/** Writes five events, then closes its side of the socket mid-body (no chunked terminator). */
function cuttingServer(): Server {
  return createServer((incoming, response) => {
    incoming.resume();
    response.writeHead(200, { "content-type": "text/event-stream" });
    response.flushHeaders();
    for (const event of events) response.write(event);
    setTimeout(() => response.socket?.end(), 5);
  });
}

describe("takeBodyAsItArrives", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = cuttingServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("gives a reader behind the socket every chunk of a cut body, then the error", async () => {
    const response = await request(url, { method: "POST", body: "{}" });
    const body = takeBodyAsItArrives(response.body);
    await sleep(50); // the cut has happened: undici has destroyed the body by now
    let text = "";
    const read = (async () => {
      for await (const chunk of body) text += Buffer.from(chunk).toString();
    })();
    await expect(read).rejects.toMatchObject({ code: "UND_ERR_SOCKET" });
    expect(text).toBe(events.join(""));
  });

  it("is what the stream's own iterator is not: that one loses the chunks", async () => {
    const response = await request(url, { method: "POST", body: "{}" });
    await sleep(50);
    let text = "";
    await expect(
      (async () => {
        for await (const chunk of response.body) text += chunk;
      })(),
    ).rejects.toMatchObject({ code: "UND_ERR_SOCKET" });
    // If undici or Node ever keep the chunks, this wrapper can go.
    expect(text).toBe("");
  });

  it("pauses the body past its high-water mark and resumes it as the reader catches up", async () => {
    const bigServer = createServer((incoming, response) => {
      incoming.resume();
      response.writeHead(200, { "content-type": "application/octet-stream" });
      response.end(Buffer.alloc(256 * 1024, 7));
    });
    await new Promise<void>((resolve) => bigServer.listen(0, "127.0.0.1", resolve));
    try {
      const port = (bigServer.address() as AddressInfo).port;
      const response = await request(`http://127.0.0.1:${port}/`, { method: "POST", body: "{}" });
      const body = takeBodyAsItArrives(response.body, 16 * 1024);
      await sleep(50);
      expect(response.body.isPaused()).toBe(true);
      let bytes = 0;
      for await (const chunk of body) bytes += chunk.byteLength;
      expect(bytes).toBe(256 * 1024);
    } finally {
      await new Promise<void>((resolve) => bigServer.close(() => resolve()));
    }
  });

  it("destroys the body when the reader stops early, freeing the socket", async () => {
    const response = await request(url, { method: "POST", body: "{}" });
    for await (const _chunk of takeBodyAsItArrives(response.body)) break;
    expect(response.body.destroyed).toBe(true);
  });
});
