interface RecentAnswer {
  text: string;
  expiresMs: number;
}

/**
 * The cached answers a process read or wrote last, as their JSON text, bounded by their size
 * (the least recently used go first): a repeat is answered from memory instead of a read of the
 * cache's file (issue 21: the read was a tenth of a hit's CPU). A text is shared by nobody; each
 * hit parses its own copy.
 */
export class RecentAnswers {
  readonly #maxBytes: number;
  /** In order of use, oldest first: a use moves an entry to the end. */
  readonly #entries = new Map<string, RecentAnswer>();
  #bytes = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** The text kept under `key`, unless it expired by `nowMs`. */
  get(key: string, nowMs: number): string | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.expiresMs <= nowMs) {
      this.#bytes -= entry.text.length;
      return undefined;
    }
    this.#entries.set(key, entry);
    return entry.text;
  }

  remember(key: string, text: string, expiresMs: number): void {
    this.forget(key);
    // An answer bigger than the whole room would only push everything else out.
    if (text.length > this.#maxBytes) return;
    this.#entries.set(key, { text, expiresMs });
    this.#bytes += text.length;
    for (const [oldestKey] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.forget(oldestKey);
    }
  }

  forget(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#bytes -= entry.text.length;
  }

  /** Bytes held (a UTF-16 unit counted as one): the bound's measure. */
  get bytes(): number {
    return this.#bytes;
  }
}
