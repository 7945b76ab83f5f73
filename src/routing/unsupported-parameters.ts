import type { ChatRequest } from "../core/chat.js";
import { GatewayError } from "../core/gateway-error.js";
import { type ChatParameterName, unsupportedParameters } from "../core/parameter-support.js";
import type { Deployment } from "./deployments.js";

/** The parameters `request` sets that this deployment's provider cannot honour (from its capability table). */
export function unsupportedParametersOf(deployment: Deployment, request: ChatRequest): ChatParameterName[] {
  const adapter = deployment.adapter;
  const support = adapter?.parameterSupportFor?.(deployment.model) ?? adapter?.parameterSupport;
  return support ? unsupportedParameters(request, support) : [];
}

/** The reason a skipped deployment shows in `attempts`, or undefined when it can serve the request. */
export function unsupportedReason(deployment: Deployment, request: ChatRequest): string | undefined {
  const names = unsupportedParametersOf(deployment, request);
  if (names.length === 0) return undefined;
  return `${deployment.provider.name} cannot honour ${names.map((name) => `\`${name}\``).join(", ")}`;
}

/**
 * Refuses, before any budget hold or provider call, a request that no
 * deployment of its chain can honour, naming the parameter and who lacks it.
 */
export function assertSomeTargetHonours(targets: Deployment[], request: ChatRequest): void {
  const gaps = targets.map((deployment) => unsupportedParametersOf(deployment, request));
  if (targets.length === 0 || gaps.some((names) => names.length === 0)) return;
  const first = gaps[0]?.[0] as ChatParameterName;
  const who = targets.map((deployment, index) => `${deployment.key} (${gaps[index]?.join(", ")})`).join("; ");
  throw new GatewayError(
    "GW_ERR_UNSUPPORTED_PARAMETER",
    `No model of this request's chain can honour \`${first}\`: ${who}. Leave the parameter out, or pick a model or group whose provider supports it (see the README's parameter table).`,
    { param: first },
  );
}
