/**
 * `hub.search`: a small ranked text match over name, title, tags and description. Every query word must match
 * somewhere; a word scores by the best field it matches (exact name > name prefix or segment > name substring >
 * title > tags > description). Live spokes come first, then score, then name.
 */
import type { Identity } from "../auth/index.ts";
import type { HubListOutput, HubSearchInput, OperationSummary } from "../protocol/index.ts";
import { inNamespace, type ListingSource, summarize } from "./listing.ts";
import type { CatalogOperation } from "./types.ts";
import { canSeeOperation } from "./visibility.ts";

/** Results of `hub.search` when the input names no limit. */
export const DEFAULT_SEARCH_LIMIT = 20;
/** Most results of `hub.search`. */
export const MAX_SEARCH_LIMIT = 50;

/** Scores of one query word, by the best field it matches. */
export const SEARCH_SCORES = {
  /** The whole published or local name. */
  exactName: 100,
  /** A name segment, or the start of the name or of a segment. */
  namePrefix: 60,
  /** Anywhere in the name. */
  nameSubstring: 40,
  title: 25,
  tag: 15,
  description: 5,
} as const;

/** Bonus when the whole query equals the published name. */
const WHOLE_NAME_BONUS = 1000;

/** Lower-cased fields of one operation, computed once per index entry. */
export interface SearchDocument {
  name: string;
  localName: string;
  segments: string[];
  title: string;
  tags: string[];
  description: string;
}

/** The lower-cased fields `rank` reads. */
export function searchDocument(op: CatalogOperation): SearchDocument {
  const name = op.name.toLowerCase();
  return {
    name,
    localName: op.localName.toLowerCase(),
    segments: name.split(/[._-]/),
    title: (op.spec.title ?? "").toLowerCase(),
    tags: (op.spec.tags ?? []).map((tag) => tag.toLowerCase()),
    description: op.spec.description.toLowerCase(),
  };
}

/** Score of one lower-cased word against one document; 0 when it matches nowhere. */
export function scoreWord(doc: SearchDocument, word: string): number {
  if (doc.name === word || doc.localName === word) return SEARCH_SCORES.exactName;
  if (doc.name.startsWith(word) || doc.segments.some((segment) => segment.startsWith(word))) {
    return SEARCH_SCORES.namePrefix;
  }
  if (doc.name.includes(word)) return SEARCH_SCORES.nameSubstring;
  if (doc.title.includes(word)) return SEARCH_SCORES.title;
  if (doc.tags.some((tag) => tag.includes(word))) return SEARCH_SCORES.tag;
  if (doc.description.includes(word)) return SEARCH_SCORES.description;
  return 0;
}

/** Score of a whole query (already split into lower-cased words); 0 unless every word matches. */
export function scoreQuery(doc: SearchDocument, words: readonly string[], whole: string): number {
  let total = doc.name === whole ? WHOLE_NAME_BONUS : 0;
  for (const word of words) {
    const score = scoreWord(doc, word);
    if (score === 0) return 0;
    total += score;
  }
  return total;
}

/** The ranked operations `viewer` may see that match `input.query`. */
export function searchOperations(
  source: ListingSource,
  viewer: Identity,
  input: HubSearchInput,
  documentOf: (op: CatalogOperation) => SearchDocument,
): HubListOutput {
  const limit = Math.min(Math.max(Math.trunc(input.limit ?? DEFAULT_SEARCH_LIMIT), 1), MAX_SEARCH_LIMIT);
  const whole = input.query.trim().toLowerCase();
  const words = whole.split(/\s+/).filter((word) => word.length > 0);
  if (words.length === 0) return { operations: [] };
  const hits: { summary: OperationSummary; score: number }[] = [];
  for (const op of source.sorted) {
    if (!inNamespace(op.name, input.namespace)) continue;
    const spoke = source.spoke(op.spokeName);
    if (!canSeeOperation(viewer, spoke, op)) continue;
    const score = scoreQuery(documentOf(op), words, whole);
    if (score > 0) hits.push({ summary: summarize(op, spoke?.live ?? false), score });
  }
  // `sorted` is in name order and Array#sort is stable, so ties keep name order.
  hits.sort((a, b) => Number(b.summary.spoke.live) - Number(a.summary.spoke.live) || b.score - a.score);
  return { operations: hits.slice(0, limit).map((hit) => hit.summary) };
}
