/**
 * An error whose message is meant for the user as-is: one line saying what is wrong and how to fix it.
 * Anything else that reaches the top level is reported with a generic prefix.
 */
export class ActionError extends Error {
  override readonly name = 'ActionError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/**
 * The run ends without summarizing, on purpose: a notice, exit 0, and `skipped=<reason>`.
 * Example: a fork PR that cannot get an OIDC token.
 */
export class SkipRun extends Error {
  override readonly name = 'SkipRun'
  constructor(
    readonly reason: string,
    message: string
  ) {
    super(message)
  }
}

/** Collapses whitespace and caps the length, so a remote message fits in a one-line ActionError. */
export function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > 300 ? `${line.slice(0, 297)}...` : line
}
