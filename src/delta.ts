/**
 * What changed since the last summary: the compare API between the head that was summarized last and
 * the new head. Only the PR's own files count (a merge of the base branch brings others along), and a
 * head that is gone or no longer an ancestor (force-push, rebase) means the history was rewritten.
 */
import { explainGitHubError, statusOf, type Octokit } from './github.js'
import type { ChangedFile, Log, RepoRef, SinceLastSummary } from './types.js'

/**
 * The delta from `from` to `to`, restricted to `prFiles`; undefined when it cannot be read (the
 * summary then covers the whole PR as usual, with a warning).
 */
export async function readSinceLastSummary(
  octokit: Octokit,
  ref: RepoRef,
  range: { readonly from: string; readonly to: string },
  prFiles: readonly ChangedFile[],
  log: Log
): Promise<SinceLastSummary | undefined> {
  const rewritten = { kind: 'rewritten', ...range } as const
  let data: Awaited<ReturnType<Octokit['rest']['repos']['compareCommitsWithBasehead']>>['data']
  try {
    ;({ data } = await octokit.rest.repos.compareCommitsWithBasehead({ ...ref, basehead: `${range.from}...${range.to}` }))
  } catch (error) {
    // GitHub answers 404 for a commit that is gone, such as the old head after a force-push.
    if (statusOf(error) === 404) return rewritten
    const explained = explainGitHubError(error, { action: `compare ${range.from.slice(0, 7)}...${range.to.slice(0, 7)}` })
    log.warning(`${explained.message} The summary covers the whole PR without a "since the last summary" section.`)
    return undefined
  }
  // 'diverged' or 'behind': the old head is not an ancestor of the new one, so the branch was rewritten.
  if (data.status !== 'ahead') return data.status === 'identical' ? undefined : rewritten
  const listed = new Set(prFiles.map((file) => file.filename))
  const files: ChangedFile[] = (data.files ?? [])
    .filter((file) => listed.has(file.filename))
    .map((file) => ({
      filename: file.filename,
      ...(file.previous_filename !== undefined ? { previousFilename: file.previous_filename } : {}),
      status: file.status,
      additions: file.additions,
      deletions: file.deletions,
      ...(file.patch !== undefined ? { patch: file.patch } : {})
    }))
  return {
    kind: 'delta',
    ...range,
    commits: data.commits.map((commit) => ({ sha: commit.sha, message: commit.commit.message })),
    files
  }
}
