/**
 * The summary's file lists, which are what grows with the PR: the walkthrough (a table row per file
 * the model saw, then the rest by name), the coverage line, and the files not summarized. Each list
 * can be cut for the size limit; ListsMeasure tells the length of any cut from parts serialized once.
 */
import type { Paragraph, PhrasingContent, RootContent, TableRow } from 'mdast'
import { codePointLength } from './limits.js'
import {
  capitalize,
  count,
  fileLink,
  html,
  inlineCodePath,
  italicNote,
  type LinkContext,
  moreNote,
  plural,
  sanitizedParagraph,
  text,
  untrustedPhrasing
} from './render-nodes.js'
import {
  flatSegment,
  inlineCodeLength,
  joinedLength,
  memo,
  prefixSums,
  type Segment,
  segmentOf,
  segmentString
} from './render-fit.js'
import type { Coverage, FileKind, FileNote, OmitReason, SummaryDoc } from './types.js'

/** Lists longer than this go into a collapsed <details> section. */
const COLLAPSE_AFTER = 10

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

/** One table row per file the model saw (the first `upTo`), with the model's line about it when it wrote one. */
export function walkthroughRows(doc: SummaryDoc, coverage: Coverage, context: LinkContext, upTo: number): TableRow[] {
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

/** The walkthrough: `shown` of its `total` files as table rows, `alsoChanged` by name, a count of the rest. */
export function walkthroughSection(
  rows: readonly TableRow[],
  total: number,
  shown: number,
  alsoChanged: readonly string[],
  context: LinkContext
): RootContent[] {
  if (total === 0) return []
  const named = shown + alsoChanged.length
  if (named === 0) return [walkthroughNotShown(total)]
  const table: RootContent[] = shown > 0 ? [walkthroughTable(rows.slice(0, shown))] : []
  const compact: RootContent[] = alsoChanged.length > 0 ? [namesParagraph(alsoChanged, shown > 0, context)] : []
  return [walkthroughOpen(total), ...table, ...compact, ...moreNote(total - named, 'file'), html('</details>')]
}

function walkthroughTable(rows: readonly TableRow[]): RootContent {
  const header: TableRow = {
    type: 'tableRow',
    children: [
      { type: 'tableCell', children: [text('File')] },
      { type: 'tableCell', children: [text('Summary')] }
    ]
  }
  return { type: 'table', align: [null, null], children: [header, ...rows] }
}

const walkthroughOpen = (total: number) =>
  html(`<details>\n<summary>Walkthrough (${count(total)} ${plural(total, 'file')})</summary>`)

const walkthroughNotShown = (total: number) =>
  italicNote(`Walkthrough of ${count(total)} ${plural(total, 'file')} not shown: the summary is too long.`)

function namesParagraph(paths: readonly string[], also: boolean, context: LinkContext): Paragraph {
  return sanitizedParagraph(
    [
      { type: 'strong', children: [text(also ? 'Also changed:' : 'Files:')] },
      ...paths.flatMap((path, index) => [text(index === 0 ? ' ' : ', '), inlineCodePath(path)])
    ],
    context
  )
}

/** "Coverage:": how many files were summarized, and how many were not, by reason (and kind). */
export function coverageLine(coverage: Coverage, context: LinkContext): RootContent[] {
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
export function notSummarizedSection(notes: readonly FileNote[], listed: number, context: LinkContext): RootContent[] {
  const total = notes.length
  if (total === 0) return []
  if (listed === 0) return [notesNotListed(total)]
  const paragraphs = labelledGroups(notes.slice(0, listed)).map(([label, group]) =>
    sanitizedParagraph(
      [
        { type: 'strong', children: [text(`${label} (${count(group.length)}):`)] },
        ...group.flatMap((note, index): PhrasingContent[] => [text(index === 0 ? ' ' : ', '), ...noteItem(note)])
      ],
      context
    )
  )
  const body = [...paragraphs, ...moreNote(total - listed, 'file')]
  if (total <= COLLAPSE_AFTER) return body
  return [notesOpen(total), ...body, html('</details>')]
}

const notesNotListed = (total: number) =>
  italicNote(`${count(total)} ${plural(total, 'file')} not summarized, not listed: the summary is too long.`)

const notesOpen = (total: number) => html(`<details>\n<summary>Files not summarized (${count(total)})</summary>`)

const noteItem = (note: FileNote): PhrasingContent[] => [inlineCodePath(note.path), text(noteCounts(note))]

const noteCounts = (note: FileNote) => ` (+${count(note.additions)}/−${count(note.deletions)})`

/**
 * Notes grouped by reason, reasons in order of first appearance; the files the budget left out by
 * kind, in review order ("Over max-model-calls, translation files").
 */
function labelledGroups(notes: readonly FileNote[]): Array<[string, FileNote[]]> {
  const groups = new Map<OmitReason, FileNote[]>()
  for (const note of notes) {
    const group = groups.get(note.reason)
    if (group) group.push(note)
    else groups.set(note.reason, [note])
  }
  return [...groups].flatMap(([reason, group]): Array<[string, FileNote[]]> => {
    const kinds = RANKED_REASONS.has(reason) ? byKind(group) : []
    if (kinds.length === 0) return [[capitalize(REASONS[reason]), group]]
    return kinds.map(([kind, ofKind]) => [`${capitalize(REASONS[reason])}, ${plural(2, KIND_NOUNS[kind])}`, ofKind])
  })
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

/**
 * The length of walkthroughSection and notSummarizedSection for any cut, from parts serialized once:
 * the table's rows (one line each), and each file name as the code span it serializes to. `exact` is
 * false when a part did not come out as expected; the caller then serializes every cut instead.
 */
export class ListsMeasure {
  /** False when a part did not serialize as expected: the caller must serialize every cut instead. */
  readonly exact: boolean
  private readonly rows: readonly TableRow[]
  private readonly total: number
  private readonly summarized: readonly string[]
  private readonly notes: readonly FileNote[]
  private readonly context: LinkContext
  /** Code points of the table's lines: header, delimiter row, one line per row. */
  private readonly tableLines: number[]
  /** Running totals of the file names' code spans, in walkthrough order. */
  private readonly namePrefix: number[]
  /** Code points of each note's code span and counts. */
  private readonly noteLength: Map<FileNote, number>

  /** `rows` are the walkthrough rows built (at most `total`, the files summarized), `notes` the files not summarized. */
  constructor(
    rows: readonly TableRow[],
    total: number,
    summarized: readonly string[],
    notes: readonly FileNote[],
    context: LinkContext
  ) {
    this.rows = rows
    this.total = total
    this.summarized = summarized
    this.notes = notes
    this.context = context
    this.tableLines = segmentString([walkthroughTable(rows)])
      .split('\n')
      .map(codePointLength)
    // Each file name as sanitized, in one pass: names are kept apart, so none merges with another.
    const names = sanitizedCodes(summarized, context)
    const noted = sanitizedCodes(
      notes.map((note) => note.path),
      context
    )
    this.namePrefix = prefixSums((names ?? []).map(inlineCodeLength))
    this.noteLength = new Map(
      notes.map((note, index) => [note, inlineCodeLength(noted?.[index] ?? '') + codePointLength(noteCounts(note))])
    )
    this.exact = this.tableLines.length === rows.length + 2 && names !== undefined && noted !== undefined
  }

  /** The length of walkthroughSection(rows, total, shown, summarized[shown, max(shown, named))). */
  walkthrough(shown: number, named: number): Segment | undefined {
    if (this.total === 0) return undefined
    const from = shown
    const to = Math.min(this.summarized.length, Math.max(shown, named))
    const also = Math.max(0, to - from)
    if (shown + also === 0) return segmentOf([walkthroughNotShown(this.total)])
    const parts = [this.html(walkthroughOpen(this.total).value)]
    // The header, the delimiter row, then one line per row.
    if (shown > 0) parts.push(joinedLines(this.tableLines.slice(0, Math.min(shown, this.rows.length) + 2)))
    if (also > 0) {
      const names = (this.namePrefix[to] ?? 0) - (this.namePrefix[from] ?? 0)
      // The first name follows a space, every other one a comma and a space.
      parts.push(this.strong(shown > 0 ? 'Also changed:' : 'Files:') + names + 1 + 2 * (also - 1))
    }
    if (this.total - shown - also > 0) parts.push(this.more(this.total - shown - also))
    parts.push(this.html('</details>'))
    return flatSegment(joinedLength(parts))
  }

  /** The length of notSummarizedSection(notes, listed). */
  notesList(listed: number): Segment | undefined {
    const total = this.notes.length
    if (total === 0) return undefined
    if (listed === 0) return segmentOf([notesNotListed(total)])
    const paragraphs = labelledGroups(this.notes.slice(0, listed)).map(
      ([label, group]) =>
        this.strong(`${label} (${count(group.length)}):`) +
        group.reduce((sum, note, index) => sum + (index === 0 ? 1 : 2) + (this.noteLength.get(note) ?? 0), 0)
    )
    const body = total - listed > 0 ? [...paragraphs, this.more(total - listed)] : paragraphs
    const parts = total > COLLAPSE_AFTER ? [this.html(notesOpen(total).value), ...body, this.html('</details>')] : body
    return flatSegment(joinedLength(parts))
  }

  private readonly html = memo((value: string) => codePointLength(segmentString([html(value)])))
  private readonly more = memo((hidden: number) => codePointLength(segmentString(moreNote(hidden, 'file'))))
  private readonly strong = memo((label: string) =>
    codePointLength(segmentString([sanitizedParagraph([{ type: 'strong', children: [text(label)] }], this.context)]))
  )
}

/** Code points of lines joined by line endings. */
function joinedLines(lines: readonly number[]): number {
  return lines.reduce((sum, line) => sum + line, 0) + Math.max(0, lines.length - 1)
}

/** The values of `paths` as code spans once sanitized, or undefined if sanitizing did not keep them apart. */
function sanitizedCodes(paths: readonly string[], context: LinkContext): string[] | undefined {
  const sanitized = sanitizedParagraph(
    paths.flatMap((path) => [text(' '), inlineCodePath(path)]),
    context
  ).children
  const codes = sanitized.filter((node) => node.type === 'inlineCode').map((node) => node.value)
  return codes.length === paths.length ? codes : undefined
}
