/**
 * The markdown reviewers see: summary, key changes by area, a collapsible walkthrough, risks, coverage
 * and a footer. Built as an mdast tree; every piece that came from the PR or the model is sanitized
 * (src/sanitize.ts) as a unit before it is placed, and the result is cut to fit GitHub's body limit.
 */
import { createHash } from 'node:crypto'
import type { BlockContent, Heading, Html, ListItem, Paragraph, PhrasingContent, Root, RootContent, TableRow, Text } from 'mdast'
import { visit } from 'unist-util-visit'
import { stripInvisible } from './invisible.js'
import { codePointLength, GITHUB_BODY_LIMIT } from './limits.js'
import type { UpdateRecord } from './marker.js'
import { parseMarkdown, sanitizeTree, stringifyMarkdown } from './sanitize.js'
import type { Coverage, FileKind, FileNote, OmitReason, SummaryDoc, SummaryOutcome, UpdateDoc, Usage } from './types.js'

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

/** Lists longer than this go into a collapsed <details> section. */
const COLLAPSE_AFTER = 10

/** Files of the "since the last summary" section named one by one; the rest are counted. */
const MAX_UPDATE_FILES = 50

/** Model texts are shortened to name every file, but not below this many code points each. */
const MIN_TEXT_CAP = 2_000

const REASONS: Record<OmitReason, string> = {
  excluded: 'excluded by include/exclude',
  binary: 'binary',
  'too-large': 'too large for a GitHub diff',
  budget: 'over max-input-tokens',
  'call-cap': 'over max-model-calls',
  'no-answer': 'no answer from the model (content filter)'
}

/** Reasons decided by the review order (docs/ranking.md): the comment says which kinds of files they left out. */
const RANKED_REASONS: ReadonlySet<OmitReason> = new Set(['budget', 'call-cap'])

const KIND_NOUNS: Record<FileKind, string> = {
  source: 'source file',
  test: 'test file',
  config: 'configuration file',
  docs: 'documentation file',
  translation: 'translation file',
  data: 'fixture or data file'
}

/** Link to a file in the PR's "Files changed" view; GitHub anchors each file at `diff-<sha256 of its path>`. */
export function filesViewUrl(context: Pick<RenderContext, 'serverUrl' | 'owner' | 'repo' | 'number'>, path: string): string {
  const server = context.serverUrl.replace(/\/+$/, '')
  const anchor = createHash('sha256').update(path, 'utf8').digest('hex')
  return `${server}/${encodeURIComponent(context.owner)}/${encodeURIComponent(context.repo)}/pull/${context.number}/files#diff-${anchor}`
}

/**
 * The published markdown for a summarize outcome: sanitized, never empty, and at most `context.limit`
 * code points. When too long, the file lists lose their tails first (the walkthrough, and the
 * files not summarized when that list is as long), then every model-written text is shortened; each
 * cut says so.
 */
