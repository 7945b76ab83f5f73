import type { Cluster, Redis } from "ioredis";
import type { Logger } from "pino";
import type { CancellationBus } from "../core/cancellation-bus.js";
import { redisSubscriberConnection } from "./redis-subscriber-connection.js";

/**
 * Cancellations over Redis pub/sub, so a client's cancellation reaches the
 * replica holding its call whichever replica the load balancer sent it to.
 * Fire and forget: a replica that misses the message lets the call finish
 * (it is booked in full, as without cancellation).
 */
export class RedisCancellationBus implements CancellationBus {
  private readonly subscriber: Redis | Cluster;
  private readonly channel: string;

  constructor(
    private readonly client: Redis | Cluster,
    keyPrefix: string,
    private readonly logger: Logger,
  ) {
    this.channel = `${keyPrefix}cancellations`;
    this.subscriber = redisSubscriberConnection(client);
    // Errors of this connection show as failed publishes on the main one too.
    this.subscriber.on("error", () => {});
  }

  async publish(key: string): Promise<void> {
    try {
      await this.client.publish(this.channel, key);
    } catch (error) {
      this.logger.warn({ err: error }, "a cancellation could not be published to the other replicas");
    }
  }

  subscribe(onCancel: (key: string) => void): void {
    this.subscriber.on("message", (channel: string, message: string) => {
      if (channel === this.channel) onCancel(message);
    });
    const subscribe = () => void this.subscriber.subscribe(this.channel).catch(() => undefined);
    this.subscriber.on("ready", subscribe);
    subscribe();
  }

  async close(): Promise<void> {
    try {
      await this.subscriber.quit();
    } catch {
      this.subscriber.disconnect();
    }
  }
}
