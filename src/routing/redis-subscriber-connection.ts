import { Cluster, type Redis } from "ioredis";

/**
 * A connection of its own for SUBSCRIBE, whose owner subscribes again on
 * every "ready" (with its own error handling). ioredis's automatic
 * resubscription is off: it sends SUBSCRIBE after a reconnect without
 * handling its rejection, so a connection closed at that moment (a shutdown
 * right after Redis came back) raised an unhandled "Connection is closed".
 * A subscribe may queue until connected: it is the only command it sends.
 */
export function redisSubscriberConnection(client: Redis | Cluster): Redis | Cluster {
  return client instanceof Cluster
    ? client.duplicate([], { enableOfflineQueue: true })
    : client.duplicate({ enableOfflineQueue: true, autoResubscribe: false });
}
