import type { IncomingMessage, Server } from "node:http";
import type { Socket } from "node:net";

export interface ConnectionPressure {
  /** Connections closed because they sent no request (yet, or since their last answer). */
  closedIdle: number;
  /** Connections closed while still sending their request. */
  closedReceiving: number;
  /** New connections closed at once because every open one was being answered. */
  refused: number;
}

/**
 * Bounds the open connections, so a flood of them (slowloris) cannot use up the process's file
 * descriptors, without letting the flood lock out new clients. At the bound a new connection takes
 * the place of the oldest connection doing nothing (no request yet, or between requests: nginx
 * reuses such connections the same way when out of worker_connections), else of the oldest one
 * still sending its request (it has cost nothing yet). Only when every open connection is being
 * answered is the newcomer closed. `onPressure` hears the counts, at most every `reportEveryMs`.
 */
export function guardConnections(
  server: Server,
  options: {
    maxConnections: number;
    onPressure: (pressure: ConnectionPressure) => void;
    reportEveryMs?: number;
  },
): void {
  const open = new Set<Socket>();
  /** Sockets without a request in progress, the longest idle first. */
  const idle = new Set<Socket>();
  /** Requests in progress per socket. */
  const inProgress = new Map<Socket, number>();
  /** Requests that may still be arriving, oldest first; completed ones are dropped when met. */
  const receiving = new Map<IncomingMessage, Socket>();
  const pressure = pressureReporter(options.onPressure, options.reportEveryMs ?? 10_000);

  const closeOne = (): boolean => {
    const oldestIdle = idle.values().next();
    if (!oldestIdle.done) {
      idle.delete(oldestIdle.value);
      oldestIdle.value.destroy();
      pressure.count("closedIdle");
      return true;
    }
    for (const [request, socket] of receiving) {
      receiving.delete(request);
      if (request.complete || socket.destroyed) continue;
      socket.destroy();
      pressure.count("closedReceiving");
      return true;
    }
    return false;
  };

  server.on("connection", (socket: Socket) => {
    if (open.size >= options.maxConnections && !closeOne()) {
      socket.destroy();
      pressure.count("refused");
      return;
    }
    open.add(socket);
    idle.add(socket);
    socket.once("close", () => {
      open.delete(socket);
      idle.delete(socket);
      inProgress.delete(socket);
    });
  });

  server.on("request", (request: IncomingMessage, response) => {
    const socket = request.socket;
    if (!open.has(socket)) return;
    idle.delete(socket);
    inProgress.set(socket, (inProgress.get(socket) ?? 0) + 1);
    if (!request.complete) receiving.set(request, socket);
    response.once("close", () => {
      receiving.delete(request);
      if (!open.has(socket)) return;
      const left = (inProgress.get(socket) ?? 1) - 1;
      if (left > 0) return void inProgress.set(socket, left);
      inProgress.delete(socket);
      if (!socket.destroyed) idle.add(socket);
    });
  });
}

function pressureReporter(report: (pressure: ConnectionPressure) => void, everyMs: number) {
  let counts: ConnectionPressure = { closedIdle: 0, closedReceiving: 0, refused: 0 };
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    if (counts.closedIdle + counts.closedReceiving + counts.refused === 0) return;
    report(counts);
    counts = { closedIdle: 0, closedReceiving: 0, refused: 0 };
    timer = setTimeout(flush, everyMs);
    timer.unref();
  };
  return {
    count(kind: keyof ConnectionPressure) {
      counts[kind] += 1;
      // The first event of a quiet period is reported at once, the rest summed per period.
      if (timer === undefined) flush();
    },
  };
}
