// @ts-check
/**
 * GitHub REST emulator: the slice of the API the action uses (contract: "GitHub API surface"), with
 * GitHub's JSON shapes, pagination, token kinds, author rules and size limits. Every route asks the
 * shared fault queue first, so tests can inject rate limits, 5xx, resets and hangs.
 */
import { createServer } from 'node:http'
import { FaultQueue, sleep } from './faults.mjs'

/** GitHub rejects issue-comment and PR bodies longer than this, counted in code points. */
export const GITHUB_BODY_MAX_CHARS = 65_536
/** pulls.listFiles returns at most 3,000 files (docs.github.com/rest/pulls/pulls#list-pull-requests-files). */
export const GITHUB_FILES_CAP = 3_000
/** pulls.listCommits returns at most 250 commits (docs.github.com/rest/pulls/pulls#list-commits-on-a-pull-request). */
export const GITHUB_COMMITS_CAP = 250
/** `per_page` is capped at 100 on every list endpoint; the default is 30. */
export const GITHUB_PER_PAGE_MAX = 100
const GITHUB_PER_PAGE_DEFAULT = 30

/** The token the emulator accepts as the job's default GITHUB_TOKEN (an installation token). */
export const DEFAULT_INSTALLATION_TOKEN = 'ghs_emulatedInstallationToken0000000000'
const BOT_LOGIN = 'github-actions[bot]'
const DOCS = 'https://docs.github.com/rest'

