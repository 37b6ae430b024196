/**
 * Every reason a run ends on purpose without summarizing, decided in one place: a notice, exit 0,
 * `skipped=<reason>`. Those decided from the event come before settings are read and before any
 * token is requested (src/early-skips.ts, re-exported here); those that need the PR come right after
 * it is read.
 */
import { minimatch } from 'minimatch'
import type { Skip } from './early-skips.js'
import type { PullRequestData, PullRequestInfo, RunResult, Settings } from './types.js'

export { type EarlyInputs, forkWithoutOidc, type RunEvent, type Skip, skipBeforeSettings } from './early-skips.js'

/**
 * Runs that end once the PR itself is read, before any token: a PR by one of `skip-authors`, or a
 * draft. A trusted command (`forced`) summarizes them all the same.
 */
export function skipForPullRequest(
  pr: PullRequestInfo,
  settings: Pick<Settings, 'skipDrafts' | 'skipAuthors'>,
  forced = false
): Skip | undefined {
  const authorGlob = forced ? undefined : matchingAuthorGlob(pr.author, settings.skipAuthors)
  if (authorGlob !== undefined) {
    return {
      reason: 'author',
      message: `PR #${pr.number} is by '${pr.author}', who matches skip-authors '${authorGlob}': not summarized (remove the login from skip-authors, or comment the command, /summarize by default, to summarize this one).`
    }
  }
  if (pr.draft && settings.skipDrafts && !forced) {
    return {
      reason: 'draft',
      message: `PR #${pr.number} is a draft: not summarized until it is marked ready for review (set skip-drafts: false to summarize drafts).`
    }
  }
  return undefined
}

/** Runs that end once the PR is read: skipForPullRequest, or a PR that changes no file. */
export function skipAfterRead(
  data: PullRequestData,
  settings: Pick<Settings, 'skipDrafts' | 'skipAuthors'>,
  forced = false
): Skip | undefined {
  const skip = skipForPullRequest(data.pr, settings, forced)
  if (skip) return skip
  if (data.files.length === 0)
    return { reason: 'no-files', message: `PR #${data.pr.number} changes no files: nothing to summarize.` }
  return undefined
}

/**
 * The first skip-authors glob that matches `login`, case-insensitively as GitHub compares logins.
 * `[` and `]` are literal, so that `dependabot[bot]` names the app rather than a character class.
 */
export function matchingAuthorGlob(login: string, globs: readonly string[]): string | undefined {
  if (login === '') return undefined
  return globs.find((glob) => minimatch(login, glob.replace(/[[\]]/g, '\\$&'), { nocase: true }))
}

/** The outputs of a skipped run: nothing summarized, nothing spent, and the reason in the job summary. */
export function skippedResult(skip: Skip, filesTotal: number): RunResult {
  return {
    summary: '',
    published: false,
    skipped: skip.reason,
    filesTotal,
    filesSummarized: 0,
    filesOmitted: 0,
    promptTokens: 0,
    completionTokens: 0,
    modelCalls: 0,
    jobSummary: `### Azure OpenAI PR summary skipped\n\n${skip.message}\n`
  }
}
