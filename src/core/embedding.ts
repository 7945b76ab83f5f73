export interface EmbeddingRequest {
  input: string[];
  dimensions?: number;
  user?: string;
}

export interface EmbeddingResult {
  model: string;
  embeddings: number[][];
  usage: { prompt_tokens: number; total_tokens: number };
  /** Set when the provider reports no usage and the adapter estimated it (Gemini embeddings), so the record is booked `estimated`. */
  usageEstimated?: boolean;
}
