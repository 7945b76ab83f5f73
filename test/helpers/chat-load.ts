import { Agent, request } from "undici";
import { defaultCatalog } from "../../src/config/default-catalog.js";
import { computeCostNanoUsd } from "../../src/usage/compute-cost.js";

interface AnsweredTotals {
  answered: number;
  inputTokens: number;
  outputTokens: number;
  costNanoUsd: number;
}

export interface LoadTotals extends AnsweredTotals {
  failed: number;
  /** Answered requests' totals per project. */
  byProject: Record<string, AnsweredTotals>;
  /** How many answers had each HTTP status (0: no answer, the connection failed). */
  statuses: Record<number, number>;
}

const catalog = defaultCatalog();
const dispatcher = new Agent({ connections: 64, keepAliveTimeout: 10_000 });

const emptyTotals = (): AnsweredTotals => ({ answered: 0, inputTokens: 0, outputTokens: 0, costNanoUsd: 0 });

/**
 * Sends `total` chat requests round-robin over `urls`, `concurrency` at a
 * time, and sums what the answered ones report (tokens, and their cost at the
 * catalog price of the model that answered), which is exactly what the
 * gateways must have booked. `onProgress` sees the count of finished requests.
 */
export async function runChatLoad(options: {
  urls: string[];
  total: number;
  concurrency: number;
  /** One project, or a function of the request's index (to spread load over projects). */
  projectId: string | ((index: number) => string);
  /** A group or a catalog model. */
  model: string;
  maxTokens?: number;
  onProgress?: (finished: number) => void | Promise<void>;
}): Promise<LoadTotals> {
  const totals: LoadTotals = { ...emptyTotals(), failed: 0, byProject: {}, statuses: {} };
  let next = 0;
  let finished = 0;
  const send = async (index: number): Promise<number> => {
    const url = options.urls[index % options.urls.length] as string;
    const projectId = typeof options.projectId === "string" ? options.projectId : options.projectId(index);
    const response = await request(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-project-id": projectId,
        "x-agent-id": `agent-${index % 7}`,
      },
      // Vary the prompt so token counts differ between requests.
      body: JSON.stringify({
        model: options.model,
        messages: [{ role: "user", content: `request ${index} `.repeat(1 + (index % 5)) }],
        ...(options.maxTokens ? { max_tokens: options.maxTokens } : {}),
      }),
      dispatcher,
    });
    if (response.statusCode !== 200) {
      await response.body.dump();
      return response.statusCode;
    }
    const body = (await response.body.json()) as {
      model: string;
      usage: { prompt_tokens: number; completion_tokens: number };
    };
    const pricing = catalog[body.model]?.pricing;
    if (!pricing) throw new Error(`answered by unknown model ${body.model}`);
    const tokens = { inputTokens: body.usage.prompt_tokens, outputTokens: body.usage.completion_tokens };
    const cost = computeCostNanoUsd({ ...tokens, cachedInputTokens: 0, cacheWriteInputTokens: 0 }, pricing);
    totals.byProject[projectId] ??= emptyTotals();
    for (const sum of [totals, totals.byProject[projectId]]) {
      sum.answered += 1;
      sum.inputTokens += tokens.inputTokens;
      sum.outputTokens += tokens.outputTokens;
      sum.costNanoUsd += cost;
    }
    return 200;
  };
  const worker = async () => {
    while (next < options.total) {
      const status = await send(next++).catch(() => 0);
      if (status !== 200) totals.failed += 1;
      totals.statuses[status] = (totals.statuses[status] ?? 0) + 1;
      finished += 1;
      await options.onProgress?.(finished);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return totals;
}
