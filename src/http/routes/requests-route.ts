import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { identifierSchema } from "../../core/chat-schema.js";
import { type RequestCursor, type RequestRecord, requestStatuses } from "../../core/request-record.js";
import type { Gateway } from "../../gateway/gateway.js";
import { parseBody } from "../openai/parse-body.js";

/** An instant as ISO-8601 or epoch milliseconds (what a dashboard and a shell each have at hand). */
const instantSchema = z.string().transform((value, context) => {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) {
    context.addIssue({
      code: "custom",
      message: `expected an ISO-8601 time or epoch milliseconds, got "${value}"`,
    });
    return z.NEVER;
  }
  return ms;
});

const cursorSchema = z.string().transform((value, context): RequestCursor => {
  try {
    const cursor = JSON.parse(Buffer.from(value, "base64url").toString("utf8")) as RequestCursor;
    if (typeof cursor.timeMs === "number" && typeof cursor.id === "string") return cursor;
  } catch {}
  context.addIssue({ code: "custom", message: "expected the next_cursor of a previous page" });
  return z.NEVER;
});

const listQuerySchema = z.strictObject({
  project_id: identifierSchema.optional(),
  agent_id: identifierSchema.optional(),
  model: z.string().min(1).max(256).optional(),
  status: z.enum(requestStatuses as [string, ...string[]]).optional(),
  from: instantSchema.optional(),
  to: instantSchema.optional(),
  limit: z
    .string()
    .regex(/^\d+$/, "expected a whole number from 1 to 200")
    .transform(Number)
    .pipe(z.number().min(1, "must be at least 1").max(200, "must be at most 200"))
    .default(50),
  cursor: cursorSchema.optional(),
});

/**
 * GET /v1/requests (newest first, filtered, paged) and GET /v1/requests/:id: the request
 * explorer. A key sees its projects' requests only, as for usage.
 */
export function registerRequestsRoute(app: FastifyInstance, gateway: Gateway): void {
  app.get("/v1/requests", async (request) => {
    const query = parseBody(listQuerySchema, request.query);
    const page = await gateway.listRequests(
      {
        projectId: query.project_id,
        agentId: query.agent_id,
        model: query.model,
        status: query.status as RequestRecord["status"] | undefined,
        fromMs: query.from,
        toMs: query.to,
        limit: query.limit,
        cursor: query.cursor,
      },
      request.principal,
    );
    return {
      data: page.records.map((record) => requestView(record, false)),
      next_cursor: page.nextCursor
        ? Buffer.from(JSON.stringify(page.nextCursor)).toString("base64url")
        : null,
    };
  });

  app.get<{ Params: { id: string } }>("/v1/requests/:id", async (request) =>
    requestView(await gateway.getRequest(request.params.id, request.principal), true),
  );
}

/** The public shape (snake_case); a list row leaves the bodies out, one request shows them when kept. */
function requestView(record: RequestRecord, withBodies: boolean) {
  return {
    id: record.id,
    time: new Date(record.timeMs).toISOString(),
    client_request_id: record.clientRequestId ?? null,
    door: record.door,
    kind: record.kind,
    project_id: record.projectId,
    agent_id: record.agentId,
    key_name: record.keyName ?? null,
    model_group: record.modelGroup,
    provider: record.provider ?? null,
    model: record.model ?? null,
    status: record.status,
    error_code: record.errorCode ?? null,
    stream: record.stream,
    cache_hit: record.cacheHit,
    input_tokens: record.inputTokens,
    output_tokens: record.outputTokens,
    cached_input_tokens: record.cachedInputTokens,
    cost_usd: record.costUsd,
    time_to_first_token_ms: record.timeToFirstTokenMs ?? null,
    latency_ms: record.latencyMs,
    attempts: record.attempts.map((attempt) => ({
      provider: attempt.provider,
      model: attempt.model,
      outcome: attempt.outcome,
      error: attempt.error ?? null,
      latency_ms: attempt.latencyMs,
    })),
    ...(withBodies
      ? { bodies: record.bodies ? { request: record.bodies.request, answer: record.bodies.answer } : null }
      : {}),
  };
}