export function renderSummary(outcome: SummaryOutcome, context: RenderContext): string {
  const limit = context.limit ?? DEFAULT_RENDER_LIMIT
  const walkthroughTotal = outcome.doc ? outcome.coverage.summarized.length : 0
  const notes = [...outcome.coverage.excluded, ...outcome.coverage.omitted]
  // Rows that cannot fit are never built (a PR may have thousands of files).
  const buildable = rowBound(outcome, context, limit)
  const walkthrough = outcome.doc ? walkthroughRows(outcome.doc, outcome.coverage, context, buildable) : []
  const coverage = coverageLine(outcome.coverage, context)
  const closing = footer(outcome.usage, context)
  const fits = (markdown: string) => codePointLength(markdown) <= limit

  // `rows`: walkthrough files with their link and summary; `named`: walkthrough files named at all
  // (the rest of them by name only); `listed`: files not summarized that are named with their reason.
  const uncapped = mainSections(outcome, Infinity, context)
  const uncappedUpdates = updatesSection(outcome, Infinity, context)
  const compose = (cap: number, rows: number, named: number, listed: number) => {
    const main = cap === Infinity ? uncapped : mainSections(outcome, cap, context)
    const shown = Math.min(rows, walkthroughTotal)
    const alsoChanged = outcome.doc ? outcome.coverage.summarized.slice(shown, Math.max(shown, named)) : []
    return stringifyMarkdown({
      type: 'root',
      children: [
        ...(cap === Infinity ? uncappedUpdates : updatesSection(outcome, cap, context)),
        ...main.lead,
        ...(cap === Infinity ? [] : [italicNote("Parts of the model's text were shortened to fit GitHub's comment size limit.")]),
        ...walkthroughSection(walkthrough, walkthroughTotal, shown, alsoChanged, context),
        ...main.risks,
        ...coverage,
        ...notSummarizedSection(notes, listed, context),
        ...closing
      ]
    })
  }
  const all = (rows: number) => compose(Infinity, rows, walkthroughTotal, notes.length)

  if (buildable === walkthroughTotal) {
    const full = all(walkthroughTotal)
    if (fits(full)) return full
  }
  // Every file named: as many as fit with their link and summary, the rest by name only.
  const rows = largestFitting(Math.min(buildable, walkthroughTotal), (rows) => fits(all(rows)))
  if (rows !== undefined) return all(rows)
  // Still every file named, the model's texts shortened to make room (never below MIN_TEXT_CAP).
  const textCap = largestFitting(Math.min(longestText(outcome), limit), (cap) =>
    fits(compose(cap, 0, walkthroughTotal, notes.length))
  )
  if (textCap !== undefined && textCap >= MIN_TEXT_CAP) return compose(textCap, 0, walkthroughTotal, notes.length)
  // Too many files to name them all: per-file summaries are worth more than bare names then, so as
  // many rows as fit (each list gets as many), and a count of the rest.
  const some = (n: number) => compose(Infinity, n, n, Math.min(n, notes.length))
  const shown = largestFitting(Math.max(Math.min(buildable, walkthroughTotal), notes.length), (n) => fits(some(n)))
  if (shown !== undefined) return some(shown)
  const cap = largestFitting(Math.min(longestText(outcome), limit), (cap) => fits(compose(cap, 0, 0, 0)))
  if (cap !== undefined) return compose(cap, 0, 0, 0)
  return tooLong(outcome, context, limit)
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

/** The largest n in [0, max] for which fits(n) holds, assuming it holds for every smaller n too. */
function largestFitting(max: number, fits: (n: number) => boolean): number | undefined {
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

/** One table row per file the model saw, with the model's line about it when it wrote one. */
function walkthroughRows(doc: SummaryDoc, coverage: Coverage, context: RenderContext, upTo: number): TableRow[] {
  const summaries = new Map(doc.files.map((file) => [file.path, file.summary]))
  const compressed = new Set(coverage.compressed)
  return coverage.summarized.slice(0, upTo).map((path) => {
    const summary = untrustedPhrasing(summaries.get(path) ?? '', Infinity, context)
    const note: PhrasingContent[] = compressed.has(path)
      ? [text(' '), { type: 'emphasis', children: [text('(compressed diff)')] }]
      : []
    return {
      type: 'tableRow',
      children: [
        { type: 'tableCell', children: fileLink(path, context) },
        { type: 'tableCell', children: summary.length + note.length > 0 ? [...summary, ...note] : [text('—')] }
      ]
    }
  })
}

function walkthroughSection(
  rows: readonly TableRow[],
  total: number,
  shown: number,
  alsoChanged: readonly string[],
  context: RenderContext
): RootContent[] {
  if (total === 0) return []
  const named = shown + alsoChanged.length
  if (named === 0)
    return [italicNote(`Walkthrough of ${count(total)} ${plural(total, 'file')} not shown: the summary is too long.`)]
  const header: TableRow = {
    type: 'tableRow',
    children: [
      { type: 'tableCell', children: [text('File')] },
      { type: 'tableCell', children: [text('Summary')] }
    ]
  }
  const table: RootContent[] =
    shown > 0 ? [{ type: 'table', align: [null, null], children: [header, ...rows.slice(0, shown)] }] : []
  const compact: RootContent[] =
    alsoChanged.length > 0
      ? [
          sanitizedParagraph(
            [
              { type: 'strong', children: [text(shown > 0 ? 'Also changed:' : 'Files:')] },
              ...alsoChanged.flatMap((path, index) => [text(index === 0 ? ' ' : ', '), inlineCodePath(path)])
            ],
            context
          )
        ]
      : []
  return [
    html(`<details>\n<summary>Walkthrough (${count(total)} ${plural(total, 'file')})</summary>`),
    ...table,
    ...compact,
    ...moreNote(total - named, 'file'),
    html('</details>')
  ]
}

// ---------------------------------------------------------------------------------------------------
// Sections 5–6: coverage and footer (numbers are ours; file names come from the PR)

function coverageLine(coverage: Coverage, context: RenderContext): RootContent[] {
  let line = `Summarized ${count(coverage.summarized.length)} of ${count(coverage.filesTotal)} ${plural(coverage.filesTotal, 'file')}`
  if (coverage.compressed.length > 0) line += ` (${count(coverage.compressed.length)} from a compressed diff)`
  const byReason = new Map<OmitReason, FileNote[]>()
  for (const note of [...coverage.excluded, ...coverage.omitted]) {
    const notes = byReason.get(note.reason)
    if (notes) notes.push(note)
    else byReason.set(note.reason, [note])
  }
  // Counts by reason stay even when the list of names below has to be cut; for the files the budget
  // left out, so does what kind of files they are ("312 over max-model-calls (all translation files)").
  const reasons = [...byReason].map(([reason, notes]) => {
    const kinds = RANKED_REASONS.has(reason) ? byKind(notes) : []
    const breakdown =
      kinds.length === 1 && kinds[0]
        ? ` (all ${plural(2, KIND_NOUNS[kinds[0][0]])})`
        : kinds.length > 1
          ? ` (${kinds.map(([kind, group]) => `${count(group.length)} ${plural(group.length, KIND_NOUNS[kind])}`).join(', ')})`
          : ''
    return `${count(notes.length)} ${REASONS[reason]}${breakdown}`
  })
  if (coverage.unlisted > 0)
    reasons.push(`${count(coverage.unlisted)} beyond GitHub's 3,000-file listing (never named by GitHub)`)
  if (reasons.length > 0) line += `. Not summarized: ${reasons.join(', ')}`
  return [sanitizedParagraph([{ type: 'strong', children: [text('Coverage:')] }, text(` ${line}.`)], context)]
}

/**
 * Files not summarized, the first `listed` of them named with their +/- counts, grouped by reason;
 * collapsed when long, with a count of those that did not fit.
 */
function notSummarizedSection(notes: readonly FileNote[], listed: number, context: RenderContext): RootContent[] {
  const total = notes.length
  if (total === 0) return []
  if (listed === 0)
    return [italicNote(`${count(total)} ${plural(total, 'file')} not summarized, not listed: the summary is too long.`)]
  const groups = new Map<OmitReason, FileNote[]>()
  for (const note of notes.slice(0, listed)) groups.set(note.reason, [...(groups.get(note.reason) ?? []), note])
  // Files the budget left out are listed by kind, in review order: "Over max-model-calls, translation files (312):".
  const labelled = [...groups].flatMap(([reason, group]): Array<[string, FileNote[]]> => {
    const kinds = RANKED_REASONS.has(reason) ? byKind(group) : []
    if (kinds.length === 0) return [[capitalize(REASONS[reason]), group]]
    return kinds.map(([kind, ofKind]) => [`${capitalize(REASONS[reason])}, ${plural(2, KIND_NOUNS[kind])}`, ofKind])
  })
  const paragraphs = labelled.map(([label, group]) =>
    sanitizedParagraph(
      [
        { type: 'strong', children: [text(`${label} (${count(group.length)}):`)] },
        ...group.flatMap((note, index): PhrasingContent[] => [
          text(index === 0 ? ' ' : ', '),
          inlineCodePath(note.path),
          text(` (+${count(note.additions)}/−${count(note.deletions)})`)
        ])
      ],
      context
    )
  )
  const body = [...paragraphs, ...moreNote(total - listed, 'file')]
  if (total <= COLLAPSE_AFTER) return body
  return [html(`<details>\n<summary>Files not summarized (${count(total)})</summary>`), ...body, html('</details>')]
}

/**
 * Notes by kind, kinds in order of first appearance (the selection lists notes in review order); empty
 * when a note carries no kind (notes made outside the selection), so that nothing is mislabelled.
 */
function byKind(notes: readonly FileNote[]): Array<[FileKind, FileNote[]]> {
  const kinds = new Map<FileKind, FileNote[]>()
  for (const note of notes) {
    if (!note.kind) return []
    const group = kinds.get(note.kind)
    if (group) group.push(note)
    else kinds.set(note.kind, [note])
  }
  return [...kinds]
}

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
// Untrusted text → sanitized nodes

/** Cuts untrusted markdown to `cap` code points; the sanitizer then closes whatever the cut left open. */
function truncate(markdown: string, cap: number): string {
  if (codePointLength(markdown) <= cap) return markdown
  return `${Array.from(markdown).slice(0, cap).join('')}…`
}

function untrustedBlocks(markdown: string, cap: number, context: RenderContext): RootContent[] {
  const tree = parseMarkdown(truncate(markdown, cap))
  sanitizeTree(tree, context)
  return tree.children
}

/**
 * Untrusted markdown for a place that takes one line (a heading, a table cell). Anything beyond one
 * paragraph is flattened to its text first, then sanitized, so flattening cannot revive what the
 * sanitizer neutralized (code that held a mention, for instance).
 */
function untrustedPhrasing(markdown: string, cap: number, context: RenderContext): PhrasingContent[] {
  const tree = parseMarkdown(truncate(markdown, cap))
  const [first, ...rest] = tree.children
  const phrasing: PhrasingContent[] = first?.type === 'paragraph' && rest.length === 0 ? first.children : [text(plainText(tree))]
  visit({ type: 'paragraph', children: phrasing } as Paragraph, (node) => {
    // A table row or a heading ends at a line ending; collapse them to spaces.
    if (node.type === 'text' || node.type === 'inlineCode') node.value = node.value.replace(/\s+/g, ' ')
  })
  const lineBreaksAsSpaces = phrasing.map((node) => (node.type === 'break' ? text(' ') : node))
  return sanitizedParagraph(lineBreaksAsSpaces, context).children
}

function plainText(tree: Root): string {
  const parts: string[] = []
  visit(tree, (node) => {
    if (node.type === 'text' || node.type === 'inlineCode' || node.type === 'code') parts.push(node.value)
    else if (node.type === 'paragraph' || node.type === 'heading' || node.type === 'listItem') parts.push(' ')
  })
  return parts.join('').replace(/\s+/g, ' ').trim()
}

function sanitizedParagraph(children: PhrasingContent[], context: RenderContext): Paragraph {
  const tree: Root = { type: 'root', children: [{ type: 'paragraph', children }] }
  sanitizeTree(tree, context)
  const [first] = tree.children
  return first?.type === 'paragraph' ? first : paragraph([])
}

function fileLink(path: string, context: RenderContext): PhrasingContent[] {
  return sanitizedParagraph([{ type: 'link', url: filesViewUrl(context, path), children: [inlineCodePath(path)] }], context)
    .children
}

/**
 * A file name as inline code, whatever it holds: the serializer picks a long enough backtick fence and
 * escapes `|` in tables; control characters (a newline would end a table row) become their visible
 * Unicode pictures (U+2400 block).
 */
function inlineCodePath(path: string): PhrasingContent {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is replaced here
  const visible = path.replace(/[\u0000-\u001f\u007f]/g, (c) =>
    String.fromCodePoint(c === '\u007f' ? 0x2421 : 0x2400 + c.charCodeAt(0))
  )
  return { type: 'inlineCode', value: visible }
}

// ---------------------------------------------------------------------------------------------------
// Small builders

function text(value: string): Text {
  return { type: 'text', value }
}

function paragraph(children: PhrasingContent[]): Paragraph {
  return { type: 'paragraph', children }
}

function heading(depth: Heading['depth'], value: string): Heading {
  return { type: 'heading', depth, children: [text(value)] }
}

function html(value: string): Html {
  return { type: 'html', value }
}

function listItem(children: RootContent[]): ListItem {
  return { type: 'listItem', spread: false, children: children as BlockContent[] }
}

function bulletList(items: ListItem[]): RootContent {
  return { type: 'list', ordered: false, spread: false, children: items }
}

function moreNote(hidden: number, noun: string): RootContent[] {
  return hidden > 0 ? [italicNote(`… ${count(hidden)} more ${plural(hidden, noun)} not shown`)] : []
}

function italicNote(value: string): Paragraph {
  return paragraph([{ type: 'emphasis', children: [text(value)] }])
}

/** Where the model's text can be shortened: the longest single text decides how far caps must go. */
function longestText(outcome: SummaryOutcome): number {
  const { doc } = outcome
  const texts = doc
    ? [doc.overview, ...doc.risks, ...doc.changes.flatMap((change) => [change.area, ...change.points])]
    : [outcome.markdown ?? '', outcome.notice ?? '']
  return Math.max(0, ...texts.map(codePointLength))
}

function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim()
}

function count(n: number): string {
  return n.toLocaleString('en-US')
}

function capitalize(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1)
}

function plural(n: number, noun: string): string {
  return n === 1 ? noun : `${noun}s`
}
