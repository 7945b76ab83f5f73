import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { modelToEncodingMap } from "gpt-tokenizer/mapping";
import type { ChatMessage } from "../core/chat.js";

export type EncodingName = "cl100k_base" | "o200k_base";

type Encode = (text: string) => number[];

/** OpenAI model ids; the ones tiktoken does not list as cl100k_base use o200k_base (gpt-4o, gpt-4.1, o-series, gpt-5). */
const openAiModelId = /^(gpt-|chatgpt-|o\d|text-embedding-|ft:gpt-)/;

/**
 * Byte-pair encoding is quadratic in the length of one pre-token: a 20 kB
 * run without whitespace (a base64 blob), or of whitespace alone, takes
 * seconds in every tiktoken implementation. Longer runs are counted in
 * slices of this many characters; the count is then off by a few tokens at
 * most, and reported as inexact.
 */
const longestExactRun = 256;

/**
 * Text is encoded in pieces of about this many characters, cut before a
 * space that separates two words: every tiktoken pre-token pattern starts a
 * new pre-token there, so the sum of the pieces is the exact count. Between
 * pieces the counter can give the event loop a turn.
 */
const pieceLength = 2_048;

/**
 * gpt-tokenizer keeps merges of recent pre-tokens in a Map it evicts from the
 * front; with its default of 100,000 entries, a text of random words (every
 * pre-token new) made each eviction crawl over deleted entries: 3 MB took
 * 28 s and stalled the event loop for 170 ms at a time, against 6.6 s and
 * 32 ms with 5,000 entries, which ordinary prose does not notice.
 */
const mergeCacheSize = 5_000;

/** The longest the counter holds the event loop before it lets other work run. */
const sliceOfEventLoopMs = 4;

export interface TokenCount {
  tokens: number;
  exact: boolean;
}

export interface MessageCountOptions extends CountLimits {
  /** Tokens counted per image: 85 (OpenAI's low detail) unless an upper bound is wanted. */
  imageTokens?: number;
}

export interface CountLimits {
  /**
   * Stop counting once this many tokens are counted: a budget hold never
   * needs more than the context window. The result is then at least this.
   */
  stopAt?: number;
  /**
   * Wall-clock budget for the count. Past it, the text not yet counted is
   * bounded by its UTF-8 length (no token is shorter than one byte), so the
   * result stays an upper bound, flagged inexact.
   */
  timeBudgetMs?: number;
}

/**
 * tiktoken encodings (gpt-tokenizer, pure JS), loaded on first use: the rank
 * tables are tens of megabytes and start-up should not pay for them.
 *
 * Counting never throws on what a caller wrote: special-token strings such as
 * `<|endoftext|>` are counted as the plain text they are (booking depends on
 * these counts), and long texts are counted in slices that let the event loop
 * serve other requests in between.
 */
export class TokenCounter {
  private readonly encoders = new Map<EncodingName, Promise<Encode>>();

  /** The tiktoken encoding OpenAI uses for a model id, or undefined when it is not an OpenAI model. */
  static openAiEncodingFor(modelId: string): EncodingName | undefined {
    const listed = (modelToEncodingMap as Record<string, string | undefined>)[modelId];
    if (listed === "cl100k_base" || listed === "o200k_base") return listed;
    return openAiModelId.test(modelId) ? "o200k_base" : undefined;
  }

  async countText(text: string, encoding: EncodingName, limits: CountLimits = {}): Promise<TokenCount> {
    const tally = new Tally(await this.encoder(encoding), limits);
    await tally.add(text);
    return tally.result();
  }

  /**
   * Counts a chat prompt as OpenAI bills it (openai-cookbook "How to count
   * tokens with tiktoken"): 3 tokens per message, 1 per name, 3 to prime the
   * reply. Images and tool calls are counted approximately; `exact` says so.
   */
  async countMessages(
    messages: ChatMessage[],
    encoding: EncodingName,
    options: MessageCountOptions = {},
  ): Promise<TokenCount> {
    const { imageTokens = 85, ...limits } = options;
    const tally = new Tally(await this.encoder(encoding), limits);
    tally.addTokens(3);
    for (const message of messages) {
      tally.addTokens(3);
      await tally.add(message.role);
      if (message.name) {
        tally.addTokens(1);
        await tally.add(message.name);
      }
      if (typeof message.content === "string") await tally.add(message.content);
      for (const part of Array.isArray(message.content) ? message.content : []) {
        if (part.type === "text") {
          await tally.add(part.text);
        } else {
          // A low-detail image costs 85 tokens; larger ones depend on pixels we do not fetch.
          tally.addTokens(imageTokens, { exact: false });
        }
      }
      for (const call of message.tool_calls ?? []) {
        await tally.add(call.function.name);
        await tally.add(call.function.arguments);
        tally.addTokens(0, { exact: false });
      }
      if (message.tool_call_id) await tally.add(message.tool_call_id);
    }
    return tally.result();
  }

