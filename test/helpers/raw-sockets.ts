import { connect, type Socket } from "node:net";

/** A raw client socket on 127.0.0.1 that records what it received and when it was closed. */
export interface RawSocket {
  socket: Socket;
  received(): string;
  /** Resolves with the milliseconds from opening to the server's close. */
  closed: Promise<number>;
  /** Writes `bytes`, one byte every `everyMs`, until the socket closes or they run out. */
  trickle(bytes: string, everyMs: number): void;
  isOpen(): boolean;
}

export async function openRawSocket(url: string, firstBytes = ""): Promise<RawSocket> {
  const { port } = new URL(url);
  const socket = connect(Number(port), "127.0.0.1");
  const openedAt = performance.now();
  let received = "";
  let open = true;
  let trickler: NodeJS.Timeout | undefined;
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    received += chunk;
  });
  // A reset from the server is a close too.
  socket.on("error", () => undefined);
  const closed = new Promise<number>((resolve) =>
    socket.once("close", () => {
      open = false;
      clearInterval(trickler);
      resolve(performance.now() - openedAt);
    }),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  if (firstBytes) socket.write(firstBytes);
  return {
    socket,
    received: () => received,
    closed,
    isOpen: () => open,
    trickle(bytes, everyMs) {
      let next = 0;
      trickler = setInterval(() => {
        if (next >= bytes.length || socket.destroyed) return clearInterval(trickler);
        socket.write(bytes[next++] as string);
      }, everyMs);
    },
  };
}

/** The head of a POST whose body of `contentLength` bytes is still to come. */
export function postHead(path: string, contentLength: number, headers: Record<string, string> = {}): string {
  const lines = Object.entries({
    host: "127.0.0.1",
    "content-type": "application/json",
    "content-length": String(contentLength),
    ...headers,
  }).map(([name, value]) => `${name}: ${value}`);
  return `POST ${path} HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n`;
}
