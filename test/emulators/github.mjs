// @ts-check
/**
 * GitHub REST emulator: the slice of the API the action uses (contract: "GitHub API surface"), with
 * GitHub's JSON shapes, pagination, token kinds, author rules and size limits. Every route asks the
 * shared fault queue first, so tests can inject rate limits, 5xx, resets and hangs; every request is
 * recorded in `requests` ({ method, path, route }), so a test can assert that nothing was written.
 *
 * Routes and their fault-queue names:
 *   GET    /user                                        github.user
 *   GET    /repos/{o}/{r}/pulls/{n}                     github.pull
 *   PATCH  /repos/{o}/{r}/pulls/{n}                     github.pull.update
 *   GET    /repos/{o}/{r}/pulls/{n}/files               github.files     (3,000 files at most)
 *   GET    /repos/{o}/{r}/pulls/{n}/commits             github.commits   (250 commits at most)
 *   GET    /repos/{o}/{r}/compare/{base}...{head}       github.compare   (250 commits, 300 files)
 *   GET    /repos/{o}/{r}/contents/{path}?ref=          github.contents  (raw media type too)
 *   GET    /repos/{o}/{r}/issues/{n}/comments           github.comments.list
 *   POST   /repos/{o}/{r}/issues/{n}/comments           github.comments.create
 *   GET    /repos/{o}/{r}/issues/comments/{id}          github.comment.get
 *   PATCH  /repos/{o}/{r}/issues/comments/{id}          github.comment.update
 *   DELETE /repos/{o}/{r}/issues/comments/{id}          github.comment.delete
 *   GET    /repos/{o}/{r}/issues/comments/{id}/reactions        github.reactions.list
 *   POST   /repos/{o}/{r}/issues/comments/{id}/reactions        github.reactions.create
 *   DELETE /repos/{o}/{r}/issues/comments/{id}/reactions/{rid}  github.reaction.delete
 *
 * History. A planted PR is a real commit graph (git.mjs): its base commit, its commits, and trees of
 * file contents where the test planted them. `pushCommits` and `forcePush` move the head the way a
 * `git push` does, and `pulls/{n}`, `pulls/{n}/files`, `pulls/{n}/commits`, `compare` and `contents`
 * all answer from that graph, so they agree with each other:
 *
 *   const pr = samplePullRequest()                      // any { owner, repo, number } names a PR
 *   github.addPullRequest({ ...pr, baseContents: { '.github/pr-summary.md': 'Be brief.\n' } })
 *   const before = github.pull(pr.owner, pr.repo, pr.number).headSha
 *   const after = github.pushCommits(pr, { message: 'Add jitter', files: [{ filename: 'src/jitter.ts', content: 'export …\n' }] })
 *   // compare/{before}...{after} → status 'ahead', ahead_by 1, files: [src/jitter.ts, added, with its patch]
 *   const rewritten = github.forcePush(pr, { message: 'Squash', files: [...] })
 *   // compare/{after}...{rewritten} → 404 Not Found: the old head is gone, as after GitHub's gc
 *
 * A change in `files` is either `{ filename, content }` (string or bytes; `content: null` deletes; with
 * `previous_filename` it renames), from which the emulator computes the exact patch like git, or an
 * explicit entry `{ filename, status, additions, deletions, patch? }` taken as given (no `patch`: a
 * binary or too-large file, as GitHub lists those). The contents API serves what was planted as
 * content; a file known only by its patch answers 500 with a message saying to plant it.
 *
 * Test-side API, besides the routes:
 *   addPullRequest(spec)                    plant a PR; `baseContents`, `user: 'dependabot[bot]'` (a Bot),
 *                                           `association`; the base and head branches point at it
 *   pull(o, r, n)                           the stored PR, mutable (files, commits, headSha, body, …)
 *   pushCommits(pr, push | push[])          → new head sha; push = { message?, files?, date?, author? }
 *   forcePush(pr, { files?, message?, commits?, keepOldCommits? })  → new head sha
 *   setHeadSha(o, r, n, sha)                move the head without history (compare old...new: 404)
 *   commit(sha), fileAt(o, r, path, ref)    look into the graph
 *   addComment(o, r, n, { body, login?, type?, association? })  → the comment as GitHub shows it
 *                                           (its id takes reactions; fixtures' issueCommentEvent takes it)
 *   comments(o, r, n), reactions(commentId) what is on the PR
 *   requests, writes()                      every request ({ method, path, route }); the non-GET ones
 *   faults.add(route, fault, times?)        see faults.mjs; state.tokens / state.readOnlyTokens for tokens
 */
import { createServer } from 'node:http'
import { FaultQueue, sleep } from './faults.mjs'
import {
  ancestors,
  applyChange,
  blobOf,
  commitsBetween,
  commitSha,
  foldChanges,
  isBinary,
  isKnown,
  mergeBase,
  UNKNOWN
} from './git.mjs'

/** GitHub rejects issue-comment and PR bodies longer than this, counted in code points. */
export const GITHUB_BODY_MAX_CHARS = 65_536
/** pulls.listFiles returns at most 3,000 files (docs.github.com/rest/pulls/pulls#list-pull-requests-files). */
export const GITHUB_FILES_CAP = 3_000
/** pulls.listCommits returns at most 250 commits (docs.github.com/rest/pulls/pulls#list-commits-on-a-pull-request). */
export const GITHUB_COMMITS_CAP = 250
/** compare lists at most 250 commits without paging parameters: the most recent ones (docs.github.com/rest/commits/commits#compare-two-commits). */
export const GITHUB_COMPARE_COMMITS_CAP = 250
/** compare lists at most 300 changed files, on the first page only. */
export const GITHUB_COMPARE_FILES_CAP = 300
/** The contents API sends files up to 1 MB; larger ones come with `content: ''` and `encoding: 'none'` (docs.github.com/rest/repos/contents#get-repository-content). */
export const GITHUB_CONTENTS_MAX_BYTES = 1024 * 1024
/** Reaction types GitHub accepts (docs.github.com/rest/reactions/reactions#about-reactions). */
export const GITHUB_REACTIONS = Object.freeze(['+1', '-1', 'laugh', 'confused', 'heart', 'hooray', 'rocket', 'eyes'])
/** `per_page` is capped at 100 on every list endpoint; the default is 30. */
export const GITHUB_PER_PAGE_MAX = 100
const GITHUB_PER_PAGE_DEFAULT = 30

/** The token the emulator accepts as the job's default GITHUB_TOKEN (an installation token). */
export const DEFAULT_INSTALLATION_TOKEN = 'ghs_emulatedInstallationToken0000000000'
const BOT_LOGIN = 'github-actions[bot]'
const DOCS = 'https://docs.github.com/rest'
const COMPARE_DOCS = `${DOCS}/commits/commits#compare-two-commits`
const CONTENTS_DOCS = `${DOCS}/repos/contents#get-repository-content`
const REACTIONS_DOCS = `${DOCS}/reactions/reactions#create-reaction-for-an-issue-comment`
/** Stable ids of well-known bot accounts, so their JSON looks like GitHub's. */
const KNOWN_USER_IDS = /** @type {Record<string, number>} */ ({
  [BOT_LOGIN]: 41898282,
  'dependabot[bot]': 49699333,
  'renovate[bot]': 29139614
})

