import type { Alert } from "./alert.js";
import { escapeMrkdwn } from "./alert.js";
import type { AlertGate } from "./alert-gate.js";

/** A client key as the expiry scan sees it: its id and name, never its secret. */
export interface ExpiringKey {
  keyId: string;
  name: string;
  /** ISO-8601, epoch ms or a Date; null or undefined: the key never expires. */
  expiresAt?: string | number | Date | null;
  /** Revoked keys are skipped. */
  revoked?: boolean;
}

/** Every key that may expire, read on each scan so keys created or changed at runtime count. */
export type ExpiringKeySource = () => Iterable<ExpiringKey> | Promise<Iterable<ExpiringKey>>;

/** After a key's expiry its claim is kept a day longer, for replicas' clocks apart. */
const expiryClaimMarginMs = 86_400_000;

/**
 * Announces each key once when its expiry comes within the warning window (default 7 days), on
 * whichever replica claims it first; a key given a new expiry is announced again for that one.
 */
export class KeyExpiryAlerts {
  #timer: NodeJS.Timeout | undefined;
  #scanning: Promise<void> | undefined;

  constructor(
    private readonly options: {
      source: ExpiringKeySource;
      warningMs: number;
      intervalMs: number;
      gate: AlertGate;
      send: (alert: Alert) => void;
      onError: (error: unknown) => void;
      now?: () => number;
    },
  ) {}

  /** Scans now, then every interval; the timer never keeps the process alive. */
  start(): void {
    if (this.#timer) return;
    void this.scan();
    this.#timer = setInterval(() => void this.scan(), this.options.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#scanning;
  }

  /** One pass over the source; a scan still running is joined, not doubled. Never rejects. */
  scan(): Promise<void> {
    this.#scanning ??= this.#scan()
      .catch((error: unknown) => this.options.onError(error))
      .finally(() => {
        this.#scanning = undefined;
      });
    return this.#scanning;
  }

  async #scan(): Promise<void> {
    const now = (this.options.now ?? Date.now)();
    for (const key of await this.options.source()) {
      if (key.revoked || key.expiresAt === null || key.expiresAt === undefined) continue;
      const expiresAtMs = new Date(key.expiresAt).getTime();
      if (Number.isNaN(expiresAtMs) || expiresAtMs <= now || expiresAtMs - now > this.options.warningMs)
        continue;
      const ttlMs = expiresAtMs - now + expiryClaimMarginMs;
      if (await this.options.gate.once(`key_expiring:${key.keyId}:${expiresAtMs}`, ttlMs)) {
        this.options.send(expiryAlert(key, expiresAtMs, now));
      }
    }
  }
}

function expiryAlert(key: ExpiringKey, expiresAtMs: number, now: number): Alert {
  const hours = (expiresAtMs - now) / 3_600_000;
  const within = hours >= 48 ? `${Math.floor(hours / 24)} days` : `${Math.max(1, Math.floor(hours))} hours`;
  const expiresAt = new Date(expiresAtMs).toISOString();
  return {
    kind: "key_expiring",
    severity: "warning",
    title: `Client key ${key.name} expires in ${within}`,
    details: `Key *${escapeMrkdwn(key.name)}* (\`${escapeMrkdwn(key.keyId)}\`) expires at ${expiresAt}; requests with it are refused from then on. Rotate it or extend its expiry.`,
    subject: { keyId: key.keyId, keyName: key.name },
    values: { expires_at: expiresAt, expires_in_hours: Math.round(hours * 10) / 10 },
    at: new Date(now).toISOString(),
  };
}
