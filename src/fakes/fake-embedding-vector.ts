/**
 * A deterministic unit vector for a text: the same text always embeds to the
 * same vector and different texts to different ones, so fake embeddings behave
 * in similarity searches (demo mode) without a model.
 */
export function fakeEmbeddingVector(text: string, dimensions: number): number[] {
  // FNV-1a seeds mulberry32: cheap, stable across runs and platforms.
  let seed = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    seed = Math.imul(seed ^ text.charCodeAt(index), 0x01000193);
  }
  const values: number[] = [];
  for (let index = 0; index < dimensions; index++) {
    seed = (seed + 0x6d2b79f5) | 0;
    let mixed = Math.imul(seed ^ (seed >>> 15), seed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    values.push(((mixed ^ (mixed >>> 14)) >>> 0) / 2 ** 31 - 1);
  }
  const norm = Math.hypot(...values) || 1;
  return values.map((value) => Math.round((value / norm) * 1e8) / 1e8);
}
