import type { Principal } from "../gateway/principal.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the authentication hook; undefined when the gateway runs without client keys. */
    principal?: Principal;
  }
}
