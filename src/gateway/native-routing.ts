import { GatewayError } from "../core/gateway-error.js";
import type { NativeStreamOptions } from "../core/provider-adapter.js";
import type { Deployment } from "../routing/deployments.js";
import type { NativeChatInput } from "./chat-types.js";

/*
 * Which deployments of a chain take a door's request natively (the Messages
 * door to Anthropic), and which cannot take it at all: one decision, read by
 * the chat use case for routing, skipping and refusing.
 */

/** The native call for this deployment, when it speaks the door's protocol: it gets the request whole. */
export function nativeCallFor(deployment: Deployment, native: NativeChatInput | undefined) {
  const adapter = deployment.adapter;
  if (!native || adapter?.nativeProtocol !== native.request.protocol) return undefined;
  const { chatNative, streamNative } = adapter;
  if (!chatNative || !streamNative) return undefined;
  const request = native.request;
  return {
    chat: (options: Pick<NativeStreamOptions, "signal" | "traceHeaders">) =>
      chatNative.call(adapter, deployment.model, request, {
        ...options,
        onResponseHeaders: deployment.load.noteResponseHeaders,
      }),
    stream: (options: NativeStreamOptions) => streamNative.call(adapter, deployment.model, request, options),
  };
}

/**
 * A native request whose non-streamed answer a stream cannot give: a
 * background Response is answered at once, queued, for the caller to poll;
 * streamed, it would be the whole generation instead.
 */
export function answeredOnlyUnstreamed(native: NativeChatInput | undefined): boolean {
  return native?.request.protocol === "openai-responses" && native.request.body.background === true;
}

export function takesNatively(deployment: Deployment, native: NativeChatInput | undefined): boolean {
  return nativeCallFor(deployment, native) !== undefined;
}

/** With a field only the native protocol carries, the other deployments are skipped, the field named. */
export function unsupportedBy(
  native: NativeChatInput | undefined,
): ((deployment: Deployment) => string | undefined) | undefined {
  const untranslatable = native?.untranslatable;
  if (!untranslatable) return undefined;
  return (deployment) =>
    takesNatively(deployment, native)
      ? undefined
      : `${deployment.provider.name} cannot carry ${untranslatable.param}: ${untranslatable.message}`;
}

/** When no deployment of the chain can carry the request, a 400 naming the field, before anything is spent. */
export function refuseWhenNoneCanCarry(native: NativeChatInput | undefined, targets: Deployment[]): void {
  const untranslatable = native?.untranslatable;
  if (!untranslatable || targets.some((deployment) => takesNatively(deployment, native))) return;
  throw new GatewayError(
    "GW_ERR_INVALID_REQUEST",
    `Invalid request: ${untranslatable.param}: ${untranslatable.message}, and no deployment for this model speaks the request's protocol natively.`,
    { param: untranslatable.param },
  );
}
