/**
 * Reading the pull request through the REST API: the PR, its changed files and its commit messages.
 * Pages are fetched in parallel: their number is known from the PR's `changed_files` and `commits`.
 */
import { ActionError } from './errors.js'
import { explainGitHubError, statusOf, type Octokit } from './github.js'
import type { ChangedFile, CommitInfo, Log, PullRequestData, PullRequestInfo, RepoRef } from './types.js'

/**
 * GitHub lists at most 3,000 files of a pull request
 * (https://docs.github.com/en/rest/pulls/pulls#list-pull-requests-files).
 */
export const GITHUB_FILES_LIMIT = 3000

/**
 * GitHub lists at most 250 commits of a pull request
 * (https://docs.github.com/en/rest/pulls/pulls#list-commits-on-a-pull-request).
 */
export const GITHUB_COMMITS_LIMIT = 250

/** The largest page GitHub serves. */
const PER_PAGE = 100

/** Later pages asked for at once (pagesFrom). */
const PAGE_CONCURRENCY = 10

type FilePage = Awaited<ReturnType<Octokit['rest']['pulls']['listFiles']>>['data']
type CommitPage = Awaited<ReturnType<Octokit['rest']['pulls']['listCommits']>>['data']
type PullResponse = Awaited<ReturnType<Octokit['rest']['pulls']['get']>>['data']

/**
 * The PR, every file GitHub lists (those without a `patch` — binary or too large — keep their stats)
 * and the first commit messages. Page 1 of files and commits is fetched alongside the PR; the other
 * pages, once the PR's counts are known, all at once, without waiting for page 1. `onPull` hears of
 * the PR itself as soon as it is read, and gets the first page of its files as it comes, so that work
 * which depends only on them can start before the other pages are in.
 */
export async function readPullRequest(
  octokit: Octokit,
  ref: RepoRef,
  number: number,
  log: Log,
  onPull?: (pr: PullRequestInfo, firstFiles: Promise<ChangedFile[]>) => void
): Promise<PullRequestData> {
  // Once one request fails the PR cannot be read: the others are cancelled rather than retried.
  const siblings = new AbortController()
  const request = { signal: siblings.signal }
  // Pages are parsed plainly (github.ts plainJson): they are most of what a big PR's run reads.
  const params = {
    owner: ref.owner,
    repo: ref.repo,
    pull_number: number,
    per_page: PER_PAGE,
    request: { ...request, plainJson: true }
  }
  const pr = `pull request #${number} of ${ref.owner}/${ref.repo}`
  // Each request explains its own failure, so a missing page is not reported as a missing PR.
  const listing = <T>(what: 'changed files' | 'commits', page: number, fetchPage: () => Promise<T>): Promise<T> =>
    fetchPage().catch((error: unknown) => {
      throw statusOf(error) === 404
        ? new ActionError(
            `Could not list the ${what} of ${pr} (page ${page}): GitHub answered 404 for that page although the pull request exists; re-run the job (the pull request may have changed while it was being read).`,
            { cause: error }
          )
        : explainGitHubError(error, { action: `list the ${what} of ${pr} (page ${page})` })
    })
  // Each page is kept as ChangedFiles only: the rest of GitHub's answer (URLs, blob ids) is let go at once.
  const filesPage = (page: number): Promise<ChangedFile[]> =>
    listing('changed files', page, () => octokit.rest.pulls.listFiles({ ...params, page }).then((r) => r.data.map(toChangedFile)))
  const commitsPage = (page: number): Promise<CommitPage> =>
    listing('commits', page, () => octokit.rest.pulls.listCommits({ ...params, page }).then((r) => r.data))
  const laterPages = <T>(count: number, fetchPage: (page: number) => Promise<T>): Promise<T[]> => pagesFrom(2, count, fetchPage)

  const pullPromise = octokit.rest.pulls
    .get({ owner: ref.owner, repo: ref.repo, pull_number: number, request })
    .then((r) => r.data)
  const firstPages = Promise.all([filesPage(1), commitsPage(1)])
  // Settled below, after the PR itself: when the PR is missing, its own 404 is the one to report.
  firstPages.catch(() => undefined)
  try {
    let pull: PullResponse
    try {
      pull = await pullPromise
    } catch (error) {
      throw explainGitHubError(error, { action: `read ${pr}`, pullRequest: { ...ref, number } })
    }
    // The PR's counts say how many pages there are: they are asked for now, beside the first ones.
    const filePages = Math.ceil(Math.min(pull.changed_files, GITHUB_FILES_LIMIT) / PER_PAGE)
    const commitPages = Math.ceil(Math.min(pull.commits, GITHUB_COMMITS_LIMIT) / PER_PAGE)
    const later = Promise.all([laterPages(filePages, filesPage), laterPages(commitPages, commitsPage)])
    // Settled below, after the first pages, whose failure is the one to report first.
    later.catch(() => undefined)
    const info = toPullRequestInfo(ref, pull)
    if (onPull) {
      const firstFiles = firstPages.then(([files]) => files)
      // Its failure is the read's, reported below; whoever listens need not handle it.
      firstFiles.catch(() => undefined)
      onPull(info, firstFiles)
    }
    const [firstFiles, firstCommits] = await firstPages
    const [moreFiles, moreCommits] = await later

    const files = [firstFiles, ...moreFiles].flat()
    const commits = [firstCommits, ...moreCommits].flat().slice(0, GITHUB_COMMITS_LIMIT).map(toCommitInfo)
    const filesTruncated = pull.changed_files > GITHUB_FILES_LIMIT
    if (filesTruncated) {
      log.info(
        `PR #${number} changes ${pull.changed_files} files; GitHub lists only the first ${GITHUB_FILES_LIMIT}; the summary says how many it leaves out.`
      )
    }
    return { pr: info, files, commits, filesTruncated }
  } catch (error) {
    siblings.abort()
    throw error
  }
}

