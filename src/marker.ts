/**
 * Hidden markers that identify what this action published. They are added AFTER sanitizing, and the
 * sanitizer neutralizes any copy of MARKER_TAG in untrusted text, so a marker can only come from us.
 */

export const MARKER_TAG = 'azure-openai-pr-summary'

/** First line of our sticky comment; carries the fingerprint of what was summarized. */
export function commentMarker(fingerprint: string): string {
  return `<!-- ${MARKER_TAG}:comment fingerprint=${fingerprint} -->`
}

export const DESCRIPTION_START_PREFIX = `<!-- ${MARKER_TAG}:start`
export const DESCRIPTION_END = `<!-- ${MARKER_TAG}:end -->`

export function descriptionStart(fingerprint: string): string {
  return `${DESCRIPTION_START_PREFIX} fingerprint=${fingerprint} -->`
}

const COMMENT_MARKER_RE = new RegExp(`^<!-- ${MARKER_TAG}:comment fingerprint=([0-9a-f]*) -->`)
/** A start marker followed by the nearest end marker with no other start marker in between. */
const DESCRIPTION_SECTION_RE = new RegExp(
  `${DESCRIPTION_START_PREFIX} fingerprint=([0-9a-f]*) -->(?:(?!${DESCRIPTION_START_PREFIX})[\\s\\S])*?${DESCRIPTION_END}`
)

/** The fingerprint of a comment body that starts with our marker, else undefined. */
export function parseCommentMarker(body: string | null | undefined): { fingerprint: string } | undefined {
  const match = COMMENT_MARKER_RE.exec(body ?? '')
  return match ? { fingerprint: match[1] ?? '' } : undefined
}

/** Where our section is in a PR body (start and end offsets, end exclusive), and its fingerprint. */
export function findDescriptionSection(
  body: string | null | undefined
): { start: number; end: number; fingerprint: string } | undefined {
  const match = DESCRIPTION_SECTION_RE.exec(body ?? '')
  return match ? { start: match.index, end: match.index + match[0].length, fingerprint: match[1] ?? '' } : undefined
}

/** The markdown inside our description section (markers excluded), if the PR body has one. */
export function descriptionSectionText(body: string | null | undefined): string | undefined {
  const section = findDescriptionSection(body)
  if (!section || !body) return undefined
  const inner = body.slice(section.start, section.end)
  return inner.slice(inner.indexOf('-->') + 3, inner.length - DESCRIPTION_END.length).replace(/^\r?\n|\r?\n$/g, '')
}

/** The fingerprint of our description section, if the PR body has one. */
export function parseDescriptionMarker(body: string | null | undefined): { fingerprint: string } | undefined {
  const section = findDescriptionSection(body)
  return section ? { fingerprint: section.fingerprint } : undefined
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