/**
 * @typedef {{ filename: string, status: string, additions: number, deletions: number, patch?: string, previous_filename?: string }} FileSpec
 * @typedef {{ sha: string, message: string }} CommitSpec
 * @typedef {{ owner: string, repo: string, number: number, title?: string, body?: string | null, draft?: boolean,
 *   headSha?: string, baseSha?: string, headRef?: string, baseRef?: string,
 *   headRepo?: string | { owner: string, repo: string }, user?: string, state?: string,
 *   files?: FileSpec[], commits?: CommitSpec[] }} PullSpec
 * @typedef {{ id: number, owner: string, repo: string, number: number, body: string, login: string, type: 'User' | 'Bot', created_at: string, updated_at: string }} StoredComment
 * @typedef {{ owner: string, repo: string, number: number, title: string, body: string | null, draft: boolean,
 *   state: string, headSha: string, baseSha: string, headRef: string, baseRef: string, headOwner: string, headRepoName: string,
 *   user: string, files: FileSpec[], commits: CommitSpec[], created_at: string, updated_at: string, id: number }} StoredPull
 * @typedef {{ status: number, json?: unknown, headers?: Record<string, string> }} Answer
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
    nextCommentId: 1_000_000_001,
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
      answer = match.serve(caller, url, payload)
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
   * @returns {{ route: string, serve: (caller: Caller, url: URL, payload: any) => Answer } | undefined}
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
      if (method === 'PATCH') return { route: 'github.comment.update', serve: (c, _u, p) => updateComment(c, o, r, id, p) }
      if (method === 'DELETE') return { route: 'github.comment.delete', serve: (c) => deleteComment(c, o, r, id) }
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
    return paginate(pr.files.slice(0, GITHUB_FILES_CAP), url, (f) => fileJson(pr, f))
  }

  /** @param {string} o @param {string} r @param {number} n @param {URL} url @returns {Answer} */
  function listCommits(o, r, n, url) {
    const pr = state.pulls.get(key(o, r, n))
    if (!pr) return notFound()
    return paginate(pr.commits.slice(0, GITHUB_COMMITS_CAP), url, (c) => commitJson(pr, c))
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

  // --- JSON shapes ---------------------------------------------------------------------------------

  /**
   * One page of `items`, as JSON, with GitHub's Link header (rel next/last; prev/first after page 1).
   * @template T
   * @param {T[]} items @param {URL} url @param {(item: T) => unknown} toJson @returns {Answer}
   */
  function paginate(items, url, toJson) {
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
    return { status: 200, json: items.slice((page - 1) * perPage, page * perPage).map(toJson), headers }
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
      user: userJson(pr.user, 'User'),
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
      author_association: 'CONTRIBUTOR',
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

  /** @param {StoredPull} pr @param {FileSpec} f */
  function fileJson(pr, f) {
    const contents = `${serverUrl}/${pr.owner}/${pr.repo}/blob/${pr.headSha}/${encodeURI(f.filename)}`
    return {
      sha: hex40(`${pr.headSha}:${f.filename}`),
      filename: f.filename,
      status: f.status,
      additions: f.additions,
      deletions: f.deletions,
      changes: f.additions + f.deletions,
      blob_url: contents,
      raw_url: contents.replace('/blob/', '/raw/'),
      contents_url: `${apiUrl}/repos/${pr.owner}/${pr.repo}/contents/${encodeURI(f.filename)}?ref=${pr.headSha}`,
      ...(f.patch === undefined ? {} : { patch: f.patch }),
      ...(f.previous_filename === undefined ? {} : { previous_filename: f.previous_filename })
    }
  }

  /** @param {StoredPull} pr @param {CommitSpec} c */
  function commitJson(pr, c) {
    const person = { name: pr.user, email: `${pr.user}@users.noreply.github.com`, date: pr.created_at }
    return {
      sha: c.sha,
      node_id: `C_emu${c.sha.slice(0, 12)}`,
      commit: { author: person, committer: person, message: c.message, comment_count: 0 },
      url: `${apiUrl}/repos/${pr.owner}/${pr.repo}/commits/${c.sha}`,
      html_url: `${serverUrl}/${pr.owner}/${pr.repo}/commit/${c.sha}`,
      author: userJson(pr.user, 'User'),
      committer: userJson(pr.user, 'User'),
      parents: []
    }
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
      author_association: c.type === 'Bot' ? 'NONE' : 'CONTRIBUTOR',
      body: c.body,
      performed_via_github_app: c.type === 'Bot' ? { id: 15368, slug: 'github-actions', name: 'GitHub Actions' } : null
    }
  }

  /** @param {string} login @param {string} type */
  function userJson(login, type) {
    return {
      login,
      id: login === BOT_LOGIN ? 41898282 : idOf(login),
      node_id: `U_emu${idOf(login)}`,
      type,
      site_admin: false,
      html_url: `${serverUrl}/${login.replace('[bot]', '')}`,
      url: `${apiUrl}/users/${encodeURIComponent(login)}`
    }
  }

  // --- errors as GitHub words them -----------------------------------------------------------------

  /** @returns {Answer} */
  function notFound() {
    return { status: 404, json: { message: 'Not Found', documentation_url: DOCS, status: '404' } }
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

  /** @param {string} o @param {string} r @param {number} n @param {string} body @param {string} login @param {'User' | 'Bot'} type */
  function storeComment(o, r, n, body, login, type) {
    const now = new Date().toISOString()
    const comment = {
      id: state.nextCommentId++,
      owner: o,
      repo: r,
      number: n,
      body,
      login,
      type,
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
     * Plants a pull request. `changed_files`, `additions`, `deletions` and `html_url` follow from it.
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
        user: spec.user ?? 'octo-contributor',
        files: [...(spec.files ?? [])],
        commits: [...(spec.commits ?? [])],
        created_at: now,
        updated_at: now
      }
      state.pulls.set(key(pr.owner, pr.repo, pr.number), pr)
      return pullJson(pr)
    },
    /** The stored pull request (mutable), for assertions on title/body/head. @param {string} o @param {string} r @param {number} n */
    pull: (o, r, n) => requirePull(o, r, n),
    /** @param {string} o @param {string} r @param {number} n @param {string} sha */
    setHeadSha(o, r, n, sha) {
      requirePull(o, r, n).headSha = sha
    },
    /** Comments on the PR as GitHub lists them (oldest first). @param {string} o @param {string} r @param {number} n */
    comments: (o, r, n) => commentsOf(o, r, n).map(commentJson),
    /**
     * Plants a comment written by someone else (or by the bot, to simulate an earlier run).
     * @param {string} o @param {string} r @param {number} n
     * @param {{ body: string, login?: string, type?: 'User' | 'Bot' }} comment
     */
    addComment(o, r, n, { body, login = 'octo-reviewer', type = login.endsWith('[bot]') ? 'Bot' : 'User' }) {
      requirePull(o, r, n)
      return commentJson(storeComment(o, r, n, body, login, type))
    },
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

/** @param {import('node:http').ServerResponse} res @param {Answer} answer */
function send(res, answer) {
  /** @type {Record<string, string>} */
  const headers = { ...(answer.headers ?? {}) }
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
