import type { IncomingMessage } from "node:http";

export type ReadBody =
  | { kind: "parsed"; value: unknown }
  | { kind: "not_json"; reason: string }
  | { kind: "too_large" };

/** Reads a request body up to `limitBytes` and parses it as JSON. */
export async function readJsonBody(request: IncomingMessage, limitBytes: number): Promise<ReadBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) return { kind: "too_large" };
    chunks.push(chunk as Buffer);
  }
  try {
    return { kind: "parsed", value: JSON.parse(Buffer.concat(chunks).toString("utf8")) };
  } catch (error) {
    return { kind: "not_json", reason: error instanceof Error ? error.message : String(error) };
  }
}
