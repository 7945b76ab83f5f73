import type { Principal } from "../gateway/principal.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the authentication hook; undefined when the gateway runs without client keys. */
    principal?: Principal;
    /** The client's own `x-request-id`, when it sent a safe one (logged beside the gateway's `id`). */
    clientRequestId?: string;
    /** The GW_ERR_* code a refusal or failure was answered with, for the request's log line. */
    errorCode?: string;
  }
}
