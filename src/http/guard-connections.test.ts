import { createServer, type Server } from "node:http";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type ConnectionPressure, guardConnections } from "./guard-connections.js";

const servers: Server[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A plain HTTP server answering 200 after `answerAfterMs`, guarded at 3 connections. */
async function guardedServer(idleGraceMs: number, answerAfterMs = 0) {
  const pressure: ConnectionPressure[] = [];
  const server = createServer((_request, response) => {
    setTimeout(() => response.end("ok"), answerAfterMs);
  });
  guardConnections(server, {
    maxConnections: 3,
    idleGraceMs,
    reportEveryMs: 1,
    onPressure: (counts) => pressure.push(counts),
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return { server, port, pressure };
}

async function openSocket(port: number, firstBytes = ""): Promise<Socket & { closedSoon: Promise<boolean> }> {
  const socket = connect(port, "127.0.0.1");
  socket.on("error", () => undefined);
  socket.resume();
  sockets.push(socket);
  await new Promise((resolve) => socket.once("connect", resolve));
  if (firstBytes) socket.write(firstBytes);
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  return Object.assign(socket, {
    closedSoon: Promise.race([
      closed.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 500)),
    ]),
  });
}

async function connectionCount(server: Server, expected: number): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    const count = await new Promise<number>((resolve) =>
      server.getConnections((_error, value) => resolve(value)),
    );
    if (count === expected) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`the server never held ${expected} connections`);
}

const get = "GET / HTTP/1.1\r\nhost: x\r\n\r\n";

describe("guardConnections", () => {
  it("spares connections idle for less than the grace: the newcomer is refused instead", async () => {
    const { server, port, pressure } = await guardedServer(60_000);
    const idle = [await openSocket(port), await openSocket(port), await openSocket(port)];
    await connectionCount(server, 3);
    const newcomer = await openSocket(port, get);
    expect(await newcomer.closedSoon).toBe(true);
    for (const socket of idle) expect(await socket.closedSoon).toBe(false);
    expect(pressure).toEqual([{ closedIdle: 0, closedReceiving: 0, refused: 1 }]);
  });

  it("closes the oldest idle connection past the grace to admit a newcomer", async () => {
    const { server, port, pressure } = await guardedServer(0);
    const idle = [await openSocket(port), await openSocket(port), await openSocket(port)];
    await connectionCount(server, 3);
    const newcomer = await openSocket(port, get);
    expect(await idle[0]?.closedSoon).toBe(true);
    expect(await newcomer.closedSoon).toBe(false);
    expect(await idle[1]?.closedSoon).toBe(false);
    expect(pressure[0]).toEqual({ closedIdle: 1, closedReceiving: 0, refused: 0 });
  });

  it("never closes a connection whose request arrived and is being answered", async () => {
    const { server, port, pressure } = await guardedServer(0, 2_000);
    const busy = [await openSocket(port, get), await openSocket(port, get), await openSocket(port, get)];
    await connectionCount(server, 3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const newcomer = await openSocket(port, get);
    expect(await newcomer.closedSoon).toBe(true);
    for (const socket of busy) expect(await socket.closedSoon).toBe(false);
    expect(pressure[0]).toEqual({ closedIdle: 0, closedReceiving: 0, refused: 1 });
  });
});