/**
 * @typedef {import('./git.mjs').FileSpec} FileSpec
 * @typedef {import('./git.mjs').Change} Change
 * @typedef {import('./git.mjs').CommitNode} CommitNode
 * @typedef {import('./git.mjs').Tree} Tree
 * @typedef {{ sha: string, message: string, date?: string, author?: string }} CommitSpec
 * @typedef {'OWNER' | 'MEMBER' | 'COLLABORATOR' | 'CONTRIBUTOR' | 'FIRST_TIME_CONTRIBUTOR' | 'FIRST_TIMER' | 'MANNEQUIN' | 'NONE'} Association
 * @typedef {{ owner: string, repo: string, number: number, title?: string, body?: string | null, draft?: boolean,
 *   headSha?: string, baseSha?: string, headRef?: string, baseRef?: string,
 *   headRepo?: string | { owner: string, repo: string }, user?: string, userType?: 'User' | 'Bot', association?: Association,
 *   state?: string, files?: Change[], commits?: CommitSpec[], baseContents?: Record<string, string | Uint8Array> }} PullSpec
 *   `user` ending in `[bot]` (dependabot[bot], renovate[bot]) is a Bot account unless `userType` says otherwise.
 *   `baseContents`: the files at the base commit (path → text or bytes), for the contents API and for
 *   exact patches of `{ filename, content }` changes.
 * @typedef {{ owner: string, repo: string, number: number }} PullRef  a PR; the fixtures' objects qualify
 * @typedef {{ message?: string, files?: Change[], date?: string, author?: string }} Push  one commit
 * @typedef {{ id: number, owner: string, repo: string, number: number, body: string, login: string, type: 'User' | 'Bot',
 *   association: Association, created_at: string, updated_at: string }} StoredComment
 * @typedef {{ id: number, commentId: number, login: string, type: 'User' | 'Bot', content: string, created_at: string }} StoredReaction
 * @typedef {{ owner: string, repo: string, number: number, title: string, body: string | null, draft: boolean,
 *   state: string, headSha: string, baseSha: string, headRef: string, baseRef: string, headOwner: string, headRepoName: string,
 *   user: string, userType: 'User' | 'Bot', association: Association, files: FileSpec[], commits: CommitSpec[],
 *   created_at: string, updated_at: string, id: number }} StoredPull
 * @typedef {{ status: number, json?: unknown, raw?: Buffer, headers?: Record<string, string> }} Answer
 * @typedef {{ kind: 'installation' | 'user', login: string, token: string }} Caller
 */

/**
 * Starts the emulator on 127.0.0.1 (port 0).
 * @param {{ ghes?: boolean }} [options] ghes: serve under `/api/v3` like GitHub Enterprise Server.
 */
