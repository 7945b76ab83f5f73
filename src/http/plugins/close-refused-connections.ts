import type { FastifyInstance } from "fastify";

/**
 * Answers that refuse a caller (401, 403), and answers sent before their request finished arriving,
 * close the connection (`Connection: close`). Otherwise Node keeps the socket open to read and
 * discard the rest of the body, so an unauthenticated client trickling a half-sent body would
 * keep its socket until the body timeout.
 */
export function registerCloseRefusedConnections(app: FastifyInstance): void {
  app.addHook("onSend", (request, reply, payload, done) => {
    if (reply.statusCode === 401 || reply.statusCode === 403 || !request.raw.complete) {
      reply.header("connection", "close");
    }
    done(null, payload);
  });
}
