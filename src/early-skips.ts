/**
 * The skips decided from the event alone, before settings are read and before any token is requested
 * (the rest of src/skips.ts, which re-exports these). A module of its own because the entry point asks
 * it before loading anything else (src/prefetch.ts): it imports no glob matcher.
 */
import { eventComment, isCommand, isTrusted, parseCommand, TRUSTED_ASSOCIATIONS } from './command.js'

/** Why nothing was summarized (the `skipped` output), and the notice that says so. */
export interface Skip {
  readonly reason: string
  readonly message: string
}

/** The event the workflow run was triggered by (GITHUB_EVENT_NAME and the GITHUB_EVENT_PATH payload). */
export interface RunEvent {
  readonly name: string
  readonly payload: Record<string, unknown>
}

/** The raw inputs that decide an early skip; settings are not read yet (a fork's run may lack variables). */
export interface EarlyInputs {
  readonly auth: string
  readonly apiKey: string
  readonly pullNumber: string
  /** The `command` input, for `issue_comment` runs. */
  readonly command: string
}

/**
 * Runs that end before settings are even read: under `pull_request`, a fork PR gets no OIDC token,
 * and its workflow may get neither secrets nor variables (so client-id and tenant-id can be empty
 * too); a comment on a plain issue has no pull request to summarize; an `issue_comment` run goes on
 * only for the command from a trusted author, since it would get this repository's OIDC token
 * whoever commented.
 */
export function skipBeforeSettings(event: RunEvent, inputs: EarlyInputs, hasIdToken: boolean): Skip | undefined {
  const { pull_request: pull, issue } = event.payload as {
    pull_request?: { number?: number; head?: { repo?: { full_name?: string } | null }; base?: { repo?: { full_name?: string } } }
    issue?: { number?: number; pull_request?: unknown }
  }
  const fork = pull !== undefined && pull.head?.repo?.full_name !== pull.base?.repo?.full_name
  const wantsOidc = ['', 'auto', 'oidc'].includes(inputs.auth.trim().toLowerCase()) && inputs.apiKey.trim() === ''
  if (fork && wantsOidc && !hasIdToken) return forkWithoutOidc(pull?.number, event.name)
  if (event.name === 'issue_comment' && issue && !issue.pull_request && inputs.pullNumber.trim() === '') {
    return { reason: 'not-a-pull-request', message: `Issue #${issue.number ?? '?'} is not a pull request: nothing to summarize.` }
  }
  if (event.name === 'issue_comment') return commandGate(event, inputs.command, issue?.number)
  return undefined
}

/** An `issue_comment` run that is not the command, or whose author may not start a run. */
function commandGate(event: RunEvent, commandInput: string, number: number | undefined): Skip | undefined {
  const command = parseCommand(commandInput)
  const comment = eventComment(event.payload)
  const where = `Comment ${comment?.id ?? '?'} on PR #${number ?? '?'}`
  // The body is not quoted: it is the commenter's text, and the log is no place for it.
  if (!comment || comment.action === 'deleted' || !isCommand(comment.body, command)) {
    return {
      reason: 'not-a-command',
      message: `${where} is not the command '${command}' (its first line must be exactly that): nothing to do. Add "if: startsWith(github.event.comment.body, '${command}')" to the job so that other comments start no run.`
    }
  }
  if (!isTrusted(comment.association)) {
    return {
      reason: 'not-authorized',
      message: `${where}: '${comment.login}' (author_association ${comment.association || 'NONE'}) may not run '${command}'; only ${TRUSTED_ASSOCIATIONS.join(', ')} may, since the run uses this repository's Azure identity. An organization member whose membership is private counts as CONTRIBUTOR: make the membership public, or add them as a collaborator.`
    }
  }
  return undefined
}

/** A fork PR that cannot get an OIDC token (GitHub gives none to forks under `pull_request`). */
export function forkWithoutOidc(number: number | undefined, eventName: string): Skip {
  return {
    reason: 'fork-without-oidc',
    message: `PR #${number ?? '?'} comes from a fork, and GitHub gives fork PRs no OIDC token under '${eventName}': skipped. See the README section "Forks" to summarize fork PRs safely.`
  }
}
