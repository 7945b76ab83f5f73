/** Cosine similarity of two vectors of the same length; 0 when either is all zeros or the lengths differ. */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0) return 0;
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let index = 0; index < a.length; index++) {
    const x = a[index] as number;
    const y = b[index] as number;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  if (normA === 0 || normB === 0) return 0;
  return dot / Math.sqrt(normA * normB);
}

/** An embedding as stored: float32 little-endian bytes (a quarter of JSON's size, precision to spare). */
export function embeddingToBuffer(embedding: number[]): Buffer {
  const floats = Float32Array.from(embedding);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength);
}

export function embeddingFromBuffer(buffer: Buffer): Float32Array {
  // Copied: a Buffer from a driver may sit at an offset not aligned for floats.
  const copy = new Uint8Array(buffer);
  return new Float32Array(copy.buffer, 0, Math.floor(copy.byteLength / 4));
}
