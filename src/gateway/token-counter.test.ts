import { encode as encodeCl100k } from "gpt-tokenizer/encoding/cl100k_base";
import { encode } from "gpt-tokenizer/encoding/o200k_base";
import { describe, expect, it } from "vitest";
import { TokenCounter } from "./token-counter.js";

const plain = { disallowedSpecial: new Set<string>() };

/** Prose with punctuation, newlines, numbers and double spaces: every pre-token pattern appears. */
function prose(words: number): string {
  const vocabulary = [
    "The",
    "gateway's",
    "answer,",
    "42",
    "tokens.\n\n",
    "don't",
    "  spaced",
    "(x)",
    "über",
    "naïve:",
    "\tTab",
    "end.",
  ];
  return Array.from(
    { length: words },
    (_, index) => vocabulary[(index * 7 + (index >> 3)) % vocabulary.length],
  ).join(" ");
}

describe("TokenCounter", () => {
  const counter = new TokenCounter();

  it("counts special-token strings as the plain text they are", async () => {
    const text = "Mention <|endoftext|> and <|fim_prefix|> in a prompt";
    const counted = await counter.countText(text, "o200k_base");
    expect(counted).toEqual({ tokens: encode(text, plain).length, exact: true });
    expect(counted.tokens).toBeGreaterThan(10);
    const messages = await counter.countMessages([{ role: "user", content: "<|endoftext|>" }], "cl100k_base");
    expect(messages.tokens).toBeGreaterThan(7);
  });

  it("counts a long text in pieces to exactly the whole text's count", async () => {
    const text = prose(40_000);
    expect(text.length).toBeGreaterThan(200_000);
    expect(await counter.countText(text, "o200k_base")).toEqual({
      tokens: encode(text, plain).length,
      exact: true,
    });
  });

  it("is exact whenever it says so, on text mixing every kind of character", async () => {
    const alphabet = [
      "a",
      "b",
      "Z",
      " ",
      " ",
      "  ",
      "\n",
      "\r\n",
      "\t",
      ".",
      "'s",
      "1",
      "234",
      "😀",
      "漢",
      "é",
      "/",
      "\u00a0",
      "\n\n",
    ];
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let sample = 0; sample < 20; sample++) {
      const parts: string[] = [];
      for (let index = 0; index < 6_000; index++)
        parts.push(alphabet[Math.floor(random() * alphabet.length)] ?? "");
      const text = parts.join("");
      const counted = await counter.countText(text, sample % 2 ? "cl100k_base" : "o200k_base");
      const whole = (sample % 2 ? encodeCl100k : encode)(text, plain).length;
      if (counted.exact) expect(counted.tokens).toBe(whole);
      else expect(Math.abs(counted.tokens - whole)).toBeLessThan(whole / 50);
    }
  });

  it("lets the event loop run while it counts a long text", async () => {
    const text = prose(200_000);
    let timerRanDuringCount = false;
    let countDone = false;
    const timer = setTimeout(() => {
      timerRanDuringCount = !countDone;
    }, 1);
    await new Promise((resolve) => setImmediate(resolve));
    const counted = counter.countText(text, "o200k_base").then((result) => {
      countDone = true;
      return result;
    });
    await counted;
    clearTimeout(timer);
    expect(timerRanDuringCount).toBe(true);
  });

  it("stops at `stopAt` with at least that many tokens, flagged inexact", async () => {
    const counted = await counter.countText(prose(40_000), "o200k_base", { stopAt: 1_000 });
    expect(counted.exact).toBe(false);
    expect(counted.tokens).toBeGreaterThanOrEqual(1_000);
    expect(counted.tokens).toBeLessThan(3_000);
  });

  it("past its time budget bounds the rest by its UTF-8 length, an upper bound", async () => {
    const text = prose(10_000);
    const counted = await counter.countText(text, "o200k_base", { timeBudgetMs: 0 });
    expect(counted).toEqual({ tokens: Buffer.byteLength(text, "utf8"), exact: false });
    expect(counted.tokens).toBeGreaterThan(encode(text, plain).length);
  });

  it("counts long runs without whitespace, or of whitespace alone, in bounded slices", async () => {
    const blob = "A".repeat(50_000);
    const spaces = " ".repeat(50_000);
    for (const text of [blob, spaces, `${blob} tail`]) {
      const counted = await counter.countText(text, "o200k_base");
      expect(counted.exact).toBe(false);
      expect(counted.tokens).toBeGreaterThan(0);
      expect(counted.tokens).toBeLessThanOrEqual(text.length);
    }
  });
});
