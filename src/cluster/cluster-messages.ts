import type { ErrorCode } from "../core/error-codes.js";
import { GatewayError } from "../core/gateway-error.js";

/**
 * What a cluster's primary and its workers tell each other over the IPC channel. Every message
 * carries `lg` (for llm-gateway), so Node's and other libraries' messages on the same channel
 * are left alone. Payloads are JSON: small, and without functions.
 */
export type ClusterMessage =
  /** Worker -> primary: a question; the primary answers with a `reply` of the same id. */
  | { lg: "call"; id: number; method: string; payload: unknown }
  /** Worker -> primary: a report that needs no answer. */
  | { lg: "cast"; method: string; payload: unknown }
  /** Primary -> worker: the answer to a `call`. */
  | { lg: "reply"; id: number; value?: unknown; error?: SerializedError }
  /** Primary -> worker: news every worker (or one) should know, such as a circuit that opened. */
  | { lg: "push"; topic: string; payload: unknown }
  /** Primary -> worker: asks for this worker's share of a cluster-wide view (metrics, traffic). */
  | { lg: "collect"; id: number; topic: string }
  /** Worker -> primary: its share, for the `collect` of the same id. */
  | { lg: "collected"; id: number; value?: unknown; error?: string };

export interface SerializedError {
  message: string;
  code?: string;
  param?: string;
  details?: Record<string, unknown>;
  retryAfterSeconds?: number;
}

export function isClusterMessage(message: unknown): message is ClusterMessage {
  return (
    typeof message === "object" && message !== null && typeof (message as { lg?: unknown }).lg === "string"
  );
}

/** A thrown error as it crosses the channel: a GatewayError keeps its code, details and retry-after. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof GatewayError) {
    return {
      message: error.message,
      code: error.code,
      ...(error.param !== undefined ? { param: error.param } : {}),
      ...(error.details !== undefined ? { details: error.details } : {}),
      ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
    };
  }
  return { message: error instanceof Error ? error.message : String(error) };
}

/** The error a worker rethrows: a GatewayError again when it was one, so callers see the same refusal. */
export function deserializeError(error: SerializedError): Error {
  if (error.code === undefined) return new Error(error.message);
  return new GatewayError(error.code as ErrorCode, error.message, {
    ...(error.param !== undefined ? { param: error.param } : {}),
    ...(error.details !== undefined ? { details: error.details } : {}),
    ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
  });
}
