import { z } from "zod";

/** POST /embeddings (docs.voyageai.com/reference/embeddings-api). */
export interface VoyageEmbeddingsRequest {
  input: string[];
  model: string;
  output_dimension?: number;
}

export const voyageEmbeddingsResponseSchema = z.object({
  data: z.array(z.object({ embedding: z.array(z.number()), index: z.number() })),
  model: z.string().nullish(),
  usage: z.object({ total_tokens: z.number() }),
});
