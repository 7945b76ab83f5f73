import type { IncomingMessage, Server } from "node:http";
import type { Socket } from "node:net";

export interface ConnectionPressure {
  /** Connections closed because they sent no request (yet, or since their last answer) for a while. */
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
 * still sending its request (it has cost nothing yet). A connection idle for less than
 * `idleGraceMs` is spared: it was just accepted and its request is on its way, and without the
 * grace a flood of newcomers would close each other and every real client with them. Only when no
 * connection can be spared is the newcomer closed. `onPressure` hears the counts, at most every
 * `reportEveryMs`.
 */
export function guardConnections(
  server: Server,
  options: {
    maxConnections: number;
    onPressure: (pressure: ConnectionPressure) => void;
    idleGraceMs?: number;
    reportEveryMs?: number;
  },
): void {
  const open = new Set<Socket>();
  /** Sockets without a request in progress, the longest idle first, with the time they became idle. */
  const idle = new Map<Socket, number>();
  const idleGraceMs = options.idleGraceMs ?? 250;
  /** Requests in progress per socket. */
  const inProgress = new Map<Socket, number>();
  /** Requests that may still be arriving, oldest first; completed ones are dropped when met. */
  const receiving = new Map<IncomingMessage, Socket>();
  const pressure = pressureReporter(options.onPressure, options.reportEveryMs ?? 10_000);

  // Forgotten at once, not on its "close" event: a burst of newcomers in one tick must not close one each.
  const close = (socket: Socket, kind: keyof ConnectionPressure) => {
    open.delete(socket);
    idle.delete(socket);
    socket.destroy();
    pressure.count(kind);
  };

  const closeOne = (): boolean => {
    const oldestIdle = idle.entries().next();
    if (!oldestIdle.done && performance.now() - oldestIdle.value[1] >= idleGraceMs) {
      close(oldestIdle.value[0], "closedIdle");
      return true;
    }
    for (const [request, socket] of receiving) {
      receiving.delete(request);
      if (request.complete || socket.destroyed) continue;
      close(socket, "closedReceiving");
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
    idle.set(socket, performance.now());
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
      if (!socket.destroyed) idle.set(socket, performance.now());
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
