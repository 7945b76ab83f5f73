/**
 * Carries cancellations between replicas: a cancellation that reaches a
 * replica not holding the call is published, and the replica holding it
 * aborts it. Without one, cancellations reach this process's calls only.
 */
export interface CancellationBus {
  publish(key: string): Promise<void>;
  /** Starts delivering cancellations published by any replica (this one included) to `onCancel`. */
  subscribe(onCancel: (key: string) => void): void;
  close(): Promise<void>;
}
