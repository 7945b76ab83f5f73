/** One model as Anthropic's GET /v1/models lists it. */
export interface AnthropicModel {
  type: "model";
  id: string;
  display_name: string;
  created_at: string;
}

/**
 * Groups and catalog models in Anthropic's paginated list shape; the whole
 * list is one page. `display_name` says who serves the id (a group, or a
 * provider), as Anthropic's field is for people to read.
 */
export function convertModelsResponse(
  ids: Array<{ id: string; ownedBy: string }>,
  createdAt: Date,
): { data: AnthropicModel[]; has_more: false; first_id: string | null; last_id: string | null } {
  const data = ids.map(({ id, ownedBy }) => ({
    type: "model" as const,
    id,
    display_name: ownedBy === "llm-gateway" ? `${id} (model group)` : `${id} (${ownedBy})`,
    created_at: createdAt.toISOString(),
  }));
  return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}
