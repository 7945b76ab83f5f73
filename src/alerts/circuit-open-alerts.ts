import type { CircuitTransition } from "../routing/circuit-breaker.js";
import type { Alert } from "./alert.js";
import type { AlertGate } from "./alert-gate.js";

/**
 * A deployment's circuit opening: one alert per deployment per cooldown across replicas, so a
 * circuit reopening after each failed trial does not flood the channel. The transition's reason
 * is left out: it quotes the upstream error, which may echo a caller's prompt.
 */
export class CircuitOpenAlerts {
  constructor(
    private readonly options: {
      cooldownMs: number;
      /** How long the circuit stays open before a trial request (the circuit settings). */
      circuitCooldownMs: number;
      gate: AlertGate;
      send: (alert: Alert) => void;
      now?: () => number;
    },
  ) {}

  circuitChanged(transition: CircuitTransition): void {
    if (transition.to !== "open") return;
    const now = (this.options.now ?? Date.now)();
    void this.options.gate.once(`circuit_open:${transition.key}`, this.options.cooldownMs).then((won) => {
      if (won) this.options.send(circuitAlert(transition, this.options.circuitCooldownMs, now));
    });
  }
}

function circuitAlert(transition: CircuitTransition, circuitCooldownMs: number, now: number): Alert {
  // Deployment keys are `provider/model` (routing/deployments.ts); a model name may hold a slash.
  const slash = transition.key.indexOf("/");
  const provider = slash > 0 ? transition.key.slice(0, slash) : transition.key;
  const model = slash > 0 ? transition.key.slice(slash + 1) : "";
  const reopened = transition.from === "half_open";
  return {
    kind: "circuit_open",
    severity: "critical",
    title: `Circuit open: ${transition.key}`,
    details: reopened
      ? `The trial request to ${transition.key} failed, so its circuit opened again. Requests skip it for ${circuitCooldownMs / 1000} s, then one trial goes through.`
      : `${transition.key} failed repeatedly, so its circuit opened. Requests skip it and fail over for ${circuitCooldownMs / 1000} s, then one trial goes through.`,
    subject: { provider, ...(model ? { model } : {}) },
    values: {
      deployment: transition.key,
      from: transition.from,
      to: transition.to,
      reopened,
      open_seconds: circuitCooldownMs / 1000,
    },
    at: new Date(now).toISOString(),
  };
}
