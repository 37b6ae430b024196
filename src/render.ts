/**
 * The markdown reviewers see: summary, key changes by area, a collapsible walkthrough, risks, coverage
 * and a footer. Built as an mdast tree; every piece that came from the PR or the model is sanitized
 * (src/sanitize.ts) as a unit before it is placed (src/render-nodes.ts), and the result is cut to fit
 * GitHub's body limit by a ladder of fallbacks, each named (FitLevel) so that the log can say which one
 * fired. The file lists, which grow with the PR, are in src/render-lists.ts.
 */
import type { PhrasingContent, RootContent } from 'mdast'
import { stripInvisible } from './invisible.js'
import { codePointLength, GITHUB_BODY_LIMIT } from './limits.js'
import type { UpdateRecord } from './marker.js'
import { documentLength, type Fit, ladder, type Layout, memo, type SearchSpace, type Segment, segmentOf } from './render-fit.js'
import { coverageLine, ListsMeasure, notSummarizedSection, walkthroughRows, walkthroughSection } from './render-lists.js'
import {
  bulletList,
  count,
  fileLink,
  filesViewUrl,
  heading,
  html,
  inlineCodePath,
  italicNote,
  listItem,
  moreNote,
  oneLine,
  paragraph,
  plural,
  sanitizedParagraph,
  text,
  untrustedBlocks,
  untrustedPhrasing
} from './render-nodes.js'
import { stringifyMarkdown } from './sanitize.js'
import type { FileNote, OmitReason, SummaryDoc, SummaryOutcome, UpdateDoc, Usage } from './types.js'

export { describeFit, type Fit, type FitLevel, type Layout } from './render-fit.js'
export { filesViewUrl } from './render-nodes.js'

/** Where the summary will be published and how it was made, for links and the footer. */
export interface RenderContext {
  /** `GITHUB_SERVER_URL`, e.g. https://github.com or a GHES URL. */
  readonly serverUrl: string
  readonly owner: string
  readonly repo: string
  readonly number: number
  readonly deployment: string
  /** How the action authenticated to Azure, e.g. "keyless (OIDC)". */
  readonly authLabel: string
  /** Maximum length in code points. Default: DEFAULT_RENDER_LIMIT. */
  readonly limit?: number
  /** What changed since the summary before this one, and the updates before that. */
  readonly updates?: UpdatesContext
}

/** The "Since the last summary" section: the new commits' range and files, and earlier updates. */
export interface UpdatesContext {
  readonly since?:
    | {
        readonly kind: 'delta'
        readonly from: string
        readonly to: string
        readonly commits: number
        readonly paths: readonly string[]
      }
    | { readonly kind: 'rewritten'; readonly from: string; readonly to: string }
  /** Earlier updates of the summary, oldest first (shown newest first). */
  readonly history: readonly UpdateRecord[]
}

/**
 * Default size of a rendered summary: under GITHUB_BODY_LIMIT with room for our marker line
 * (~110 characters) or the description section's start/end markers, and for any difference in how
 * GitHub counts characters.
 */
export const DEFAULT_RENDER_LIMIT = GITHUB_BODY_LIMIT - 5_536 // 60,000

/** Files of the "since the last summary" section named one by one; the rest are counted. */
const MAX_UPDATE_FILES = 50

/**
 * The published markdown for a summarize outcome: sanitized, never empty, and at most `context.limit`
 * code points. When too long, the file lists lose their tails first (the walkthrough, and the
 * files not summarized when that list is as long), then every model-written text is shortened; each
 * cut says so.
 */
export function renderSummary(outcome: SummaryOutcome, context: RenderContext): string {
  return renderFitted(outcome, context).markdown
}

/** renderSummary, and which rung of the ladder fired (for the log). */
export function renderFitted(outcome: SummaryOutcome, context: RenderContext): { markdown: string; fit: Fit } {
  const model = fitModel(outcome, context)
  const { search } = model
  if (model.exact) {
    let unmeasured = false
    const fit = ladder(search, (layout) => {
      const length = model.measure(layout)
      if (length === undefined) unmeasured = true
      return (length ?? Infinity) <= search.limit
    })
    if (!unmeasured) {
      if (!fit.layout) return { markdown: tooLong(outcome, context, search.limit), fit: { ...fit, measured: true } }
      const markdown = model.compose(fit.layout)
      if (codePointLength(markdown) === model.measure(fit.layout)) return { markdown, fit: { ...fit, measured: true } }
    }
  }
  // A part did not measure as expected: every probe is serialized instead, which finds the same layout.
  const fit = ladder(search, (layout) => codePointLength(model.compose(layout)) <= search.limit)
  const markdown = fit.layout ? model.compose(fit.layout) : tooLong(outcome, context, search.limit)
  return { markdown, fit: { ...fit, measured: false } }
}

