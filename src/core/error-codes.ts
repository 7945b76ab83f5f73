/**
 * Every error the gateway reports, with the HTTP status the /v1 door gives it
 * and the OpenAI error `type` it renders as. One catalog, as fastify's
 * lib/errors.js: a code is a stable contract, the message may improve.
 */
export const errorCodes = {
  GW_ERR_INVALID_REQUEST: { status: 400, type: "invalid_request_error" },
  /** A parameter no deployment of the chain can honour. */
  GW_ERR_UNSUPPORTED_PARAMETER: { status: 400, type: "invalid_request_error" },
  GW_ERR_UNKNOWN_MODEL_GROUP: { status: 404, type: "invalid_request_error" },
  GW_ERR_UNKNOWN_MODEL: { status: 404, type: "invalid_request_error" },
  /** A conversation id that is unknown, expired, or another project's (indistinguishable on purpose). */
  GW_ERR_UNKNOWN_CONVERSATION: { status: 404, type: "invalid_request_error" },
  /** A background job id that is unknown, expired, or another project's (indistinguishable on purpose). */
  GW_ERR_UNKNOWN_JOB: { status: 404, type: "invalid_request_error" },
  /** A request id the explorer does not keep: unknown, past retention, or another project's (indistinguishable on purpose). */
  GW_ERR_UNKNOWN_REQUEST: { status: 404, type: "invalid_request_error" },
  GW_ERR_UNAUTHORIZED: { status: 401, type: "authentication_error" },
  GW_ERR_FORBIDDEN_PROJECT: { status: 403, type: "permission_error" },
  GW_ERR_FORBIDDEN_AGENT: { status: 403, type: "permission_error" },
  GW_ERR_FORBIDDEN_HOST: { status: 403, type: "permission_error" },
  /** The client key may not call this model group or model (the key's `models` list). */
  GW_ERR_FORBIDDEN_MODEL: { status: 403, type: "permission_error" },
  /** An `/admin` route asked with a key that is not an admin key (projects `*`). */
  GW_ERR_ADMIN_ONLY: { status: 403, type: "permission_error" },
  /** An admin request names a managed client key id that does not exist. */
  GW_ERR_UNKNOWN_KEY: { status: 404, type: "invalid_request_error" },
  /** A key from the environment or the config file: the admin API may list it, not change it. */
  GW_ERR_CONFIG_KEY: { status: 409, type: "invalid_request_error" },
  GW_ERR_BUDGET_EXCEEDED: { status: 429, type: "insufficient_quota" },
  GW_ERR_RATE_LIMITED: { status: 429, type: "rate_limit_error" },
  /** Every provider of the chain answered 429: the gateway's own limits were not the cause. */
  GW_ERR_UPSTREAM_RATE_LIMITED: { status: 429, type: "rate_limit_error" },
  GW_ERR_NO_PROVIDER_CONFIGURED: { status: 503, type: "service_unavailable" },
  GW_ERR_ALL_PROVIDERS_FAILED: { status: 502, type: "upstream_error" },
  GW_ERR_UPSTREAM_REJECTED_REQUEST: { status: 400, type: "invalid_request_error" },
  GW_ERR_STREAM_INTERRUPTED: { status: 502, type: "upstream_error" },
  GW_ERR_DEADLINE_EXCEEDED: { status: 504, type: "timeout_error" },
  GW_ERR_NOT_IMPLEMENTED: { status: 501, type: "not_implemented" },
  GW_ERR_STORE_UNAVAILABLE: { status: 503, type: "service_unavailable" },
  /** The replica running a background job went away (crashed, or shut down) before it finished. */
  GW_ERR_JOB_LOST: { status: 503, type: "service_unavailable" },
  GW_ERR_INTERNAL: { status: 500, type: "server_error" },
} as const;

export type ErrorCode = keyof typeof errorCodes;
