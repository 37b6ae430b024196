/**
 * Fitting a summary into GitHub's size limit: the ladder of fallbacks (FitLevel), the search on each
 * rung, and measuring without serializing the whole summary for each probe. Serializing the markdown
 * tree once per probe cost up to a second on a PR with thousands of files; here each part is
 * serialized once, and a layout's length is the sum of its parts' lengths and the blank lines between
 * them. render.ts serializes only the layout picked and checks that its length is the one measured
 * (else it serializes every probe, as before), so the output never changes.
 */
import type { RootContent } from 'mdast'
import { codePointLength } from './limits.js'
import { count } from './render-nodes.js'
import { stringifyMarkdown } from './sanitize.js'
import type { SummaryOutcome } from './types.js'

/** A run of top-level blocks, serialized: its length in code points and the kinds of its ends. */
export interface Segment {
  readonly length: number
  readonly first: RootContent['type']
  readonly last: RootContent['type']
}

/** Blocks as they serialize at the top level of a document, without the document's final newline. */
export function segmentString(blocks: readonly RootContent[]): string {
  const markdown = stringifyMarkdown({ type: 'root', children: [...blocks] })
  return markdown.endsWith('\n') ? markdown.slice(0, -1) : markdown
}

/** The segment of `blocks`, or undefined when there are none (a section that is left out). */
export function segmentOf(blocks: readonly RootContent[]): Segment | undefined {
  const [first] = blocks
  const last = blocks.at(-1)
  if (!first || !last) return undefined
  return { length: codePointLength(segmentString(blocks)), first: first.type, last: last.type }
}

/** A segment of known length whose ends are neither lists (html, tables, paragraphs). */
export function flatSegment(length: number): Segment {
  return { length, first: 'paragraph', last: 'paragraph' }
}

/** `parts` lengths of blocks joined by blank lines, as top-level blocks are. */
export function joinedLength(parts: readonly number[]): number {
  return parts.reduce((sum, part) => sum + part, 0) + 2 * Math.max(0, parts.length - 1)
}

/**
 * Code points of the document made of `segments` in order (undefined ones left out): the segments
 * joined by blank lines, and the final newline. Undefined when it cannot be told by adding up: two
 * lists side by side serialize with different bullets than each on its own.
 */
export function documentLength(segments: ReadonlyArray<Segment | undefined>): number | undefined {
  const present = segments.filter((segment) => segment !== undefined)
  for (let index = 1; index < present.length; index++) {
    if (present[index - 1]?.last === 'list' && present[index]?.first === 'list') return undefined
  }
  if (present.length === 0) return 0
  return joinedLength(present.map((segment) => segment.length)) + 1
}

/**
 * Code points of an inline code span outside a table, as mdast-util-to-markdown serializes it: a fence
 * one backtick longer than any run of backticks standing alone in the value, and a space of padding
 * when the value starts or ends with a backtick (or with spaces at both ends). Values here hold no line
 * endings (render.ts shows control characters as their pictures), so nothing else changes.
 */
