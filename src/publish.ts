/**
 * Publishing the summary on the PR: one sticky comment, updated in place, or a delimited section of
 * the PR description. Only what carries our marker and was written by our own identity is ever edited.
 */
import { explainGitHubError, statusOf, type Octokit } from './github.js'
import { codePointLength, GITHUB_BODY_LIMIT } from './limits.js'
import { DESCRIPTION_END, descriptionStart, findDescriptionSection, type MarkerState, parseCommentMarker } from './marker.js'
import type { Log, RepoRef } from './types.js'

/** The login the default `GITHUB_TOKEN` posts as. */
const ACTIONS_BOT_LOGIN = 'github-actions[bot]'

/** A POST that failed with 5xx or a timeout may have created the comment all the same; tries in all. */
const CREATE_ATTEMPTS = 3

/** Who the action writes as: a login from `GET /user`, or, for installation tokens, github-actions[bot]. */
export interface Identity {
  readonly login?: string
  /** `GET /user` was refused (installation token): only github-actions[bot] comments are candidates. */
  readonly botOnly: boolean
  /** Bots whose marked comment GitHub refused to let us edit (a custom App token meeting the default token's comment). */
  readonly notUs?: readonly string[]
}

/** The pull request being published to. */
export interface PublishTarget extends RepoRef {
  readonly number: number
}

/** A comment of ours: it starts with our marker and was written by our identity. */
export interface OurComment {
  readonly id: number
  readonly url: string
  readonly author: string
  /** What its marker records: fingerprint, head and update history. */
  readonly marker: MarkerState
  readonly body: string
}

/**
 * The identity comments are matched against. Installation tokens (the default `GITHUB_TOKEN`, GitHub
 * Apps) get 403 from `GET /user`; their comments are written by a Bot, so `botOnly` is returned.
 */
export async function resolveIdentity(octokit: Octokit, log: Log): Promise<Identity> {
  try {
    const { data } = await octokit.rest.users.getAuthenticated()
    log.debug(`github-token belongs to ${data.login}: only its comments are candidates for the summary.`)
    return { login: data.login, botOnly: false }
  } catch (error) {
    if (statusOf(error) === 403) {
      log.debug(
        'github-token is an installation token (GET /user refused): only comments written by github-actions[bot] are candidates.'
      )
      return { botOnly: true }
    }
    throw explainGitHubError(error, { action: 'identify the user of the github-token (GET /user)' })
  }
}

/**
 * Our comments on the PR, oldest first, from every page of its comments. With a `botOnly` identity
 * (an installation token) only comments by `github-actions[bot]` are candidates, unless it is in `notUs`.
 */
export async function findOurComments(octokit: Octokit, target: PublishTarget, identity: Identity): Promise<OurComment[]> {
  let comments
  try {
    comments = await octokit.paginate(octokit.rest.issues.listComments, {
      owner: target.owner,
      repo: target.repo,
      issue_number: target.number,
      per_page: 100
    })
  } catch (error) {
    throw explainGitHubError(error, { action: `list the comments of ${describe(target)}`, pullRequest: target })
  }
  const marked = comments
    .filter((comment) => parseCommentMarker(comment.body) !== undefined && isWrittenBy(comment.user, identity))
    .sort((a, b) => a.id - b.id)
  return marked.map((comment) => ({
    id: comment.id,
    url: comment.html_url,
    author: comment.user?.login ?? '',
    marker: parseCommentMarker(comment.body) ?? { fingerprint: '' },
    body: comment.body ?? ''
  }))
}

function isWrittenBy(user: { login: string; type: string } | null | undefined, identity: Identity): boolean {
  if (!user) return false
  if (identity.login !== undefined) return user.login.toLowerCase() === identity.login.toLowerCase()
  // Which Bot an installation token writes as cannot be asked (GET /user is refused). The default
  // token writes as github-actions[bot], so only that Bot's comments are taken for ours; another
  // Bot's comment is never edited, whatever marker it carries: it could be another app's.
  return identity.botOnly && user.type === 'Bot' && user.login === ACTIONS_BOT_LOGIN && !identity.notUs?.includes(user.login)
}

/**
 * Publishes `body` (our marker line included) as the one summary comment: updates ours in place, or
 * creates it when there is none. A concurrent run may create one at the same moment, so after creating,
 * the oldest of ours is kept (with this body) and newer ones are deleted.
 */