export async function startGitHub({ ghes = false } = {}) {
  const faults = new FaultQueue()
  /** @type {{ method: string, path: string, route: string }[]} */
  const requests = []
  const state = {
    /** token → login. `ghs_…` tokens act as installation tokens, `ghp_…`/`github_pat_…` as users. */
    tokens: /** @type {Record<string, string>} */ ({ [DEFAULT_INSTALLATION_TOKEN]: BOT_LOGIN, ghp_user: 'octo-user' }),
    /** Tokens that may read but not write (like `pull-requests: read`). */
    readOnlyTokens: /** @type {Set<string>} */ (new Set()),
    /** @type {Map<string, StoredPull>} */
    pulls: new Map(),
    /** @type {Map<number, StoredComment>} */
    comments: new Map(),
    /** Reactions per comment id, oldest first. @type {Map<number, StoredReaction[]>} */
    reactions: new Map(),
    /** Every commit of every planted repository, by sha (a fork network shares them). @type {Map<string, CommitNode>} */
    commits: new Map(),
    /** Branch tips per repository: `owner/repo` (lower case) → branch → sha. @type {Map<string, Map<string, string>>} */
    branches: new Map(),
    nextCommentId: 1_000_000_001,
    nextReactionId: 150_000_001,
    nextCommitSeq: 1,
    nextRequestId: 1
  }
  /** @type {Map<string, number>} */
  const remaining = new Map()

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ message: `emulator error: ${error instanceof Error ? error.message : error}` }))
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)))
  const address = /** @type {import('node:net').AddressInfo} */ (server.address())
  const origin = `http://127.0.0.1:${address.port}`
  const prefix = ghes ? '/api/v3' : ''
  const apiUrl = origin + prefix
  const serverUrl = origin

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  async function handle(req, res) {
    const url = new URL(req.url ?? '/', origin)
    const method = req.method ?? 'GET'
    const match = matchRoute(method, url.pathname)
    requests.push({ method, path: url.pathname + url.search, route: match?.route ?? 'unknown' })
    res.setHeader('x-github-request-id', `EMU0:${(state.nextRequestId++).toString(16).toUpperCase()}`)
    res.setHeader('x-github-media-type', 'github.v3; format=json')
    const rawBody = await readBody(req)
    if (!match) return send(res, { status: 404, json: { message: 'Not Found', documentation_url: DOCS, status: '404' } })

    const fault = faults.take(match.route)
    if (fault?.delayMs) await sleep(fault.delayMs)
    const caller = authenticate(req.headers.authorization)
    if (caller) setRateLimitHeaders(res, caller.token)
    if (fault && !fault.after && faults.respond(fault, req, res)) return

    let answer
    if (!caller) {
      answer = { status: 401, json: { message: 'Bad credentials', documentation_url: DOCS, status: '401' } }
    } else {
      let payload = {}
      if (rawBody.length > 0) {
        try {
          payload = JSON.parse(rawBody)
        } catch {
          return send(res, { status: 400, json: { message: 'Problems parsing JSON', documentation_url: DOCS, status: '400' } })
        }
      }
      answer = match.serve(caller, url, payload, req.headers)
    }
    if (fault?.after && faults.respond(fault, req, res)) return
    send(res, answer)
  }

  /** @param {string | undefined} header @returns {Caller | undefined} */
  function authenticate(header) {
    const token = /^(?:token|bearer)\s+(\S+)$/i.exec(header ?? '')?.[1]
    if (!token || !(token in state.tokens)) return undefined
    const login = /** @type {string} */ (state.tokens[token])
    if (token.startsWith('ghs_')) return { kind: 'installation', login, token }
    if (token.startsWith('ghp_') || token.startsWith('github_pat_')) return { kind: 'user', login, token }
    return undefined
  }

  /** @param {import('node:http').ServerResponse} res @param {string} token */
  function setRateLimitHeaders(res, token) {
    // The default GITHUB_TOKEN gets 1,000 requests per hour per repository; user tokens 5,000.
    const limit = token.startsWith('ghs_') ? 1000 : 5000
    const left = Math.max(0, (remaining.get(token) ?? limit) - 1)
    remaining.set(token, left)
    res.setHeader('x-ratelimit-limit', String(limit))
    res.setHeader('x-ratelimit-remaining', String(left))
    res.setHeader('x-ratelimit-used', String(limit - left))
    res.setHeader('x-ratelimit-reset', String(Math.floor(Date.now() / 1000) + 3600))
    res.setHeader('x-ratelimit-resource', 'core')
  }

  /**
   * @param {string} method
   * @param {string} pathname
   * @returns {{ route: string, serve: (caller: Caller, url: URL, payload: any, headers: import('node:http').IncomingHttpHeaders) => Answer } | undefined}
   */
  function matchRoute(method, pathname) {
    if (!pathname.startsWith(prefix + '/')) return undefined
    const path = pathname.slice(prefix.length)
    /** @type {RegExpExecArray | null} */
    let m
    if (path === '/user' && method === 'GET') return { route: 'github.user', serve: (caller) => getUser(caller) }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/.exec(path))) {
      const [o, r, n] = [decodeURIComponent(m[1] ?? ''), decodeURIComponent(m[2] ?? ''), Number(m[3])]
      if (method === 'GET') return { route: 'github.pull', serve: () => getPull(o, r, n) }
      if (method === 'PATCH') return { route: 'github.pull.update', serve: (c, _u, p) => updatePull(c, o, r, n, p) }
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)\/(files|commits)$/.exec(path)) && method === 'GET') {
      const [o, r, n] = [decodeURIComponent(m[1] ?? ''), decodeURIComponent(m[2] ?? ''), Number(m[3])]
      if (m[4] === 'files') return { route: 'github.files', serve: (_c, u) => listFiles(o, r, n, u) }
      return { route: 'github.commits', serve: (_c, u) => listCommits(o, r, n, u) }
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(path))) {
      const [o, r, n] = [decodeURIComponent(m[1] ?? ''), decodeURIComponent(m[2] ?? ''), Number(m[3])]
      if (method === 'GET') return { route: 'github.comments.list', serve: (_c, u) => listComments(o, r, n, u) }
      if (method === 'POST') return { route: 'github.comments.create', serve: (c, _u, p) => createComment(c, o, r, n, p) }
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(path))) {
      const [o, r, id] = [decodeURIComponent(m[1] ?? ''), decodeURIComponent(m[2] ?? ''), Number(m[3])]
      if (method === 'GET') return { route: 'github.comment.get', serve: () => getComment(o, r, id) }
      if (method === 'PATCH') return { route: 'github.comment.update', serve: (c, _u, p) => updateComment(c, o, r, id, p) }
      if (method === 'DELETE') return { route: 'github.comment.delete', serve: (c) => deleteComment(c, o, r, id) }
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)\/reactions$/.exec(path))) {
      const [o, r, id] = [decodeURIComponent(m[1] ?? ''), decodeURIComponent(m[2] ?? ''), Number(m[3])]
      if (method === 'GET') return { route: 'github.reactions.list', serve: (_c, u) => listReactions(o, r, id, u) }
      if (method === 'POST') return { route: 'github.reactions.create', serve: (c, _u, p) => createReaction(c, o, r, id, p) }
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)\/reactions\/(\d+)$/.exec(path)) && method === 'DELETE') {
      const [o, r, id, rid] = [decodeURIComponent(m[1] ?? ''), decodeURIComponent(m[2] ?? ''), Number(m[3]), Number(m[4])]
      return { route: 'github.reaction.delete', serve: (c) => deleteReaction(c, o, r, id, rid) }
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/compare\/(.+)$/.exec(path)) && method === 'GET') {
      const [o, r, basehead] = [decodeURIComponent(m[1] ?? ''), decodeURIComponent(m[2] ?? ''), decodeURIComponent(m[3] ?? '')]
      return { route: 'github.compare', serve: (_c, u) => compare(o, r, basehead, u) }
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/contents(?:\/(.*))?$/.exec(path)) && method === 'GET') {
      const [o, r] = [decodeURIComponent(m[1] ?? ''), decodeURIComponent(m[2] ?? '')]
      // Octokit sends `path` with its slashes as %2F; GitHub accepts both.
      const file = decodeURIComponent(m[3] ?? '').replace(/^\/+|\/+$/g, '')
      return { route: 'github.contents', serve: (_c, u, _p, h) => getContents(o, r, file, u, h) }
    }
    return undefined
  }

  // --- route handlers: pure functions of state → Answer -------------------------------------------

  /** @param {Caller} caller @returns {Answer} */
  function getUser(caller) {
    if (caller.kind === 'installation') return notAccessible()
    return { status: 200, json: userJson(caller.login, 'User') }
  }

  /** @param {string} o @param {string} r @param {number} n @returns {Answer} */
  function getPull(o, r, n) {
    const pr = state.pulls.get(key(o, r, n))
    return pr ? { status: 200, json: pullJson(pr) } : notFound()
  }

  /** @param {Caller} caller @param {string} o @param {string} r @param {number} n @param {any} payload @returns {Answer} */
  function updatePull(caller, o, r, n, payload) {
    const pr = state.pulls.get(key(o, r, n))
    if (!pr) return notFound()
    if (state.readOnlyTokens.has(caller.token)) return notAccessible()
    if (typeof payload.body === 'string' && tooLong(payload.body))
      return bodyTooLong('PullRequest', 'pulls/pulls#update-a-pull-request')
    if (typeof payload.body === 'string' || payload.body === null) pr.body = payload.body
    if (typeof payload.title === 'string') pr.title = payload.title
    if (payload.state === 'open' || payload.state === 'closed') pr.state = payload.state
    pr.updated_at = new Date().toISOString()
    return { status: 200, json: pullJson(pr) }
  }

  /** @param {string} o @param {string} r @param {number} n @param {URL} url @returns {Answer} */
  function listFiles(o, r, n, url) {
    const pr = state.pulls.get(key(o, r, n))
    if (!pr) return notFound()
    const tree = state.commits.get(pr.headSha)?.tree
    return paginate(pr.files.slice(0, GITHUB_FILES_CAP), url, (f) => fileJson(pr.owner, pr.repo, pr.headSha, f, tree))
  }

  /** @param {string} o @param {string} r @param {number} n @param {URL} url @returns {Answer} */
  function listCommits(o, r, n, url) {
    const pr = state.pulls.get(key(o, r, n))
    if (!pr) return notFound()
    return paginate(pr.commits.slice(0, GITHUB_COMMITS_CAP), url, (c) => commitJson(pr.owner, pr.repo, c.sha, c, pr))
  }

  /** @param {string} o @param {string} r @param {number} n @param {URL} url @returns {Answer} */
  function listComments(o, r, n, url) {
    if (!state.pulls.has(key(o, r, n))) return notFound()
    return paginate(commentsOf(o, r, n), url, commentJson)
  }

  /** @param {Caller} caller @param {string} o @param {string} r @param {number} n @param {any} payload @returns {Answer} */
  function createComment(caller, o, r, n, payload) {
    if (!state.pulls.has(key(o, r, n))) return notFound()
    if (state.readOnlyTokens.has(caller.token)) return notAccessible()
    if (typeof payload.body !== 'string') return missingBody('IssueComment')
    if (tooLong(payload.body)) return bodyTooLong('IssueComment', 'issues/comments#create-an-issue-comment')
    const comment = storeComment(o, r, n, payload.body, caller.login, caller.kind === 'installation' ? 'Bot' : 'User')
    return {
      status: 201,
      json: commentJson(comment),
      headers: { location: `${apiUrl}/repos/${o}/${r}/issues/comments/${comment.id}` }
    }
  }

  /** @param {Caller} caller @param {string} o @param {string} r @param {number} id @param {any} payload @returns {Answer} */
  function updateComment(caller, o, r, id, payload) {
    const comment = state.comments.get(id)
    if (!comment || comment.owner !== o || comment.repo !== r) return notFound()
    if (state.readOnlyTokens.has(caller.token) || comment.login !== caller.login) return forbiddenFor(caller)
    if (typeof payload.body !== 'string') return missingBody('IssueComment')
    if (tooLong(payload.body)) return bodyTooLong('IssueComment', 'issues/comments#update-an-issue-comment')
    comment.body = payload.body
    comment.updated_at = new Date().toISOString()
    return { status: 200, json: commentJson(comment) }
  }

  /** @param {Caller} caller @param {string} o @param {string} r @param {number} id @returns {Answer} */
  function deleteComment(caller, o, r, id) {
    const comment = state.comments.get(id)
    if (!comment || comment.owner !== o || comment.repo !== r) return notFound()
    if (state.readOnlyTokens.has(caller.token) || comment.login !== caller.login) return forbiddenFor(caller)
    state.comments.delete(id)
    return { status: 204 }
  }

  /** @param {string} o @param {string} r @param {number} id @returns {Answer} */
  function getComment(o, r, id) {
    const comment = state.comments.get(id)
    if (!comment || !sameRepo(comment, o, r)) return notFound()
    return { status: 200, json: commentJson(comment) }
  }

  /** @param {string} o @param {string} r @param {number} id @param {URL} url @returns {Answer} */
  function listReactions(o, r, id, url) {
    const comment = state.comments.get(id)
    if (!comment || !sameRepo(comment, o, r)) return notFound(`${DOCS}/reactions/reactions#list-reactions-for-an-issue-comment`)
    const content = url.searchParams.get('content')
    const list = (state.reactions.get(id) ?? []).filter((x) => content === null || x.content === content)
    return paginate(list, url, reactionJson)
  }

  /**
   * 201 with the new reaction; 200 with the existing one when this identity already reacted so.
   * @param {Caller} caller @param {string} o @param {string} r @param {number} id @param {any} payload @returns {Answer}
   */
  function createReaction(caller, o, r, id, payload) {
    const comment = state.comments.get(id)
    if (!comment || !sameRepo(comment, o, r)) return notFound(REACTIONS_DOCS)
    if (state.readOnlyTokens.has(caller.token)) return notAccessible()
    if (typeof payload.content !== 'string') return validationFailed('Reaction', 'content', 'missing_field', REACTIONS_DOCS)
    if (!GITHUB_REACTIONS.includes(payload.content))
      return validationFailed('Reaction', 'content', 'custom', REACTIONS_DOCS, 'content is not included in the list')
    const list = state.reactions.get(id) ?? []
    const existing = list.find((x) => x.login === caller.login && x.content === payload.content)
    if (existing) return { status: 200, json: reactionJson(existing) }
    /** @type {StoredReaction} */
    const reaction = {
      id: state.nextReactionId++,
      commentId: id,
      login: caller.login,
      type: caller.kind === 'installation' ? 'Bot' : 'User',
      content: payload.content,
      created_at: new Date().toISOString()
    }
    list.push(reaction)
    state.reactions.set(id, list)
    return { status: 201, json: reactionJson(reaction) }
  }

  /** @param {Caller} caller @param {string} o @param {string} r @param {number} id @param {number} rid @returns {Answer} */
  function deleteReaction(caller, o, r, id, rid) {
    const comment = state.comments.get(id)
    const list = state.reactions.get(id) ?? []
    const reaction = list.find((x) => x.id === rid)
    if (!comment || !sameRepo(comment, o, r) || !reaction) return notFound()
    if (state.readOnlyTokens.has(caller.token) || reaction.login !== caller.login) return forbiddenFor(caller)
    list.splice(list.indexOf(reaction), 1)
    return { status: 204 }
  }

  /**
   * `{base}...{head}`: the commits reachable from head but not from base (oldest first; without paging
   * parameters the 250 most recent), and the files changed from their merge base to head (300 at most).
   * @param {string} o @param {string} r @param {string} basehead @param {URL} url @returns {Answer}
   */
  function compare(o, r, basehead, url) {
    const parts = /^(.+?)\.\.\.(.+)$/.exec(basehead)
    if (!parts || !knownRepo(o, r)) return notFound(COMPARE_DOCS)
    const [baseRef, headRef] = [/** @type {string} */ (parts[1]), /** @type {string} */ (parts[2])]
    const base = resolveRef(o, r, baseRef)
    const head = resolveRef(o, r, headRef)
    if (!base || !head) return notFound(COMPARE_DOCS)
    const mergeBaseSha = mergeBase(state.commits, base, head)
    if (!mergeBaseSha) {
      return {
        status: 404,
        json: { message: `No common ancestor between ${baseRef} and ${headRef}.`, documentation_url: COMPARE_DOCS, status: '404' }
      }
    }
    const ahead = commitsBetween(state.commits, base, head)
    const behind = commitsBetween(state.commits, head, base)
    const status =
      ahead.length === 0 && behind.length === 0
        ? 'identical'
        : behind.length === 0
          ? 'ahead'
          : ahead.length === 0
            ? 'behind'
            : 'diverged'
    const mergeBaseNode = /** @type {CommitNode} */ (state.commits.get(mergeBaseSha))
    const headNode = /** @type {CommitNode} */ (state.commits.get(head))
    const changes = commitsBetween(state.commits, mergeBaseSha, head).map((c) => c.changes)
    const files = foldChanges(changes, mergeBaseNode.tree, headNode.tree)
    const paged = url.searchParams.has('per_page') || url.searchParams.has('page')
    let commits = ahead.slice(-GITHUB_COMPARE_COMMITS_CAP)
    /** @type {Record<string, string>} */
    let headers = {}
    let firstPage = true
    if (paged) {
      const page = pageOf(ahead, url)
      commits = page.items
      headers = page.headers
      firstPage = page.page === 1
    }
    const html = `${serverUrl}/${o}/${r}/compare/${baseRef}...${headRef}`
    return {
      status: 200,
      headers,
      json: {
        url: `${apiUrl}/repos/${o}/${r}/compare/${baseRef}...${headRef}`,
        html_url: html,
        permalink_url: `${serverUrl}/${o}/${r}/compare/${o}:${base}...${o}:${head}`,
        diff_url: `${html}.diff`,
        patch_url: `${html}.patch`,
        base_commit: commitJson(o, r, base),
        merge_base_commit: commitJson(o, r, mergeBaseSha),
        status,
        ahead_by: ahead.length,
        behind_by: behind.length,
        total_commits: ahead.length,
        commits: commits.map((c) => commitJson(o, r, c.sha)),
        ...(firstPage
          ? { files: files.slice(0, GITHUB_COMPARE_FILES_CAP).map((f) => fileJson(o, r, head, f, headNode.tree)) }
          : {})
      }
    }
  }

  /**
   * A file (base64 in lines of 60, or `encoding: 'none'` over 1 MB), a directory (an array), or the raw
   * bytes for the raw media type; at `ref` (sha, branch; default: the default branch).
   * @param {string} o @param {string} r @param {string} path @param {URL} url
   * @param {import('node:http').IncomingHttpHeaders} headers @returns {Answer}
   */
  function getContents(o, r, path, url, headers) {
    if (!knownRepo(o, r)) return notFound(CONTENTS_DOCS)
    const ref = url.searchParams.get('ref') || 'main'
    const sha = resolveRef(o, r, ref)
    if (!sha)
      return {
        status: 404,
        json: { message: `No commit found for the ref ${ref}`, documentation_url: CONTENTS_DOCS, status: '404' }
      }
    const tree = /** @type {CommitNode} */ (state.commits.get(sha)).tree
    const blob = path === '' ? undefined : tree.get(path)
    if (blob === UNKNOWN) {
      return {
        status: 500,
        json: {
          message: `emulator error: ${path} exists at ${ref} but its content was never planted; give it in baseContents or as { filename, content }`
        }
      }
    }
    if (isKnown(blob)) {
      if (/application\/vnd\.github(?:\.v3)?\.raw/.test(String(headers.accept ?? ''))) {
        const type = isBinary(blob.bytes) ? 'application/octet-stream' : 'text/plain; charset=utf-8'
        return { status: 200, raw: blob.bytes, headers: { 'content-type': type, 'x-github-media-type': 'github.v3; param=raw' } }
      }
      const large = blob.bytes.length > GITHUB_CONTENTS_MAX_BYTES
      return {
        status: 200,
        json: {
          ...contentEntry(o, r, ref, path, 'file', blob.bytes.length, blob.sha),
          content: large ? '' : base64Lines(blob.bytes),
          encoding: large ? 'none' : 'base64'
        }
      }
    }
    const prefix = path === '' ? '' : `${path}/`
    /** @type {Map<string, 'file' | 'dir'>} */
    const children = new Map()
    for (const name of tree.keys()) {
      if (!name.startsWith(prefix)) continue
      const rest = name.slice(prefix.length)
      const slash = rest.indexOf('/')
      children.set(slash < 0 ? rest : rest.slice(0, slash), slash < 0 ? 'file' : 'dir')
    }
    if (children.size === 0) return notFound(CONTENTS_DOCS)
    const entries = [...children.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, type]) => {
        const full = prefix + name
        const child = tree.get(full)
        if (type === 'dir') return contentEntry(o, r, ref, full, 'dir', 0, hex40(`tree:${sha}:${full}`))
        return isKnown(child)
          ? contentEntry(o, r, ref, full, 'file', child.bytes.length, child.sha)
          : contentEntry(o, r, ref, full, 'file', 0, hex40(`blob:${sha}:${full}`))
      })
    return { status: 200, json: entries }
  }

  // --- JSON shapes ---------------------------------------------------------------------------------

  /**
   * One page of `items`, as JSON, with GitHub's Link header (rel next/last; prev/first after page 1).
   * @template T
   * @param {T[]} items @param {URL} url @param {(item: T) => unknown} toJson @returns {Answer}
   */
  function paginate(items, url, toJson) {
    const { items: slice, headers } = pageOf(items, url)
    return { status: 200, json: slice.map(toJson), headers }
  }

  /**
   * @template T
   * @param {T[]} items @param {URL} url @returns {{ items: T[], page: number, headers: Record<string, string> }}
   */
  function pageOf(items, url) {
    const requested = Number(url.searchParams.get('per_page') ?? GITHUB_PER_PAGE_DEFAULT)
    const perPage = Math.min(
      GITHUB_PER_PAGE_MAX,
      Math.max(1, Number.isFinite(requested) ? Math.trunc(requested) : GITHUB_PER_PAGE_DEFAULT)
    )
    const page = Math.max(1, Math.trunc(Number(url.searchParams.get('page') ?? 1)) || 1)
    const last = Math.max(1, Math.ceil(items.length / perPage))
    /** @param {number} p */
    const link = (p) => {
      const target = new URL(url.pathname + url.search, origin)
      target.searchParams.set('per_page', String(perPage))
      target.searchParams.set('page', String(p))
      return `<${target.href}>`
    }
    const rels = []
    if (page > 1) rels.push(`${link(Math.min(page - 1, last))}; rel="prev"`)
    if (page < last) rels.push(`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`)
    if (page > 1) rels.push(`${link(1)}; rel="first"`)
    /** @type {Record<string, string>} */
    const headers = rels.length > 0 ? { link: rels.join(', ') } : {}
    return { items: items.slice((page - 1) * perPage, page * perPage), page, headers }
  }

  /** @param {StoredPull} pr */
  function pullJson(pr) {
    const base = `${apiUrl}/repos/${pr.owner}/${pr.repo}`
    const totals = pr.files.reduce((sum, f) => ({ a: sum.a + f.additions, d: sum.d + f.deletions }), { a: 0, d: 0 })
    return {
      url: `${base}/pulls/${pr.number}`,
      id: pr.id,
      node_id: `PR_emu${pr.id}`,
      html_url: `${serverUrl}/${pr.owner}/${pr.repo}/pull/${pr.number}`,
      diff_url: `${serverUrl}/${pr.owner}/${pr.repo}/pull/${pr.number}.diff`,
      patch_url: `${serverUrl}/${pr.owner}/${pr.repo}/pull/${pr.number}.patch`,
      issue_url: `${base}/issues/${pr.number}`,
      comments_url: `${base}/issues/${pr.number}/comments`,
      number: pr.number,
      state: pr.state,
      locked: false,
      title: pr.title,
      user: userJson(pr.user, pr.userType),
      body: pr.body,
      created_at: pr.created_at,
      updated_at: pr.updated_at,
      closed_at: null,
      merged_at: null,
      merge_commit_sha: null,
      draft: pr.draft,
      head: {
        label: `${pr.headOwner}:${pr.headRef}`,
        ref: pr.headRef,
        sha: pr.headSha,
        user: userJson(pr.headOwner, 'User'),
        repo: repoJson(pr.headOwner, pr.headRepoName, pr.headOwner !== pr.owner || pr.headRepoName !== pr.repo)
      },
      base: {
        label: `${pr.owner}:${pr.baseRef}`,
        ref: pr.baseRef,
        sha: pr.baseSha,
        user: userJson(pr.owner, 'Organization'),
        repo: repoJson(pr.owner, pr.repo, false)
      },
      author_association: pr.association,
      merged: false,
      mergeable: null,
      comments: commentsOf(pr.owner, pr.repo, pr.number).length,
      review_comments: 0,
      commits: pr.commits.length,
      additions: totals.a,
      deletions: totals.d,
      changed_files: pr.files.length
    }
  }

  /** @param {string} owner @param {string} name @param {boolean} fork */
  function repoJson(owner, name, fork) {
    return {
      id: idOf(`${owner}/${name}`),
      name,
      full_name: `${owner}/${name}`,
      owner: userJson(owner, 'User'),
      private: false,
      fork,
      html_url: `${serverUrl}/${owner}/${name}`,
      url: `${apiUrl}/repos/${owner}/${name}`,
      default_branch: 'main'
    }
  }

  /**
   * A changed file as pulls/files and compare list it; `sha` is the blob's at `head` when it is known.
   * @param {string} o @param {string} r @param {string} head @param {FileSpec} f @param {Tree} [tree]
   */
  function fileJson(o, r, head, f, tree) {
    const contents = `${serverUrl}/${o}/${r}/blob/${head}/${encodeURI(f.filename)}`
    const blob = tree?.get(f.filename)
    return {
      sha: isKnown(blob) ? blob.sha : hex40(`${head}:${f.filename}`),
      filename: f.filename,
      status: f.status,
      additions: f.additions,
      deletions: f.deletions,
      changes: f.additions + f.deletions,
      blob_url: contents,
      raw_url: contents.replace('/blob/', '/raw/'),
      contents_url: `${apiUrl}/repos/${o}/${r}/contents/${encodeURI(f.filename)}?ref=${head}`,
      ...(f.patch === undefined ? {} : { patch: f.patch }),
      ...(f.previous_filename === undefined ? {} : { previous_filename: f.previous_filename })
    }
  }

  /**
   * A commit as pulls/commits and compare list it, from the graph (or, for a listed commit the graph
   * does not hold, from its spec and the PR).
   * @param {string} o @param {string} r @param {string} sha @param {CommitSpec} [spec] @param {StoredPull} [pr]
   */
  function commitJson(o, r, sha, spec, pr) {
    const node = state.commits.get(sha)
    const login = node?.author.login ?? spec?.author ?? pr?.user ?? 'octo-contributor'
    const date = node?.author.date ?? spec?.date ?? pr?.created_at ?? new Date(0).toISOString()
    const person = node?.author ?? { name: login, email: noreplyEmail(login), date }
    const { login: _login, ...git } = /** @type {import('./git.mjs').Person} */ ({ login, ...person })
    return {
      sha,
      node_id: `C_emu${sha.slice(0, 12)}`,
      commit: {
        url: `${apiUrl}/repos/${o}/${r}/git/commits/${sha}`,
        author: git,
        committer: git,
        message: node?.message ?? spec?.message ?? '',
        tree: { sha: hex40(`tree:${sha}`), url: `${apiUrl}/repos/${o}/${r}/git/trees/${hex40(`tree:${sha}`)}` },
        comment_count: 0,
        verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null }
      },
      url: `${apiUrl}/repos/${o}/${r}/commits/${sha}`,
      html_url: `${serverUrl}/${o}/${r}/commit/${sha}`,
      comments_url: `${apiUrl}/repos/${o}/${r}/commits/${sha}/comments`,
      author: userJson(login, typeOf(login)),
      committer: userJson(login, typeOf(login)),
      parents: (node?.parents ?? []).map((p) => ({
        sha: p,
        url: `${apiUrl}/repos/${o}/${r}/commits/${p}`,
        html_url: `${serverUrl}/${o}/${r}/commit/${p}`
      }))
    }
  }

  /**
   * One entry of the contents API (a file's metadata, or a directory listing's entry).
   * @param {string} o @param {string} r @param {string} ref @param {string} path @param {'file' | 'dir'} type @param {number} size @param {string} sha
   */
  function contentEntry(o, r, ref, path, type, size, sha) {
    const self = `${apiUrl}/repos/${o}/${r}/contents/${encodeURI(path)}?ref=${encodeURIComponent(ref)}`
    const git = `${apiUrl}/repos/${o}/${r}/git/${type === 'dir' ? 'trees' : 'blobs'}/${sha}`
    const html = `${serverUrl}/${o}/${r}/${type === 'dir' ? 'tree' : 'blob'}/${ref}/${encodeURI(path)}`
    return {
      type,
      size,
      name: path.slice(path.lastIndexOf('/') + 1),
      path,
      sha,
      url: self,
      git_url: git,
      html_url: html,
      download_url: type === 'dir' ? null : `${serverUrl}/${o}/${r}/raw/${ref}/${encodeURI(path)}`,
      _links: { self, git, html }
    }
  }

  /** @param {StoredReaction} x */
  function reactionJson(x) {
    return { id: x.id, node_id: `REA_emu${x.id}`, user: userJson(x.login, x.type), content: x.content, created_at: x.created_at }
  }

  /** @param {StoredComment} c */
  function commentJson(c) {
    return {
      url: `${apiUrl}/repos/${c.owner}/${c.repo}/issues/comments/${c.id}`,
      html_url: `${serverUrl}/${c.owner}/${c.repo}/pull/${c.number}#issuecomment-${c.id}`,
      issue_url: `${apiUrl}/repos/${c.owner}/${c.repo}/issues/${c.number}`,
      id: c.id,
      node_id: `IC_emu${c.id}`,
      user: userJson(c.login, c.type),
      created_at: c.created_at,
      updated_at: c.updated_at,
      author_association: c.association,
      body: c.body,
      reactions: reactionRollup(c),
      performed_via_github_app: c.type === 'Bot' ? { id: 15368, slug: 'github-actions', name: 'GitHub Actions' } : null
    }
  }

  /** The `reactions` summary GitHub embeds in a comment. @param {StoredComment} c */
  function reactionRollup(c) {
    const list = state.reactions.get(c.id) ?? []
    /** @type {Record<string, unknown>} */
    const rollup = { url: `${apiUrl}/repos/${c.owner}/${c.repo}/issues/comments/${c.id}/reactions`, total_count: list.length }
    for (const content of GITHUB_REACTIONS) rollup[content] = list.filter((x) => x.content === content).length
    return rollup
  }

  /** @param {string} login @param {string} type */
  function userJson(login, type) {
    return {
      login,
      id: KNOWN_USER_IDS[login] ?? idOf(login),
      node_id: `U_emu${idOf(login)}`,
      type,
      site_admin: false,
      html_url: `${serverUrl}/${login.replace('[bot]', '')}`,
      url: `${apiUrl}/users/${encodeURIComponent(login)}`
    }
  }

  // --- errors as GitHub words them -----------------------------------------------------------------

  /** @param {string} [documentation] @returns {Answer} */
  function notFound(documentation = DOCS) {
    return { status: 404, json: { message: 'Not Found', documentation_url: documentation, status: '404' } }
  }
  /**
   * @param {string} resource @param {string} field @param {string} code @param {string} documentation @param {string} [message]
   * @returns {Answer}
   */
  function validationFailed(resource, field, code, documentation, message) {
    return {
      status: 422,
      json: {
        message: 'Validation Failed',
        errors: [{ resource, code, field, ...(message ? { message } : {}) }],
        documentation_url: documentation,
        status: '422'
      }
    }
  }
  /** @returns {Answer} */
  function notAccessible() {
    return { status: 403, json: { message: 'Resource not accessible by integration', documentation_url: DOCS, status: '403' } }
  }
  /** @param {Caller} caller @returns {Answer} */
  function forbiddenFor(caller) {
    if (caller.kind === 'installation') return notAccessible()
    return { status: 403, json: { message: 'Must have admin rights to Repository.', documentation_url: DOCS, status: '403' } }
  }
  /** @param {string} resource @param {string} docsPath @returns {Answer} */
  function bodyTooLong(resource, docsPath) {
    const error = {
      resource,
      code: 'custom',
      field: 'body',
      message: `body is too long (maximum is ${GITHUB_BODY_MAX_CHARS} characters)`
    }
    return {
      status: 422,
      json: { message: 'Validation Failed', errors: [error], documentation_url: `${DOCS}/${docsPath}`, status: '422' }
    }
  }
  /** @param {string} resource @returns {Answer} */
  function missingBody(resource) {
    return {
      status: 422,
      json: {
        message: 'Validation Failed',
        errors: [{ resource, code: 'missing_field', field: 'body' }],
        documentation_url: DOCS,
        status: '422'
      }
    }
  }

  // --- state helpers -------------------------------------------------------------------------------

  /** @param {string} o @param {string} r @param {number} n */
  function commentsOf(o, r, n) {
    return [...state.comments.values()].filter((c) => c.owner === o && c.repo === r && c.number === n).sort((a, b) => a.id - b.id)
  }

  /**
   * @param {string} o @param {string} r @param {number} n @param {string} body @param {string} login @param {'User' | 'Bot'} type
   * @param {Association} [association]
   */
  function storeComment(o, r, n, body, login, type, association = type === 'Bot' ? 'NONE' : 'CONTRIBUTOR') {
    const now = new Date().toISOString()
    /** @type {StoredComment} */
    const comment = {
      id: state.nextCommentId++,
      owner: o,
      repo: r,
      number: n,
      body,
      login,
      type,
      association,
      created_at: now,
      updated_at: now
    }
    state.comments.set(comment.id, comment)
    return comment
  }

  /** @param {string} o @param {string} r @param {number} n */
  function requirePull(o, r, n) {
    const pr = state.pulls.get(key(o, r, n))
    if (!pr) throw new Error(`github emulator: no pull request ${o}/${r}#${n}; call addPullRequest first`)
    return pr
  }

  /** @param {{ owner: string, repo: string }} thing @param {string} o @param {string} r */
  const sameRepo = (thing, o, r) => thing.owner.toLowerCase() === o.toLowerCase() && thing.repo.toLowerCase() === r.toLowerCase()

  /** A repository exists once a PR or branch of it was planted. @param {string} o @param {string} r */
  const knownRepo = (o, r) => state.branches.has(`${o}/${r}`.toLowerCase())

  /** @param {string} o @param {string} r @param {string} branch @param {string} sha */
  function setBranch(o, r, branch, sha) {
    const repoKey = `${o}/${r}`.toLowerCase()
    const branches = state.branches.get(repoKey) ?? new Map()
    branches.set(branch, sha)
    state.branches.set(repoKey, branches)
  }

  /**
   * A ref as GitHub resolves it in `o/r`: a full or abbreviated (7+) commit sha, a branch (`main`,
   * `refs/heads/main`, `owner:branch` for a fork in the network), or `refs/pull/{n}/head`.
   * @param {string} o @param {string} r @param {string} ref @returns {string | undefined}
   */
  function resolveRef(o, r, ref) {
    const forked = /^([^:/]+):(.+)$/.exec(ref)
    if (forked) {
      const owner = /** @type {string} */ (forked[1])
      const branch = /** @type {string} */ (forked[2])
      const inFork = state.branches.get(`${owner}/${r}`.toLowerCase())?.get(branch)
      if (inFork) return inFork
      for (const [repoKey, branches] of state.branches) {
        if (repoKey.startsWith(`${owner.toLowerCase()}/`) && branches.has(branch)) return branches.get(branch)
      }
      return undefined
    }
    const pull = /^refs\/pull\/(\d+)\/head$/.exec(ref)
    if (pull) return state.pulls.get(key(o, r, Number(pull[1])))?.headSha
    const branch = state.branches.get(`${o}/${r}`.toLowerCase())?.get(ref.replace(/^refs\/heads\//, ''))
    if (branch && state.commits.has(branch)) return branch
    if (/^[0-9a-f]{7,40}$/i.test(ref)) {
      const lower = ref.toLowerCase()
      if (state.commits.has(lower)) return lower
      const matches = [...state.commits.keys()].filter((sha) => sha.startsWith(lower))
      if (matches.length === 1) return matches[0]
    }
    return undefined
  }

  /**
   * @param {{ sha?: string, parents: string[], message: string, tree: Tree, changes: FileSpec[], login: string, date?: string }} spec
   * @returns {CommitNode}
   */
  function storeCommit({ sha, parents, message, tree, changes, login, date }) {
    const id = sha ?? commitSha(parents, message, tree, state.nextCommitSeq++)
    const person = { login, name: login, email: noreplyEmail(login), date: date ?? new Date().toISOString() }
    /** @type {CommitNode} */
    const node = { sha: id, parents, message, author: person, committer: person, changes, tree }
    state.commits.set(id, node)
    return node
  }

  /**
   * The head commit of `pr`; a head the graph does not hold (moved by setHeadSha) becomes one commit
   * on the base that makes the PR's listed files, so pushes can build on it.
   * @param {StoredPull} pr @returns {CommitNode}
   */
  function headNode(pr) {
    const known = state.commits.get(pr.headSha)
    if (known) return known
    const base = baseNode(pr)
    const tree = new Map(base.tree)
    const changes = pr.files.map((f) => applyChange(tree, f))
    return storeCommit({ sha: pr.headSha, parents: [base.sha], message: 'Update', tree, changes, login: pr.user })
  }

  /** @param {StoredPull} pr @returns {CommitNode} */
  function baseNode(pr) {
    return (
      state.commits.get(pr.baseSha) ??
      storeCommit({ sha: pr.baseSha, parents: [], message: 'Base commit', tree: new Map(), changes: [], login: pr.owner })
    )
  }

  /**
   * Adds commits on top of `parent` for `pr`: the PR's commit list, files and head follow.
   * @param {StoredPull} pr @param {string} parent @param {Push[]} pushes @returns {string} the new head sha
   */
  function commitOnto(pr, parent, pushes) {
    const base = baseNode(pr)
    let head = parent
    for (const push of pushes) {
      const tree = new Map(/** @type {CommitNode} */ (state.commits.get(head)).tree)
      const changes = (push.files ?? []).map((f) => applyChange(tree, f))
      const message = push.message ?? `Update ${changes.map((c) => c.filename).join(', ') || 'nothing'}`
      const login = push.author ?? pr.user
      const node = storeCommit({ parents: [head], message, tree, changes, login, date: push.date })
      pr.commits.push({ sha: node.sha, message })
      // In place: tests may hold the array from pull().
      pr.files.splice(0, pr.files.length, ...foldChanges([pr.files, changes], base.tree, tree))
      head = node.sha
    }
    pr.headSha = head
    pr.updated_at = new Date().toISOString()
    setBranch(pr.headOwner, pr.headRepoName, pr.headRef, head)
    return head
  }

  /** Drops commits no branch or PR reaches any more, as GitHub eventually does after a force-push. */
  function collectGarbage() {
    /** @type {Set<string>} */
    const live = new Set()
    const roots = [...state.pulls.values()].flatMap((pr) => [pr.headSha, pr.baseSha])
    for (const branches of state.branches.values()) roots.push(...branches.values())
    for (const root of roots) for (const sha of ancestors(state.commits, root)) live.add(sha)
    for (const sha of [...state.commits.keys()]) if (!live.has(sha)) state.commits.delete(sha)
  }

  /** @param {PullRef} ref */
  const pullOf = (ref) => requirePull(ref.owner, ref.repo, ref.number)

  return {
    /** GITHUB_API_URL for this emulator (with `/api/v3` for GHES). */
    apiUrl,
    /** GITHUB_SERVER_URL for this emulator. */
    serverUrl,
    /** The default GITHUB_TOKEN-like installation token. */
    installationToken: DEFAULT_INSTALLATION_TOKEN,
    state,
    faults,
    requests,
    /**
     * Plants a pull request and its history: a base commit (tree: `baseContents`), the listed commits,
     * the last of which holds `files` (explicit entries, or `{ filename, content }` diffed against the
     * base). `changed_files`, `additions`, `deletions` and `html_url` follow from it. The base branch
     * points at the base commit and the head branch at the head.
     * @param {PullSpec} spec
     */
    addPullRequest(spec) {
      const now = new Date().toISOString()
      const head =
        typeof spec.headRepo === 'string'
          ? spec.headRepo.split('/')
          : spec.headRepo
            ? [spec.headRepo.owner, spec.headRepo.repo]
            : [spec.owner, spec.repo]
      const user = spec.user ?? 'octo-contributor'
      /** @type {StoredPull} */
      const pr = {
        owner: spec.owner,
        repo: spec.repo,
        number: spec.number,
        id: idOf(`${spec.owner}/${spec.repo}#${spec.number}`),
        title: spec.title ?? `Pull request #${spec.number}`,
        body: spec.body ?? null,
        draft: spec.draft ?? false,
        state: spec.state ?? 'open',
        headSha: spec.headSha ?? hex40(`head:${spec.owner}/${spec.repo}#${spec.number}`),
        baseSha: spec.baseSha ?? hex40(`base:${spec.owner}/${spec.repo}#${spec.number}`),
        headRef: spec.headRef ?? `feature-${spec.number}`,
        baseRef: spec.baseRef ?? 'main',
        headOwner: head[0] ?? spec.owner,
        headRepoName: head[1] ?? spec.repo,
        user,
        userType: spec.userType ?? typeOf(user),
        association: spec.association ?? 'CONTRIBUTOR',
        files: [],
        commits: [...(spec.commits ?? [])],
        created_at: now,
        updated_at: now
      }
      const base = baseNode(pr)
      for (const [path, content] of Object.entries(spec.baseContents ?? {})) base.tree.set(path, blobOf(content))
      const changes = spec.files ?? []
      // A file the PR modifies, renames or removes exists at the base even when its content was not planted.
      for (const change of changes) {
        const from = 'status' in change && change.status !== 'added' ? (change.previous_filename ?? change.filename) : undefined
        if (from !== undefined && !base.tree.has(from)) base.tree.set(from, UNKNOWN)
      }
      const tree = new Map(base.tree)
      const entries = changes.map((change) => applyChange(tree, change))
      pr.files = foldChanges([entries], base.tree, tree)
      // Each listed commit becomes a node; the last one (or the head, when it is not listed) holds the changes.
      let parent = base.sha
      const listed = pr.commits.filter((c) => c.sha !== pr.headSha)
      for (const c of listed) {
        storeCommit({
          sha: c.sha,
          parents: [parent],
          message: c.message,
          tree: new Map(base.tree),
          changes: [],
          login: c.author ?? user,
          date: c.date ?? now
        })
        parent = c.sha
      }
      const headSpec = pr.commits.find((c) => c.sha === pr.headSha)
      storeCommit({
        sha: pr.headSha,
        parents: [parent],
        message: headSpec?.message ?? 'Update',
        tree,
        changes: entries,
        login: headSpec?.author ?? user,
        date: headSpec?.date ?? now
      })
      setBranch(pr.owner, pr.repo, pr.baseRef, pr.baseSha)
      setBranch(pr.headOwner, pr.headRepoName, pr.headRef, pr.headSha)
      state.pulls.set(key(pr.owner, pr.repo, pr.number), pr)
      return pullJson(pr)
    },
    /** The stored pull request (mutable), for assertions on title/body/head. @param {string} o @param {string} r @param {number} n */
    pull: (o, r, n) => requirePull(o, r, n),
    /**
     * Moves the head without history (no commit is recorded): compare with the old head answers 404,
     * as after a force-push. Use pushCommits for a push that compare can follow.
     * @param {string} o @param {string} r @param {number} n @param {string} sha
     */
    setHeadSha(o, r, n, sha) {
      requirePull(o, r, n).headSha = sha
    },
    /**
     * `git push` of one commit (or several, oldest first) onto the PR's head. The PR's head sha, commit
     * list and file list follow; the old head stays reachable, so compare old...new answers `ahead`.
     * @param {PullRef} ref @param {Push | Push[]} push @returns {string} the new head sha
     */
    pushCommits(ref, push) {
      const pr = pullOf(ref)
      return commitOnto(pr, headNode(pr).sha, Array.isArray(push) ? push : [push])
    },
    /**
     * `git push --force`: the PR's history is replaced by new commits on its base (`files` are the
     * whole PR's changes against the base). The old commits are dropped unless `keepOldCommits` (then
     * compare old...new answers `diverged`, as before GitHub's garbage collection) or something else
     * still reaches them.
     * @param {PullRef} ref @param {Push & { commits?: Push[], keepOldCommits?: boolean }} rewrite
     * @returns {string} the new head sha
     */
    forcePush(ref, { commits, keepOldCommits = false, ...push }) {
      const pr = pullOf(ref)
      pr.commits.splice(0)
      pr.files.splice(0)
      const head = commitOnto(pr, baseNode(pr).sha, commits ?? [{ message: push.message ?? 'Rewrite history', ...push }])
      if (!keepOldCommits) collectGarbage()
      return head
    },
    /**
     * A commit as the graph holds it (parents, message, author, per-commit changes, tree), or undefined
     * when it does not exist (never planted, or dropped by a force-push).
     * @param {string} sha
     */
    commit: (sha) => state.commits.get(sha),
    /**
     * The text of `path` at `ref` (sha or branch) of `o/r`, or undefined when it does not exist there.
     * @param {string} o @param {string} r @param {string} path @param {string} ref
     */
    fileAt(o, r, path, ref) {
      const sha = resolveRef(o, r, ref)
      const blob = sha ? state.commits.get(sha)?.tree.get(path) : undefined
      return isKnown(blob) ? blob.bytes.toString('utf8') : undefined
    },
    /** Comments on the PR as GitHub lists them (oldest first). @param {string} o @param {string} r @param {number} n */
    comments: (o, r, n) => commentsOf(o, r, n).map(commentJson),
    /**
     * Plants a comment written by someone else (or by the bot, to simulate an earlier run). Returns it
     * as GitHub shows it; hand that to fixtures' `issueCommentEvent` for an `issue_comment` run.
     * @param {string} o @param {string} r @param {number} n
     * @param {{ body: string, login?: string, type?: 'User' | 'Bot', association?: Association }} comment
     */
    addComment(o, r, n, { body, login = 'octo-reviewer', type = typeOf(login), association }) {
      requirePull(o, r, n)
      return commentJson(storeComment(o, r, n, body, login, type, association))
    },
    /**
     * Reactions on a comment as GitHub lists them (oldest first): `{ id, user: { login, type }, content, created_at }`.
     * @param {number} commentId
     */
    reactions: (commentId) => (state.reactions.get(commentId) ?? []).map(reactionJson),
    /** Requests that could change something (anything but GET), for "nothing was written" asserts. */
    writes: () => requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD'),
    /** Stops the server, ending hanging responses. */
    async close() {
      faults.releaseAll()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(() => resolve(undefined)))
    }
  }
}

