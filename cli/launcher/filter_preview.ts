/** The model filters' live preview: which of a provider's listed models a pattern list keeps. Pure. */
import { defaultProviderRotation, isModelAllowed } from "../../lib/config/rotation.ts";
import { splitList } from "../validation.ts";

/** Which models the filters keep and drop. */
export interface FilterPreview {
  kept: string[];
  dropped: string[];
}

/** Apply `ignore` and `whitelist` pattern lists (the whitelist wins) to `models`. */
export function previewFilters(
  models: readonly string[],
  filters: { ignore: string; whitelist: string },
): FilterPreview {
  const rotation = {
    ...defaultProviderRotation(),
    ignoreModels: splitList(filters.ignore),
    whitelistModels: splitList(filters.whitelist),
  };
  const kept: string[] = [];
  const dropped: string[] = [];
  for (const model of models) (isModelAllowed(rotation, model) ? kept : dropped).push(model);
  return { kept, dropped };
}

/** The preview as a few lines: counts, then the first models of each side. */
export function renderFilterPreview(preview: FilterPreview, limit = 8): string[] {
  const sample = (models: string[]) =>
    models.length === 0 ? "—" : models.slice(0, limit).join(", ") + (models.length > limit ? ", …" : "");
  return [
    `keeps ${preview.kept.length}: ${sample(preview.kept)}`,
    `hides ${preview.dropped.length}: ${sample(preview.dropped)}`,
  ];
}