/**
 * Pages `first`..`last`, at most PAGE_CONCURRENCY of them in flight at once, in page order. GitHub asks
 * clients not to send many requests at once (secondary rate limits), and every answer in flight is
 * held in memory: 30 pages at once raised the peak memory of a 3,000-file run by ~15 MB.
 */
async function pagesFrom<T>(first: number, last: number, fetchPage: (page: number) => Promise<T>): Promise<T[]> {
  const pages: T[] = []
  let next = first
  const worker = async (): Promise<void> => {
    while (next <= last) {
      const page = next++
      pages[page - first] = await fetchPage(page)
    }
  }
  await Promise.all(Array.from({ length: Math.min(PAGE_CONCURRENCY, Math.max(0, last - first + 1)) }, worker))
  return pages
}

function toPullRequestInfo(ref: RepoRef, pull: PullResponse): PullRequestInfo {
  return {
    owner: ref.owner,
    repo: ref.repo,
    number: pull.number,
    title: pull.title,
    body: pull.body ?? '',
    draft: pull.draft ?? false,
    htmlUrl: pull.html_url,
    headSha: pull.head.sha,
    baseSha: pull.base.sha,
    baseRef: pull.base.ref,
    author: pull.user?.login ?? '',
    // A deleted fork leaves `head.repo` null; it was a fork all the same.
    isFork: pull.head.repo?.full_name !== pull.base.repo.full_name,
    changedFiles: pull.changed_files,
    ...(typeof pull.additions === 'number' && typeof pull.deletions === 'number'
      ? { changedLines: pull.additions + pull.deletions }
      : {})
  }
}

function toChangedFile(file: FilePage[number]): ChangedFile {
  return {
    filename: file.filename,
    ...(file.previous_filename !== undefined ? { previousFilename: file.previous_filename } : {}),
    status: file.status,
    additions: file.additions,
    deletions: file.deletions,
    ...(file.patch !== undefined ? { patch: file.patch } : {}),
    ...(file.sha ? { sha: file.sha } : {})
  }
}

function toCommitInfo(commit: CommitPage[number]): CommitInfo {
  return { sha: commit.sha, message: commit.commit.message }
}