/** A secondary rate limit answer, as GitHub sends it (403 + retry-after). @param {number} [retryAfterSeconds] */
export function secondaryRateLimitFault(retryAfterSeconds = 1) {
  return {
    status: 403,
    headers: { 'retry-after': String(retryAfterSeconds), 'x-ratelimit-remaining': '4000' },
    json: {
      message:
        'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID EMU0:1.',
      documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
      status: '403'
    }
  }
}

/**
 * A primary rate limit answer: `x-ratelimit-remaining: 0` and the reset time in epoch seconds.
 * @param {{ resetEpochSeconds?: number, status?: 403 | 429 }} [options]
 */
export function primaryRateLimitFault({ resetEpochSeconds = Math.floor(Date.now() / 1000) + 1, status = 403 } = {}) {
  return {
    status,
    headers: {
      'x-ratelimit-limit': '1000',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-used': '1000',
      'x-ratelimit-reset': String(resetEpochSeconds),
      'x-ratelimit-resource': 'core'
    },
    json: {
      message: 'API rate limit exceeded for installation ID 1.',
      documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits',
      status: String(status)
    }
  }
}

/** @param {string} o @param {string} r @param {number} n */
const key = (o, r, n) => `${o.toLowerCase()}/${r.toLowerCase()}#${n}`