export async function publishComment(
  octokit: Octokit,
  target: PublishTarget,
  body: string,
  identity: Identity,
  log: Log
): Promise<{ id: number; url: string }> {
  const existing = await findOurComments(octokit, target, identity)
  if (existing[0]) {
    try {
      return await keepOldest(octokit, target, existing, body, log)
    } catch (error) {
      // An installation token cannot ask who it is (GET /user is refused), so "ours" was a guess among
      // Bots; GitHub refusing the edit says that Bot is someone else (another app, or a custom App token).
      if (!identity.botOnly || !isForbidden(error)) throw error
      const other = existing[0].author
      log.info(`The marked comment by ${other} is not ours (GitHub refused the edit): leaving it alone.`)
      return publishComment(octokit, target, body, { ...identity, notUs: [...(identity.notUs ?? []), other] }, log)
    }
  }

  const created = await createComment(octokit, target, body, identity, log)
  const ours = await findOurComments(octokit, target, created.author)
  const onlyOurs = ours.length === 0 || (ours.length === 1 && ours[0]?.id === created.id)
  return onlyOurs ? { id: created.id, url: created.url } : keepOldest(octokit, target, ours, body, log)
}

/** Puts `body` on the oldest of `ours` and deletes the others. */
async function keepOldest(
  octokit: Octokit,
  target: PublishTarget,
  ours: readonly OurComment[],
  body: string,
  log: Log
): Promise<{ id: number; url: string }> {
  const [oldest, ...newer] = ours as [OurComment, ...OurComment[]]
  if (oldest.body === body) {
    log.info(`The summary comment is already up to date: ${oldest.url}`)
  } else {
    await explained(
      () => octokit.rest.issues.updateComment({ owner: target.owner, repo: target.repo, comment_id: oldest.id, body }),
      { action: `update the summary comment on ${describe(target)}`, write: true, bodyLength: codePointLength(body) }
    )
    log.info(`Updated the summary comment: ${oldest.url}`)
  }
  for (const duplicate of newer) await deleteComment(octokit, target, duplicate, log)
  return { id: oldest.id, url: oldest.url }
}

/**
 * POSTs the comment without Octokit's retries: a POST that failed with 5xx may have been carried out, so
 * before each new attempt the comments are listed again. Returns the identity that wrote it, which is
 * exact even when `identity` was only "some Bot".
 */
async function createComment(
  octokit: Octokit,
  target: PublishTarget,
  body: string,
  identity: Identity,
  log: Log
): Promise<{ id: number; url: string; author: Identity }> {
  const context = {
    action: `create the summary comment on ${describe(target)}`,
    write: true,
    pullRequest: target,
    bodyLength: codePointLength(body)
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const { data } = await octokit.rest.issues.createComment({
        owner: target.owner,
        repo: target.repo,
        issue_number: target.number,
        body,
        request: { retries: 0 }
      })
      log.info(`Created the summary comment: ${data.html_url}`)
      return { id: data.id, url: data.html_url, author: data.user ? { login: data.user.login, botOnly: false } : identity }
    } catch (error) {
      const status = statusOf(error)
      if (status === undefined || status < 500 || attempt >= CREATE_ATTEMPTS) throw explainGitHubError(error, context)
      log.warning(
        `Creating the summary comment failed with ${status}; checking whether GitHub created it anyway before trying again.`
      )
      const [found] = await findOurComments(octokit, target, identity)
      if (found) {
        log.info(`The summary comment was created despite the error: ${found.url}`)
        return { id: found.id, url: found.url, author: identity }
      }
    }
  }
}

async function deleteComment(octokit: Octokit, target: PublishTarget, comment: OurComment, log: Log): Promise<void> {
  try {
    await octokit.rest.issues.deleteComment({ owner: target.owner, repo: target.repo, comment_id: comment.id })
    log.info(`Deleted a duplicate summary comment (a concurrent run): ${comment.url}`)
  } catch (error) {
    // The concurrent run resolves the same race the same way and may have deleted it first.
    if (statusOf(error) === 404) return
    throw explainGitHubError(error, { action: `delete a duplicate summary comment on ${describe(target)}`, write: true })
  }
}

