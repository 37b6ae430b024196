/**
 * Hidden markers that identify what this action published. They are added AFTER sanitizing, and the
 * sanitizer neutralizes any copy of MARKER_TAG in untrusted text, so a marker can only come from us.
 * A marker also carries the state the next run needs: the fingerprint of what was summarized, the
 * head commit it was summarized at, and the bounded history of earlier updates.
 */

export const MARKER_TAG = 'azure-openai-pr-summary'

/** Updates kept in a marker, and so shown as "earlier updates": the most recent ones. */
export const MAX_HISTORY = 10

/** One update of the summary after new commits: when, from which head to which, how many files. */
export interface UpdateRecord {
  /** Minute of the update, UTC, as `YYYY-MM-DDTHH:MMZ`. */
  readonly at: string
  /** Short SHAs (7 hex digits) of the head summarized before and of the new head. */
  readonly from: string
  readonly to: string
  /** Files the new commits changed; undefined when the old head was gone (force-push, rebase). */
  readonly files?: number
}

/** What a marker records. */
export interface MarkerState {
  /** sha256 of what was summarized; '' for a neutral notice, which the next run retries. */
  readonly fingerprint: string
  /** The head commit (40 hex digits) that was summarized. */
  readonly head?: string
  readonly history?: readonly UpdateRecord[]
}

/** First line of our sticky comment. */
export function commentMarker(state: MarkerState | string): string {
  return `<!-- ${MARKER_TAG}:comment${attributes(state)} -->`
}

export const DESCRIPTION_START_PREFIX = `<!-- ${MARKER_TAG}:start`
export const DESCRIPTION_END = `<!-- ${MARKER_TAG}:end -->`

export function descriptionStart(state: MarkerState | string): string {
  return `${DESCRIPTION_START_PREFIX}${attributes(state)} -->`
}

const ATTRIBUTES = '((?: [a-z]+=[0-9A-Za-z:.,-]*)*)'
const COMMENT_MARKER_RE = new RegExp(`^<!-- ${MARKER_TAG}:comment${ATTRIBUTES} -->`)
/** A start marker followed by the nearest end marker with no other start marker in between. */
const DESCRIPTION_SECTION_RE = new RegExp(
  `${DESCRIPTION_START_PREFIX}${ATTRIBUTES} -->(?:(?!${DESCRIPTION_START_PREFIX})[\\s\\S])*?${DESCRIPTION_END}`
)
const HEX = /^[0-9a-f]*$/
const FULL_SHA = /^[0-9a-f]{40}$/
const RECORD_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z)\.([0-9a-f]{7})\.([0-9a-f]{7})\.(\d{1,6}|r)$/

function attributes(state: MarkerState | string): string {
  const { fingerprint, head, history = [] } = typeof state === 'string' ? { fingerprint: state } : state
  const records = history
    .slice(-MAX_HISTORY)
    .map((record) => `${record.at}.${record.from}.${record.to}.${record.files ?? 'r'}`)
    .join(',')
  return ` fingerprint=${fingerprint}${head ? ` head=${head}` : ''}${records ? ` history=${records}` : ''}`
}

/** The state in a marker's attributes; whatever does not parse is left out, never guessed. */
function parseAttributes(text: string): MarkerState {
  const values = new Map([...text.matchAll(/ ([a-z]+)=([^ ]*)/g)].map((match) => [match[1] ?? '', match[2] ?? '']))
  const fingerprint = values.get('fingerprint') ?? ''
  const head = values.get('head') ?? ''
  const history = (values.get('history') ?? '')
    .split(',')
    .map((entry) => RECORD_RE.exec(entry))
    .filter((match) => match !== null)
    .map(([, at = '', from = '', to = '', files]) => ({ at, from, to, ...(files === 'r' ? {} : { files: Number(files) }) }))
  return {
    fingerprint: HEX.test(fingerprint) ? fingerprint : '',
    ...(FULL_SHA.test(head) ? { head } : {}),
    ...(history.length > 0 ? { history: history.slice(-MAX_HISTORY) } : {})
  }
}

/** The state of a comment body that starts with our marker, else undefined. */
export function parseCommentMarker(body: string | null | undefined): MarkerState | undefined {
  const match = COMMENT_MARKER_RE.exec(body ?? '')
  return match ? parseAttributes(match[1] ?? '') : undefined
}

/** Where our section is in a PR body (start and end offsets, end exclusive), and its state. */
export function findDescriptionSection(
  body: string | null | undefined
): ({ start: number; end: number } & MarkerState) | undefined {
  const match = DESCRIPTION_SECTION_RE.exec(body ?? '')
  return match ? { start: match.index, end: match.index + match[0].length, ...parseAttributes(match[1] ?? '') } : undefined
}

/** The markdown inside our description section (markers excluded), if the PR body has one. */
export function descriptionSectionText(body: string | null | undefined): string | undefined {
  const section = findDescriptionSection(body)
  if (!section || !body) return undefined
  const inner = body.slice(section.start, section.end)
  return inner.slice(inner.indexOf('-->') + 3, inner.length - DESCRIPTION_END.length).replace(/^\r?\n|\r?\n$/g, '')
}

/** The state of our description section, if the PR body has one. */
export function parseDescriptionMarker(body: string | null | undefined): MarkerState | undefined {
  const section = findDescriptionSection(body)
  if (!section) return undefined
  const { start: _start, end: _end, ...state } = section
  return state
}

/**
 * The PR body as its author wrote it: without our section (and the white space before it), so that
 * our own summary is neither fingerprinted nor sent back to the model as the author's words.
 */
export function withoutDescriptionSection(body: string): string {
  const section = findDescriptionSection(body)
  if (!section) return body
  return body.slice(0, section.start).trimEnd() + body.slice(section.end)
}
