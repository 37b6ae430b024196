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
const DESCRIPTION_START_RE = new RegExp(`<!-- ${MARKER_TAG}:start fingerprint=([0-9a-f]*) -->`)

/** The fingerprint of a comment body that starts with our marker, else undefined. */
export function parseCommentMarker(body: string | null | undefined): { fingerprint: string } | undefined {
  const match = COMMENT_MARKER_RE.exec(body ?? '')
  return match ? { fingerprint: match[1] ?? '' } : undefined
}

/** The fingerprint of our description section, if the PR body has one. */
export function parseDescriptionMarker(body: string | null | undefined): { fingerprint: string } | undefined {
  const match = DESCRIPTION_START_RE.exec(body ?? '')
  return match && (body ?? '').includes(DESCRIPTION_END) ? { fingerprint: match[1] ?? '' } : undefined
}
