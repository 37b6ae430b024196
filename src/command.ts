/**
 * The comment command (`/summarize` by default) of `issue_comment` runs, pure. Such a run gets this
 * repository's OIDC token whoever wrote the comment, fork PRs included, so the command is a security
 * gate: only the exact command from a trusted author goes on (src/skips.ts decides; src/reactions.ts
 * acknowledges the comment).
 */
import { ActionError } from './errors.js'

/** The `command` input's default. */
export const DEFAULT_COMMAND = '/summarize'

/**
 * `author_association` values of people with write access or membership: the repository's owner, a
 * member of the organization that owns it, an invited collaborator
 * (https://docs.github.com/en/graphql/reference/enums#commentauthorassociation).
 */
export const TRUSTED_ASSOCIATIONS: readonly string[] = ['OWNER', 'MEMBER', 'COLLABORATOR']

/** The comment that started an `issue_comment` run, as the event payload gives it. */
export interface EventComment {
  readonly id: number
  readonly body: string
  readonly login: string
  readonly association: string
  /** `created`, `edited` or `deleted`. */
  readonly action: string
}

/** A run started by a trusted command comment: it always summarizes, and reacts to the comment. */
export interface CommandRun {
  readonly commentId: number
  /** The commenter's login, for the log. */
  readonly author: string
}

/** The command from the `command` input: one line; empty means the default. */
export function parseCommand(value: string): string {
  const command = value.trim()
  if (command === '') return DEFAULT_COMMAND
  if (/[\r\n]/.test(command)) {
    throw new ActionError(
      `Invalid command '${command.split(/\r?\n/)[0] ?? ''}…': it must be one line, such as ${DEFAULT_COMMAND} (the first line of a comment is compared with it).`
    )
  }
  return command
}

/** The comment of an `issue_comment` payload, or undefined when the payload has none. */
export function eventComment(payload: Record<string, unknown>): EventComment | undefined {
  const { comment, action } = payload as {
    comment?: { id?: unknown; body?: unknown; user?: { login?: unknown } | null; author_association?: unknown }
    action?: unknown
  }
  if (!comment || typeof comment.id !== 'number') return undefined
  return {
    id: comment.id,
    body: typeof comment.body === 'string' ? comment.body : '',
    login: typeof comment.user?.login === 'string' ? comment.user.login : '',
    association: typeof comment.author_association === 'string' ? comment.author_association : '',
    action: typeof action === 'string' ? action : ''
  }
}

/** The command run an `issue_comment` payload stands for, once the gate (src/skips.ts) let it through. */
export function commandRun(payload: Record<string, unknown>): CommandRun | undefined {
  const comment = eventComment(payload)
  return comment ? { commentId: comment.id, author: comment.login } : undefined
}

/**
 * The comment's first line, trimmed, is the command. Case does not matter, as in the `startsWith()` of
 * a workflow's `if:`; words after the command do not count as the command.
 */
export function isCommand(body: string, command: string): boolean {
  const firstLine = body.split(/\r?\n/, 1)[0] ?? ''
  return firstLine.trim().toLowerCase() === command.toLowerCase()
}

/** The commenter may start a run (and so have this repository's OIDC token used for their PR). */
export function isTrusted(association: string): boolean {
  return TRUSTED_ASSOCIATIONS.includes(association.toUpperCase())
}