  private encoder(name: EncodingName): Promise<Encode> {
    let encoder = this.encoders.get(name);
    if (!encoder) {
      encoder = (
        name === "cl100k_base"
          ? import("gpt-tokenizer/encoding/cl100k_base")
          : import("gpt-tokenizer/encoding/o200k_base")
      ).then((module) => {
        module.setMergeCacheSize(mergeCacheSize);
        // By default gpt-tokenizer throws on special-token text; to a caller it is just text.
        const asPlainText = { disallowedSpecial: new Set<string>() };
        return (text: string) => module.encode(text, asPlainText);
      });
      this.encoders.set(name, encoder);
    }
    return encoder;
  }
}

/** One count in progress: the running total and the limits it is held to. */
class Tally {
  private tokens = 0;
  private exact = true;
  private readonly deadline: number;
  private lastYield = performance.now();

  constructor(
    private readonly encode: Encode,
    private readonly limits: CountLimits,
  ) {
    this.deadline = limits.timeBudgetMs === undefined ? Infinity : performance.now() + limits.timeBudgetMs;
  }

  addTokens(tokens: number, { exact = true } = {}): void {
    this.tokens += tokens;
    this.exact &&= exact;
  }

  async add(text: string): Promise<void> {
    for (const piece of piecesOf(text)) {
      if (this.reachedStop()) return;
      if (performance.now() > this.deadline) {
        this.addTokens(Buffer.byteLength(piece.text, "utf8"), { exact: false });
        continue;
      }
      this.addTokens(this.encode(piece.text).length, piece);
      if (performance.now() - this.lastYield > sliceOfEventLoopMs) {
        await yieldToEventLoop();
        this.lastYield = performance.now();
      }
    }
  }

  result(): TokenCount {
    return { tokens: this.tokens, exact: this.exact && !this.reachedStop() };
  }

  private reachedStop(): boolean {
    return this.limits.stopAt !== undefined && this.tokens >= this.limits.stopAt;
  }
}

interface Piece {
  text: string;
  exact: boolean;
}

/**
 * The text in encodable pieces, found in one linear pass (a regular
 * expression for long runs backtracks up to 256 characters at every position:
 * seconds on a few megabytes): plain stretches cut between words, and long
 * runs in bounded slices. Lazily, so the counter can yield between pieces.
 */
function* piecesOf(text: string): Generator<Piece> {
  if (text.length <= longestExactRun) {
    yield { text, exact: true };
    return;
  }
  let pieceStart = 0;
  let lastWordBoundary = -1;
  let runStart = 0;
  let runIsSpace = isWhitespaceCode(text.charCodeAt(0));
  for (let index = 1; index <= text.length; index++) {
    const isSpace = index < text.length ? isWhitespaceCode(text.charCodeAt(index)) : !runIsSpace;
    if (isSpace !== runIsSpace) {
      if (index - runStart > longestExactRun) {
        // A long run ended: what came before it as one piece, then the run in slices.
        const from = Math.max(runStart, pieceStart);
        if (from > pieceStart) yield { text: text.slice(pieceStart, from), exact: true };
        for (let slice = from; slice < index; slice += longestExactRun) {
          yield { text: text.slice(slice, Math.min(index, slice + longestExactRun)), exact: false };
        }
        pieceStart = index;
        lastWordBoundary = -1;
      } else if (isSpace && text.charCodeAt(index) === 0x20 && isWordStart(text, index + 1)) {
        lastWordBoundary = index;
      }
      runStart = index;
      runIsSpace = isSpace;
    }
    if (index - pieceStart < pieceLength || index - runStart > longestExactRun) continue;
    if (lastWordBoundary > pieceStart) {
      yield { text: text.slice(pieceStart, lastWordBoundary), exact: true };
      pieceStart = lastWordBoundary;
      lastWordBoundary = -1;
    } else if (index - pieceStart >= 4 * pieceLength) {
      // No word boundary for a long stretch (lines of one character, say): this cut may split a pre-token.
      yield { text: text.slice(pieceStart, index), exact: false };
      pieceStart = index;
    }
  }
  if (pieceStart < text.length) yield { text: text.slice(pieceStart), exact: true };
}

/** A space before a non-space character starts a new pre-token in every tiktoken pattern. */
function isWordStart(text: string, index: number): boolean {
  return index < text.length && !isWhitespaceCode(text.charCodeAt(index));
}

/** JavaScript's `\s`, the class tiktoken's pre-token patterns use, by char code. */
function isWhitespaceCode(code: number): boolean {
  return (
    code === 0x20 ||
    (code >= 0x09 && code <= 0x0d) ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}