/**
 * The summary of `outcome` for any layout: `compose` serializes it, `measure` adds up the lengths of
 * parts serialized once (undefined when it cannot: two lists side by side). `exact` is false when a
 * part did not serialize as expected, and `measure` must not be used. Exported for the tests that
 * hold `measure` to `compose`.
 */
export function fitModel(
  outcome: SummaryOutcome,
  context: RenderContext
): {
  search: SearchSpace
  exact: boolean
  compose: (layout: Layout) => string
  measure: (layout: Layout) => number | undefined
} {
  const limit = context.limit ?? DEFAULT_RENDER_LIMIT
  const walkthroughTotal = outcome.doc ? outcome.coverage.summarized.length : 0
  const notes = [...outcome.coverage.excluded, ...outcome.coverage.omitted]
  // Rows that cannot fit are never built (a PR may have thousands of files).
  const buildable = rowBound(outcome, context, limit)
  const walkthrough = outcome.doc ? walkthroughRows(outcome.doc, outcome.coverage, context, buildable) : []
  const coverage = coverageLine(outcome.coverage, context)
  const closing = footer(outcome.usage, context)
  const summarized = outcome.doc ? outcome.coverage.summarized : []

  const sections = memo((cap: number) => ({
    main: mainSections(outcome, cap, context),
    updates: updatesSection(outcome, cap, context)
  }))
  const capNote = (cap: number): RootContent[] =>
    cap === Infinity ? [] : [italicNote("Parts of the model's text were shortened to fit GitHub's comment size limit.")]
  const compose = ({ cap, rows, named, listed }: Layout): string => {
    const { main, updates } = sections(cap)
    const shown = Math.min(rows, walkthroughTotal)
    return stringifyMarkdown({
      type: 'root',
      children: [
        ...updates,
        ...main.lead,
        ...capNote(cap),
        ...walkthroughSection(walkthrough, walkthroughTotal, shown, summarized.slice(shown, Math.max(shown, named)), context),
        ...main.risks,
        ...coverage,
        ...notSummarizedSection(notes, listed, context),
        ...closing
      ]
    })
  }

  // The same blocks as compose, in segments: those that change with the cap, the lists, the rest.
  const lists = new ListsMeasure(walkthrough, walkthroughTotal, summarized, notes, context)
  const fixed = { coverage: segmentOf(coverage), closing: segmentOf(closing) }
  const capped = memo((cap: number) => {
    const { main, updates } = sections(cap)
    return { head: segmentOf([...updates, ...main.lead, ...capNote(cap)]), risks: segmentOf(main.risks) }
  })
  const measure = ({ cap, rows, named, listed }: Layout): number | undefined => {
    const { head, risks } = capped(cap)
    const segments: Array<Segment | undefined> = [
      head,
      lists.walkthrough(Math.min(rows, walkthroughTotal), named),
      risks,
      fixed.coverage,
      lists.notesList(listed),
      fixed.closing
    ]
    return documentLength(segments)
  }
  return { search: { outcome, limit, walkthroughTotal, buildable, notes: notes.length }, exact: lists.exact, compose, measure }
}

/**
 * More walkthrough rows than this cannot fit, since each holds at least its file name and its link;
 * it keeps the search short for PRs with thousands of files.
 */
function rowBound(outcome: SummaryOutcome, context: RenderContext, limit: number): number {
  if (!outcome.doc) return 0
  let total = 0
  for (const [row, path] of outcome.coverage.summarized.entries()) {
    total += codePointLength(stripInvisible(path).text) + filesViewUrl(context, path).length
    if (total > limit) return row
  }
  return outcome.coverage.summarized.length
}

// ---------------------------------------------------------------------------------------------------
// Sections 1–4: the summary itself