/**
 * Writes `section` between our markers in the PR description, leaving the human text as it is.
 * The PR is read again first: if its head is no longer `expectedHeadSha`, a newer run owns the section
 * and nothing is written ('stale'). 'too-long' when the human text leaves no room for the section.
 */
export async function publishDescription(
  octokit: Octokit,
  target: PublishTarget,
  section: SectionRenderer,
  marker: MarkerState | string,
  expectedHeadSha: string,
  log: Log
): Promise<'updated' | 'stale' | 'too-long'> {
  const { data: pull } = await explained(
    () => octokit.rest.pulls.get({ owner: target.owner, repo: target.repo, pull_number: target.number }),
    { action: `read ${describe(target)}`, pullRequest: target }
  )
  if (pull.head.sha !== expectedHeadSha) {
    log.notice(
      `${describe(target)} moved from ${expectedHeadSha.slice(0, 7)} to ${pull.head.sha.slice(0, 7)} since this run started: its description is left to the newer run.`
    )
    return 'stale'
  }
  const current = pull.body ?? ''
  const next = spliceDescription(current, section, marker, GITHUB_BODY_LIMIT)
  if (next === undefined) {
    log.warning(
      `The description of ${describe(target)} is too long (${codePointLength(current)} of ${GITHUB_BODY_LIMIT} characters) to add a summary section: nothing written; use publish: comment for this PR.`
    )
    return 'too-long'
  }
  if (next === current) {
    log.info(`The summary section of the description is already up to date: ${pull.html_url}`)
    return 'updated'
  }
  await explained(
    () => octokit.rest.pulls.update({ owner: target.owner, repo: target.repo, pull_number: target.number, body: next }),
    {
      action: `update the description of ${describe(target)}`,
      write: true,
      pullRequest: target,
      bodyLength: codePointLength(next)
    }
  )
  log.info(`Updated the summary section of the description: ${pull.html_url}`)
  return 'updated'
}

/**
 * Renders our section within `room` code points. Shortening happens there, on the markdown syntax
 * tree: cutting rendered markdown as text could split a code span and revive a mention it held.
 */
export type SectionRenderer = (room: number) => string

/** Below this much room our section would say nothing useful: the description is left alone. */
const MIN_SECTION_ROOM = 500

/**
 * The PR body with our section (between `descriptionStart(marker)` and `DESCRIPTION_END`)
 * replaced, or appended after a blank line the first time. Human text above and below is kept byte
 * for byte, and only our section is fitted into what room the human text leaves under `limit` code
 * points. Undefined when that room is too small, or the rendered section does not fit it.
 */
export function spliceDescription(
  prBody: string,
  section: SectionRenderer,
  marker: MarkerState | string,
  limit: number
): string | undefined {
  const existing = findDescriptionSection(prBody)
  const before = existing ? prBody.slice(0, existing.start) : prBody + separatorAfter(prBody)
  const after = existing ? prBody.slice(existing.end) : ''
  const build = (text: string): string => `${before}${descriptionStart(marker)}\n${text}\n${DESCRIPTION_END}${after}`
  const room = limit - codePointLength(build(''))
  if (room < MIN_SECTION_ROOM) return undefined
  const body = build(section(room))
  return codePointLength(body) <= limit ? body : undefined
}

/** A blank line between the human text and our section, as markdown needs to start a new block. */
function separatorAfter(text: string): string {
  if (text === '' || /\r?\n\r?\n$/.test(text)) return ''
  return /\r?\n$/.test(text) ? '\n' : '\n\n'
}

function describe(target: PublishTarget): string {
  return `${target.owner}/${target.repo}#${target.number}`
}

/** A plain 403 (not a rate limit, which GitHub also answers with 403). */
function isForbidden(error: unknown): boolean {
  const cause = (error as { cause?: { status?: unknown; message?: unknown } }).cause
  return cause?.status === 403 && !/rate limit/i.test(String(cause.message ?? ''))
}

/** Runs one GitHub call, turning its failure into a one-line fix. */
async function explained<T>(call: () => Promise<T>, context: Parameters<typeof explainGitHubError>[1]): Promise<T> {
  try {
    return await call()
  } catch (error) {
    throw explainGitHubError(error, context)
  }
}