export function inlineCodeLength(value: string): number {
  let fence = 1
  while (new RegExp(`(^|[^\`])${'`'.repeat(fence)}([^\`]|$)`).test(value)) fence++
  const padded = /[^\n\r ]/.test(value) && ((/^[\n\r ]/.test(value) && /[\n\r ]$/.test(value)) || /^`|`$/.test(value))
  return 2 * fence + (padded ? 2 : 0) + codePointLength(value)
}

/** Running totals: `sums[i]` is the sum of the first i values. */
export function prefixSums(values: readonly number[]): number[] {
  const sums = [0]
  for (const value of values) sums.push((sums.at(-1) ?? 0) + value)
  return sums
}

/** `compute(key)` once per key. */
export function memo<K, V>(compute: (key: K) => V): (key: K) => V {
  const cache = new Map<K, V>()
  return (key) => {
    if (cache.has(key)) return cache.get(key) as V
    const value = compute(key)
    cache.set(key, value)
    return value
  }
}

// ---------------------------------------------------------------------------------------------------
// The ladder of fallbacks, and the search on each rung

/** Model texts are shortened to name every file, but not below this many code points each. */
const MIN_TEXT_CAP = 2_000

/**
 * The rungs of the ladder renderSummary goes down until the summary fits, in order:
 * - `whole`: everything;
 * - `walkthrough-cut`: every file named, the first `rows` of the walkthrough with their summary;
 * - `texts-shortened`: every file named, no walkthrough rows, each model text cut to `cap` code points;
 * - `files-cut`: `rows` files with their summary, as many files not summarized, the rest counted;
 * - `texts-only`: no file named, each model text cut to `cap`;
 * - `fixed-sentence`: a fixed sentence and the footer (a tiny limit).
 */
export type FitLevel = 'whole' | 'walkthrough-cut' | 'texts-shortened' | 'files-cut' | 'texts-only' | 'fixed-sentence'

/**
 * What a layout shows: `cap` code points at most per model text; `rows` walkthrough files with their
 * link and summary; `named` walkthrough files named at all (those beyond `rows` by name only);
 * `listed` files not summarized named with their reason.
 */
export interface Layout {
  readonly cap: number
  readonly rows: number
  readonly named: number
  readonly listed: number
}

/** Which rung of the ladder fired, with its layout, and whether the search added up measured lengths (not serialized each probe). */
export interface Fit {
  readonly level: FitLevel
  readonly layout?: Layout
  readonly measured: boolean
}

/** What the fit search works with. */
export interface SearchSpace {
  readonly outcome: SummaryOutcome
  readonly limit: number
  /** Files summarized, each of which has a walkthrough entry. */
  readonly walkthroughTotal: number
  /** Walkthrough rows built: more could not fit (rowBound). */
  readonly buildable: number
  /** Files not summarized. */
  readonly notes: number
}

/** One line for the log: which rung of the ladder fired, and what it kept. */
export function describeFit(fit: Fit): string {
  const layout = fit.layout
  if (!layout || fit.level === 'whole') return `Summary rendered (${fit.level}).`
  const cap = layout.cap === Infinity ? '' : `, model texts cut to ${count(layout.cap)} characters`
  return `Summary cut to fit (${fit.level}): ${count(layout.rows)} walkthrough rows, ${count(layout.named)} files named, ${count(layout.listed)} files not summarized listed${cap}.`
}

/**
 * Goes down the ladder (FitLevel) until `fits` holds: the same search whether `fits` adds up measured
 * lengths or serializes each probe, so both pick the same layout when the lengths agree.
 */
export function ladder(search: SearchSpace, fits: (layout: Layout) => boolean): { level: FitLevel; layout?: Layout } {
  const { outcome, limit, walkthroughTotal, buildable, notes } = search
  const all = (rows: number): Layout => ({ cap: Infinity, rows, named: walkthroughTotal, listed: notes })
  if (buildable === walkthroughTotal && fits(all(walkthroughTotal))) return { level: 'whole', layout: all(walkthroughTotal) }
  // Every file named: as many as fit with their link and summary, the rest by name only.
  const rows = largestFitting(Math.min(buildable, walkthroughTotal), (n) => fits(all(n)))
  if (rows !== undefined) return { level: 'walkthrough-cut', layout: all(rows) }
  // Still every file named, the model's texts shortened to make room (never below MIN_TEXT_CAP).
  const named = (cap: number): Layout => ({ cap, rows: 0, named: walkthroughTotal, listed: notes })
  const textCap = largestFitting(Math.min(longestText(outcome), limit), (cap) => fits(named(cap)))
  if (textCap !== undefined && textCap >= MIN_TEXT_CAP) return { level: 'texts-shortened', layout: named(textCap) }
  // Too many files to name them all: per-file summaries are worth more than bare names then, so as
  // many rows as fit (each list gets as many), and a count of the rest.
  const some = (n: number): Layout => ({ cap: Infinity, rows: n, named: n, listed: Math.min(n, notes) })
  const shown = largestFitting(Math.max(Math.min(buildable, walkthroughTotal), notes), (n) => fits(some(n)))
  if (shown !== undefined) return { level: 'files-cut', layout: some(shown) }
  const bare = (cap: number): Layout => ({ cap, rows: 0, named: 0, listed: 0 })
  const cap = largestFitting(Math.min(longestText(outcome), limit), (n) => fits(bare(n)))
  if (cap !== undefined) return { level: 'texts-only', layout: bare(cap) }
  return { level: 'fixed-sentence' }
}

/** The largest n in [0, max] for which fits(n) holds, assuming it holds for every smaller n too. */
export function largestFitting(max: number, fits: (n: number) => boolean): number | undefined {
  if (!fits(0)) return undefined
  let low = 0
  let high = max
  while (low < high) {
    const mid = Math.ceil((low + high) / 2)
    if (fits(mid)) low = mid
    else high = mid - 1
  }
  return low
}

/** Where the model's text can be shortened: the longest single text decides how far caps must go. */
export function longestText(outcome: SummaryOutcome): number {
  const { doc } = outcome
  const texts = doc
    ? [doc.overview, ...doc.risks, ...doc.changes.flatMap((change) => [change.area, ...change.points])]
    : [outcome.markdown ?? '', outcome.notice ?? '']
  return Math.max(0, ...texts.map(codePointLength))
}
