/**
 * The reactions of a command run on its comment. They are feedback only: a reaction GitHub refuses is
 * one warning with the fix, and never decides whether the run succeeds.
 */
import type { CommandRun } from './command.js'
import { oneLine } from './errors.js'
import { statusOf, type Octokit } from './github.js'
import type { Log, RepoRef, RunResult } from './types.js'

type Reaction = 'eyes' | 'rocket' | 'confused'

/**
 * Runs `work` for a command comment and says so on the comment: 👀 when it starts, 🚀 when a summary
 * was written, 😕 when the run failed or ended without one (its notice or error says why). A reaction
 * that GitHub refuses is one warning with the fix; it never fails the run.
 */
export async function acknowledgeCommand(
  github: Octokit,
  repo: RepoRef,
  command: CommandRun,
  log: Log,
  work: () => Promise<RunResult>
): Promise<RunResult> {
  let warned = false
  const react = async (content: Reaction): Promise<void> => {
    try {
      await github.rest.reactions.createForIssueComment({ ...repo, comment_id: command.commentId, content })
    } catch (error) {
      if (warned) return
      warned = true
      log.warning(reactionFailureMessage(content, command.commentId, error))
    }
  }
  log.info(`Started by the command comment ${command.commentId} of ${command.author}: a fresh summary is written.`)
  // Not awaited before the work: the reaction is feedback, and the run should not wait for it.
  const started = react('eyes')
  let result: RunResult
  try {
    result = await work()
  } catch (error) {
    await started
    await react('confused')
    throw error
  }
  await started
  await react(result.skipped === '' ? 'rocket' : 'confused')
  return result
}

function reactionFailureMessage(content: Reaction, commentId: number, error: unknown): string {
  const status = statusOf(error)
  const detail = oneLine((error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '')
  const doing = `Could not add the '${content}' reaction to the command comment ${commentId} (${status === undefined ? detail : `${status} ${detail}`})`
  if (status === 403) {
    return `${doing}; the run goes on without it. Give the job "permissions: pull-requests: write", which covers reactions on a pull request's comments.`
  }
  if (status === 404) return `${doing}; the run goes on without it. The comment was deleted while the run worked.`
  return `${doing}; the run goes on without it.`
}
