import type { ServerResponse } from "node:http";

/** A JSON-RPC error as the SDK itself would answer it: a JSON body with the HTTP status given. */
export function answerRpcError(
  response: ServerResponse,
  status: number,
  id: string | number | null,
  code: number,
  message: string,
): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify({ jsonrpc: "2.0", id, error: { code, message } }));
}
