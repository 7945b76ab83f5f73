import type { Door } from "../core/usage-record.js";
import type { Principal } from "./principal.js";

/** Who is calling, as both doors establish it. */
export interface Caller {
  projectId: string;
  agentId: string;
  door: Door;
  /** Unique per request: the usage record's id and the log correlation id. */
  requestId: string;
  /** The client key's holder; undefined without client keys. */
  principal?: Principal;
}
