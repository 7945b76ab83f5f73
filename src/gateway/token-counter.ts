import { modelToEncodingMap } from "gpt-tokenizer/mapping";
import type { ChatMessage } from "../core/chat.js";

export type EncodingName = "cl100k_base" | "o200k_base";

type Encode = (text: string) => number[];

/** OpenAI model ids; the ones tiktoken does not list as cl100k_base use o200k_base (gpt-4o, gpt-4.1, o-series, gpt-5). */
const openAiModelId = /^(gpt-|chatgpt-|o\d|text-embedding-|ft:gpt-)/;

/**
 * Byte-pair encoding is quadratic in the length of one pre-token: a 20 kB
 * run without whitespace (a base64 blob) takes seconds in every tiktoken
 * implementation. Longer runs are counted in slices of this many characters;
 * the count is then off by a few tokens at most, and reported as inexact.
 */
const longestExactRun = 256;
const longRun = new RegExp(`\\S{${longestExactRun + 1},}`, "g");

export interface TokenCount {
  tokens: number;
  exact: boolean;
}

/**
 * tiktoken encodings (gpt-tokenizer, pure JS), loaded on first use: the rank
 * tables are tens of megabytes and start-up should not pay for them.
 */
export class TokenCounter {
  private readonly encoders = new Map<EncodingName, Promise<Encode>>();

  /** The tiktoken encoding OpenAI uses for a model id, or undefined when it is not an OpenAI model. */
  static openAiEncodingFor(modelId: string): EncodingName | undefined {
    const listed = (modelToEncodingMap as Record<string, string | undefined>)[modelId];
    if (listed === "cl100k_base" || listed === "o200k_base") return listed;
    return openAiModelId.test(modelId) ? "o200k_base" : undefined;
  }

  async countText(text: string, encoding: EncodingName): Promise<TokenCount> {
    const encode = await this.encoder(encoding);
    return countWithBoundedRuns(text, encode);
  }

  /**
   * Counts a chat prompt as OpenAI bills it (openai-cookbook "How to count
   * tokens with tiktoken"): 3 tokens per message, 1 per name, 3 to prime the
   * reply. Images and tool calls are counted approximately; `exact` says so.
   */
  async countMessages(messages: ChatMessage[], encoding: EncodingName): Promise<TokenCount> {
    const encode = await this.encoder(encoding);
    let tokens = 3;
    let exact = true;
    const add = (text: string) => {
      const counted = countWithBoundedRuns(text, encode);
      tokens += counted.tokens;
      exact &&= counted.exact;
    };
    for (const message of messages) {
      tokens += 3;
      add(message.role);
      if (message.name) {
        tokens += 1;
        add(message.name);
      }
      if (typeof message.content === "string") add(message.content);
      for (const part of Array.isArray(message.content) ? message.content : []) {
        if (part.type === "text") {
          add(part.text);
        } else {
          // A low-detail image costs 85 tokens; larger ones depend on pixels we do not fetch.
          tokens += 85;
          exact = false;
        }
      }
      for (const call of message.tool_calls ?? []) {
        add(call.function.name);
        add(call.function.arguments);
        exact = false;
      }
      if (message.tool_call_id) add(message.tool_call_id);
    }
    return { tokens, exact };
  }

  private encoder(name: EncodingName): Promise<Encode> {
    let encoder = this.encoders.get(name);
    if (!encoder) {
      encoder = (
        name === "cl100k_base"
          ? import("gpt-tokenizer/encoding/cl100k_base")
          : import("gpt-tokenizer/encoding/o200k_base")
      ).then((module) => module.encode);
      this.encoders.set(name, encoder);
    }
    return encoder;
  }
}

function countWithBoundedRuns(text: string, encode: Encode): TokenCount {
  let tokens = 0;
  let exact = true;
  let start = 0;
  for (const match of text.matchAll(longRun)) {
    exact = false;
    tokens += encode(text.slice(start, match.index)).length;
    for (let slice = 0; slice < match[0].length; slice += longestExactRun) {
      tokens += encode(match[0].slice(slice, slice + longestExactRun)).length;
    }
    start = match.index + match[0].length;
  }
  tokens += encode(text.slice(start)).length;
  return { tokens, exact };
}
