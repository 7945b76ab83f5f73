export interface DemoTrafficOptions {
  /** The gateway's base URL. */
  url: string;
  /** Pause between two requests (one at a time). */
  intervalMs: number;
  /** The client key to send, when the gateway has keys. */
  apiKey?: string;
}

export interface DemoTraffic {
  /** Requests answered with a 2xx, and the others. */
  readonly counts: { ok: number; failed: number };
  /** Stops after the request in flight, if any. */
  stop(): Promise<void>;
}

/** Who asks what: three projects, several agents each, every model group but vision. */
export const demoScenes = [
  { project: "web-shop", agent: "support-bot", group: "fast" },
  { project: "web-shop", agent: "product-writer", group: "reasoning" },
  { project: "data-pipeline", agent: "extractor", group: "code" },
  { project: "data-pipeline", agent: "indexer", group: "embedding" },
  { project: "research", agent: "analyst", group: "reasoning" },
  { project: "research", agent: "coder", group: "code" },
  { project: "web-shop", agent: "support-bot", group: "fast" },
] as const;

const sentence = "Summarize what the customer asked and suggest a short, friendly answer. ";

/**
 * A little background traffic through the OpenAI-compatible door, so the
 * dashboard's charts have something to show: the scenes above in turn, with
 * prompts of varying length (the fakes bill about four characters a token).
 */
export function startDemoTraffic(options: DemoTrafficOptions): DemoTraffic {
  const counts = { ok: 0, failed: 0 };
  let index = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const tick = () => {
    const scene = demoScenes[index % demoScenes.length] as (typeof demoScenes)[number];
    const prompt = sentence.repeat(1 + ((index * 7) % 23));
    index += 1;
    inFlight = send(options, scene, prompt)
      .then((ok) => {
        counts[ok ? "ok" : "failed"] += 1;
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, options.intervalMs);
      });
  };
  timer = setTimeout(tick, 0);

  return {
    counts,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
    },
  };
}

async function send(
  options: DemoTrafficOptions,
  scene: (typeof demoScenes)[number],
  prompt: string,
): Promise<boolean> {
  const embedding = scene.group === "embedding";
  const body = embedding
    ? { model: scene.group, input: [prompt] }
    : { model: scene.group, messages: [{ role: "user", content: prompt }], max_tokens: 256 };
  try {
    const response = await fetch(`${options.url}/v1/${embedding ? "embeddings" : "chat/completions"}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-project-id": scene.project,
        "x-agent-id": scene.agent,
        ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}