/** GitHub counts body length in characters (code points), not UTF-16 units. @param {string} text */
const tooLong = (text) => [...text].length > GITHUB_BODY_MAX_CHARS

/** A stable positive id from a string (FNV-1a). @param {string} text */
function idOf(text) {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0
  return (hash % 900_000_000) + 100_000
}

/** A stable 40-hex "sha" from a string. @param {string} text */
function hex40(text) {
  let out = ''
  for (let i = 0; out.length < 40; i++) out += idOf(`${i}:${text}`).toString(16).padStart(8, '0')
  return out.slice(0, 40)
}

/** Logins ending in `[bot]` are GitHub App bot accounts (Dependabot, Renovate, github-actions). @param {string} login @returns {'User' | 'Bot'} */
const typeOf = (login) => (login.endsWith('[bot]') ? 'Bot' : 'User')

/** @param {string} login */
const noreplyEmail = (login) => `${idOf(login)}+${login}@users.noreply.github.com`

/** Base64 the way the contents API sends it: a newline after every 60 characters, and at the end. @param {Buffer} bytes */
function base64Lines(bytes) {
  const flat = bytes.toString('base64')
  let out = ''
  for (let i = 0; i < flat.length; i += 60) out += `${flat.slice(i, i + 60)}\n`
  return out
}

/** @param {import('node:http').ServerResponse} res @param {Answer} answer */
function send(res, answer) {
  /** @type {Record<string, string>} */
  const headers = { ...(answer.headers ?? {}) }
  if (answer.raw !== undefined) {
    res.writeHead(answer.status, headers)
    res.end(answer.raw)
    return
  }
  if (answer.json === undefined) {
    res.writeHead(answer.status, headers)
    res.end()
    return
  }
  headers['content-type'] = 'application/json; charset=utf-8'
  res.writeHead(answer.status, headers)
  res.end(JSON.stringify(answer.json))
}

/** @param {import('node:http').IncomingMessage} req @returns {Promise<string>} */
async function readBody(req) {
  const chunks = []
  for await (const chunk of req) chunks.push(chunk)
  return Buffer.concat(chunks).toString('utf8')
}