/** Sections 1–2 (`lead`) and 4 (`risks`), around the walkthrough; or the fallback markdown / notice. */
function mainSections(
  outcome: SummaryOutcome,
  cap: number,
  context: RenderContext
): { lead: RootContent[]; risks: RootContent[] } {
  if (outcome.doc) {
    const { doc } = outcome
    const risks = doc.risks.filter((risk) => risk.trim() !== '')
    return {
      lead: [heading(2, 'Summary'), ...untrustedBlocks(doc.overview, cap, context), ...keyChanges(doc, cap, context)],
      risks:
        risks.length > 0
          ? [heading(2, 'Risks and notes'), bulletList(risks.map((risk) => listItem(untrustedBlocks(risk, cap, context))))]
          : []
    }
  }
  const fallback = untrustedBlocks(outcome.markdown ?? '', cap, context)
  if (fallback.length > 0) return { lead: fallback, risks: [] }
  const notice = outcome.notice?.trim() ? outcome.notice : 'No summary was produced for this pull request.'
  return { lead: [heading(2, 'Summary'), ...untrustedBlocks(notice, cap, context)], risks: [] }
}

/**
 * "Since the last summary": the range of the new commits, what they do (the model's words, when it
 * was asked), and each file they changed; or that the branch was rewritten. Then the earlier updates,
 * collapsed, one line each.
 */
function updatesSection(outcome: SummaryOutcome, cap: number, context: RenderContext): RootContent[] {
  const updates = context.updates
  if (!updates) return []
  const nodes: RootContent[] = []
  const { since } = updates
  if (since?.kind === 'rewritten') {
    nodes.push(
      heading(2, 'Since the last summary'),
      paragraph([
        text('The branch was rewritten since the summary at '),
        inlineCodePath(since.from.slice(0, 7)),
        text(' (force-push or rebase): this summary covers the whole pull request again.')
      ])
    )
  } else if (since) {
    const narrative = outcome.update
    const perFile = new Map('files' in (narrative ?? {}) ? (narrative as UpdateDoc).files.map((f) => [f.path, f.summary]) : [])
    const range = `${count(since.commits)} new ${plural(since.commits, 'commit')}, ${count(since.paths.length)} ${plural(since.paths.length, 'file')}`
    nodes.push(
      heading(2, 'Since the last summary'),
      paragraph([inlineCodePath(since.from.slice(0, 7)), text(' → '), inlineCodePath(since.to.slice(0, 7)), text(`: ${range}.`)])
    )
    if (narrative && 'markdown' in narrative) nodes.push(...untrustedBlocks(narrative.markdown, cap, context))
    else if (narrative) nodes.push(...untrustedBlocks(narrative.overview, cap, context))
    const shown = since.paths.slice(0, MAX_UPDATE_FILES)
    if (shown.length > 0) {
      nodes.push(
        bulletList(
          shown.map((path) => {
            const summary = perFile.get(path)
            const line: PhrasingContent[] = [
              ...fileLink(path, context),
              ...(summary ? [text(': '), ...untrustedPhrasing(summary, cap, context)] : [])
            ]
            return listItem([paragraph(line)])
          })
        ),
        ...moreNote(since.paths.length - shown.length, 'file')
      )
    }
  }
  if (updates.history.length > 0) {
    const lines = [...updates.history].reverse().map((record) => {
      const what = record.files === undefined ? 'branch rewritten' : `${count(record.files)} ${plural(record.files, 'file')}`
      return listItem([
        paragraph([
          text(`${record.at.replace('T', ' ').replace('Z', ' UTC')} · `),
          inlineCodePath(record.from),
          text(' → '),
          inlineCodePath(record.to),
          text(` · ${what}`)
        ])
      ])
    })
    nodes.push(
      html(`<details>\n<summary>Earlier updates (${count(updates.history.length)})</summary>`),
      bulletList(lines),
      html('</details>')
    )
  }
  return nodes
}

function keyChanges(doc: SummaryDoc, cap: number, context: RenderContext): RootContent[] {
  // The model may name an area twice; reviewers expect one group per area.
  const areas = new Map<string, string[]>()
  for (const change of doc.changes) {
    const points = change.points.filter((point) => point.trim() !== '')
    if (points.length === 0) continue
    const area = change.area.trim() || 'Other'
    areas.set(area, [...(areas.get(area) ?? []), ...points])
  }
  if (areas.size === 0) return []
  return [
    heading(2, 'Key changes'),
    ...[...areas].flatMap(([area, points]): RootContent[] => [
      { type: 'heading', depth: 3, children: untrustedPhrasing(area, cap, context) },
      bulletList(points.map((point) => listItem(untrustedBlocks(point, cap, context))))
    ])
  ]
}

