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

/** Why a chat call failed, as far as summarize needs to know. */
export type ModelErrorKind =
  | 'context-length'
  | 'json-schema-unsupported'
  | 'content-filter'
  | 'auth'
  | 'not-found'
  | 'rate-limit'
  | 'network'
  | 'timeout'
  | 'other'

/** A failed chat call; `kind` lets summarize react (shrink, drop json_schema, neutral notice). */
export class ModelError extends ActionError {
  constructor(
    readonly kind: ModelErrorKind,
    message: string,
    options?: { cause?: unknown }
  ) {
    super(message, options)
  }
}

/** Collapses whitespace and caps the length, so a remote message fits in a one-line ActionError. */
export function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > 300 ? `${line.slice(0, 297)}...` : line
}
