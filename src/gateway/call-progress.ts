import type { Deployment } from "../routing/deployments.js";

/**
 * How one call is going, in words a person waiting can read: which model it
 * waits for, which failed and why, how much the answering one has written.
 * complete-chat updates it; a door reads `describe()` when it reports
 * progress, and hears of every change of model at once (`onChange`).
 */
export class CallProgress {
  private current: { label: string; since: number; answering: boolean } | undefined;
  private lastFailure: string | undefined;
  private characters = 0;

  constructor(
    private readonly onChange: (description: string) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** A deployment was sent the request. */
  calling(deployment: Deployment): void {
    this.current = { label: labelOf(deployment), since: this.now(), answering: false };
    this.onChange(this.describe());
  }

  /** The call to `deployment` failed before it answered. */
  failed(deployment: Deployment, reason: string): void {
    this.lastFailure = `${labelOf(deployment)} failed (${reason})`;
    this.current = undefined;
  }

  /** `deployment` is answering: from now on only its output counts. */
  answering(deployment: Deployment): void {
    this.current = { label: labelOf(deployment), since: this.now(), answering: true };
    this.lastFailure = undefined;
  }

  /** Output received from the answering deployment. */
  received(text: string): void {
    this.characters += text.length;
  }

  describe(): string {
    const { current } = this;
    if (!current) return this.lastFailure ? `${this.lastFailure}; trying the next model` : "starting";
    const seconds = Math.round((this.now() - current.since) / 1000);
    if (current.answering) {
      // Tokens are only counted when the provider reports usage at the end; four characters make one, roughly.
      const tokens = Math.round(this.characters / 4);
      return `${current.label} is answering (${seconds} s): about ${tokens.toLocaleString("en-US")} tokens so far`;
    }
    const waiting = `waiting for ${current.label} (${seconds} s)`;
    return this.lastFailure ? `${this.lastFailure}; ${waiting}` : waiting;
  }
}

function labelOf(deployment: Deployment): string {
  return `${deployment.model.name} (${deployment.provider.name})`;
}