// ---------------------------------------------------------------------------------------------------
// Section 6: the footer (numbers are ours)

function footer(usage: Usage, context: RenderContext): RootContent[] {
  const calls = `${count(usage.modelCalls)} model ${plural(usage.modelCalls, 'call')}`
  const tokens = `${count(usage.promptTokens)} prompt + ${count(usage.completionTokens)} completion tokens`
  return [
    { type: 'thematicBreak' },
    sanitizedParagraph(
      [
        { type: 'emphasis', children: [text('AI-generated: review before relying on it.')] },
        text(' Deployment '),
        { type: 'inlineCode', value: oneLine(context.deployment) },
        text(` · ${calls} · ${tokens} · ${oneLine(context.authLabel)}`)
      ],
      context
    )
  ]
}

/** Last resort when even one-character texts do not fit (a tiny `limit`): a plain, fixed sentence. */
function tooLong(outcome: SummaryOutcome, context: RenderContext, limit: number): string {
  const minimal = stringifyMarkdown({
    type: 'root',
    children: [
      heading(2, 'Summary'),
      paragraph([text(`The summary does not fit in ${count(limit)} characters.`)]),
      ...footer(outcome.usage, context)
    ]
  })
  return Array.from(minimal).slice(0, limit).join('')
}

// ---------------------------------------------------------------------------------------------------
// Warming up while the model works

/**
 * Renders a small made-up summary a few times, yielding to the event loop before each round, until
 * `stop()` holds. Meant to run while the model works: V8 compiles the code that has run a few times,
 * so the real render, on the path from the last model answer to the comment, does not run cold (on a
 * 3,200-file PR that path was mostly this code's first run). Nothing is kept but the compiled code.
 */
export async function warmUp(stop: () => boolean, rounds = WARM_UP_ROUNDS): Promise<void> {
  const { outcome, context } = warmUpCase()
  for (let round = 0; round < rounds; round++) {
    await new Promise((resolve) => setImmediate(resolve))
    if (stop()) return
    renderFitted(outcome, context)
  }
}

/** The first round takes ~60 ms, the second ~20; more gained nothing measurable on the benchmark PR. */
const WARM_UP_ROUNDS = 2

/**
 * A summary that takes the paths a large PR's does: parsed and plain model texts, a walkthrough table,
 * notes by reason and kind, and a limit that sends the fit down the ladder.
 */
function warmUpCase(): { outcome: SummaryOutcome; context: RenderContext } {
  const paths = Array.from({ length: 60 }, (_, i) => `src/area-${i % 6}/file-${i}.ts`)
  const rich = (i: number) => `Moves \`helper${i}\` behind the **budget** check; see [the guide](https://github.com/o/r) @user.`
  const kinds = ['source', 'test', 'docs'] as const
  const note = (path: string, additions: number, reason: OmitReason): FileNote => ({ path, additions, deletions: 1, reason })
  return {
    outcome: {
      doc: {
        overview: `${rich(0)}\n\n- ${rich(1)}\n- A plain point.\n\n<details>closed</details>`,
        changes: [{ area: 'Area', points: [rich(2), 'A plain point.'] }],
        files: paths.slice(0, 16).map((path, i) => ({ path, summary: i % 2 ? rich(i) : `Plain summary of ${path}.` })),
        risks: [rich(3)]
      },
      usage: { promptTokens: 1_000, completionTokens: 100, modelCalls: 2 },
      coverage: {
        filesTotal: paths.length + 1,
        summarized: paths.slice(0, 16),
        compressed: paths.slice(0, 1),
        excluded: [note('package-lock.json', 1_200, 'excluded')],
        omitted: paths.slice(16).map((path, i) => ({ ...note(path, i, 'budget'), kind: kinds[i % 3] })),
        unlisted: 0
      }
    },
    context: { serverUrl: 'https://github.com', owner: 'o', repo: 'r', number: 1, deployment: 'd', authLabel: 'a' }
  }
}
