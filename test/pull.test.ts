import { describe, expect, it } from '@jest/globals'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ActionError } from '../src/errors.js'
import { createOctokit, explainGitHubError } from '../src/github.js'
import { configuredProxies, errorChain, failedProxy, networkFailure } from '../src/proxy.js'
import { GITHUB_FILES_LIMIT, readPullRequest } from '../src/pull.js'
import { json, listenLocal } from './fixtures/http.js'
import { recordingLog } from './fixtures/log.js'

const ref = { owner: 'octo', repo: 'app' }

const quietLog = recordingLog

type Handler = (req: IncomingMessage, url: URL, res: ServerResponse) => void

/** A GitHub stand-in on 127.0.0.1 that records every request it gets. */
async function startGitHub(handler: Handler): Promise<{ baseUrl: string; requests: string[]; server: Server }> {
  const requests: string[] = []
  const { server, baseUrl } = await listenLocal((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    requests.push(`${req.method} ${url.pathname}${url.search}`)
    handler(req, url, res)
  })
  return { baseUrl, requests, server }
}

function pull(changedFiles: number, commits: number) {
  return {
    number: 7,
    title: 'Add things',
    body: null,
    draft: false,
    state: 'open',
    html_url: 'https://github.com/octo/app/pull/7',
    head: { sha: 'h'.repeat(40), ref: 'feature', repo: { full_name: 'someone/app' } },
    base: { sha: 'b'.repeat(40), ref: 'main', repo: { full_name: 'octo/app' } },
    user: { login: 'someone' },
    changed_files: changedFiles,
    commits,
    additions: 10,
    deletions: 2
  }
}

/** Serves a PR whose files and commits exist as listed, paginated as GitHub does. */
function prHandler(changedFiles: number, commits: number, listable = changedFiles): Handler {
  return (_req, url, res) => {
    const page = Number(url.searchParams.get('page') ?? '1')
    const perPage = Number(url.searchParams.get('per_page') ?? '30')
    const slice = (total: number) =>
      Array.from({ length: Math.max(0, Math.min(perPage, total - (page - 1) * perPage)) }, (_, i) => (page - 1) * perPage + i)
    if (url.pathname === '/repos/octo/app/pulls/7') return json(res, 200, pull(changedFiles, commits))
    if (url.pathname === '/repos/octo/app/pulls/7/files') {
      return json(
        res,
        200,
        slice(listable).map((i) =>
          i === 1
            ? { filename: 'logo.png', status: 'added', additions: 0, deletions: 0, changes: 0 }
            : i === 2
              ? {
                  filename: 'new.ts',
                  previous_filename: 'old.ts',
                  status: 'renamed',
                  additions: 1,
                  deletions: 1,
                  changes: 2,
                  patch: '@@ -1 +1 @@\n-a\n+b'
                }
              : {
                  filename: `src/f${i}.ts`,
                  status: 'modified',
                  additions: 1,
                  deletions: 0,
                  changes: 1,
                  patch: `@@ -0,0 +1 @@\n+line ${i}`
                }
        )
      )
    }
    if (url.pathname === '/repos/octo/app/pulls/7/commits') {
      return json(
        res,
        200,
        slice(commits).map((i) => ({ sha: `c${i}`, commit: { message: `commit ${i}` } }))
      )
    }
    json(res, 404, { message: 'Not Found' })
  }
}

describe('readPullRequest', () => {
  it('reads every page of files and commits, keeping files without a patch', async () => {
    const gh = await startGitHub(prHandler(250, 120))
    const octokit = createOctokit('ghs_x', { log: quietLog(), timeoutMs: 20_000, baseUrl: gh.baseUrl })

    const data = await readPullRequest(octokit, ref, 7, quietLog())

    expect(data.files).toHaveLength(250)
    expect(data.files.map((f) => f.filename).slice(0, 4)).toEqual(['src/f0.ts', 'logo.png', 'new.ts', 'src/f3.ts'])
    expect(data.files[1]).toEqual({ filename: 'logo.png', status: 'added', additions: 0, deletions: 0 })
    expect(data.files[2]).toMatchObject({ filename: 'new.ts', previousFilename: 'old.ts', status: 'renamed' })
    expect(data.files[249]?.filename).toBe('src/f249.ts')
    expect(data.commits).toHaveLength(120)
    expect(data.commits[119]).toEqual({ sha: 'c119', message: 'commit 119' })
    expect(data.filesTruncated).toBe(false)
    expect(data.pr).toMatchObject({
      number: 7,
      body: '',
      isFork: true,
      changedFiles: 250,
      headSha: 'h'.repeat(40),
      author: 'someone'
    })
    // 1 PR + 3 file pages + 2 commit pages, every listing at the largest page size.
    expect(gh.requests).toHaveLength(6)
    expect(
      gh.requests.filter((r) => r.includes('/files') || r.includes('/commits')).every((r) => r.includes('per_page=100'))
    ).toBe(true)
  })

  it(`stops at GitHub's ${GITHUB_FILES_LIMIT}-file listing limit and flags the rest as hidden`, async () => {
    // GitHub would serve no more than 3,000; this server would, so a request beyond the cap shows up.
    const gh = await startGitHub(prHandler(3100, 300, 3100))
    const octokit = createOctokit('ghs_x', { log: quietLog(), timeoutMs: 20_000, baseUrl: gh.baseUrl })

    const data = await readPullRequest(octokit, ref, 7, quietLog())

    expect(data.files).toHaveLength(GITHUB_FILES_LIMIT)
    expect(data.filesTruncated).toBe(true)
    expect(data.commits).toHaveLength(250)
    expect(gh.requests.some((r) => r.includes('/files') && r.includes('page=31'))).toBe(false)
    expect(gh.requests.some((r) => r.includes('/commits') && r.includes('page=4'))).toBe(false)
    expect(gh.requests.length).toBeLessThanOrEqual(Math.ceil(3000 / 100) + 6)
  })

  it('names pull-number when the PR does not exist', async () => {
    const gh = await startGitHub((_req, _url, res) => json(res, 404, { message: 'Not Found' }))
    const octokit = createOctokit('ghs_x', { log: quietLog(), timeoutMs: 20_000, baseUrl: gh.baseUrl })

    const error = await readPullRequest(octokit, ref, 7, quietLog()).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(ActionError)
    expect((error as Error).message).toMatch(/pull request #7 was not found in octo\/app \(404\); check the pull-number input/)
  })
})

describe('readPullRequest: which request failed', () => {
  it('a 404 on a later page of the files names that page of the listing, not pull-number', async () => {
    const ok = prHandler(250, 3)
    const gh = await startGitHub((req, url, res) => {
      if (url.pathname.endsWith('/files') && url.searchParams.get('page') === '2') return json(res, 404, { message: 'Not Found' })
      ok(req, url, res)
    })
    const octokit = createOctokit('ghs_x', { log: quietLog(), timeoutMs: 20_000, baseUrl: gh.baseUrl })

    const error = await readPullRequest(octokit, ref, 7, quietLog()).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(ActionError)
    expect((error as Error).message).toMatch(
      /^Could not list the changed files of pull request #7 of octo\/app \(page 2\): GitHub answered 404/
    )
    expect((error as Error).message).not.toContain('pull-number')
  })

  it('a missing PR is reported as such even when its file listing fails first', async () => {
    const gh = await startGitHub((_req, url, res) => {
      // The PR's own 404 comes last, so a listing's 404 is the first failure the reader sees.
      if (url.pathname === '/repos/octo/app/pulls/7') return void setTimeout(() => json(res, 404, { message: 'Not Found' }), 100)
      json(res, 404, { message: 'Not Found' })
    })
    const octokit = createOctokit('ghs_x', { log: quietLog(), timeoutMs: 20_000, baseUrl: gh.baseUrl })

    const error = await readPullRequest(octokit, ref, 7, quietLog()).catch((e: unknown) => e)

    expect((error as Error).message).toContain('check the pull-number input')
  })
})

describe('proxies', () => {
  it('configuredProxies lists what is set, without credentials', () => {
    expect(
      configuredProxies({ HTTPS_PROXY: 'http://user:secret@proxy.corp:3128', http_proxy: 'proxy.corp:8080', HTTP_PROXY: '' })
    ).toEqual([
      { variable: 'HTTPS_PROXY', url: 'http://proxy.corp:3128' },
      { variable: 'http_proxy', url: 'http://proxy.corp:8080' }
    ])
  })

  it('errorChain walks causes and AggregateError members breadth first, lists a string cause, and stops at a cycle', () => {
    const inner = new Error('inner')
    const member = new Error('member', { cause: 'text cause' })
    const aggregate = new AggregateError([member], 'aggregate', { cause: inner })
    const outer = new Error('outer', { cause: aggregate })
    expect(errorChain(outer)).toEqual([outer, aggregate, inner, member, 'text cause'])
    const looped = new Error('looped')
    looped.cause = looped
    expect(errorChain(looped)).toEqual([looped])
    expect(errorChain('thrown text')).toEqual(['thrown text'])
    expect(errorChain(undefined)).toEqual([])
  })

  it('networkFailure names a socket, DNS or TLS failure anywhere along the chain, and nothing else', () => {
    const code = (value: string) => Object.assign(new Error(value), { code: value })
    expect(networkFailure(new TypeError('fetch failed', { cause: code('ENOTFOUND') }))).toBe('ENOTFOUND')
    expect(networkFailure(new TypeError('fetch failed', { cause: new AggregateError([code('ECONNREFUSED')]) }))).toBe(
      'ECONNREFUSED'
    )
    expect(networkFailure(new Error('request failed', { cause: code('UNABLE_TO_GET_ISSUER_CERT_LOCALLY') }))).toBe(
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'
    )
    expect(networkFailure(Object.assign(new Error('msal'), { errorCode: 'network_error' }))).toBe('network_error')
    expect(networkFailure(new Error('aborted', { cause: code('ABORT_ERR') }))).toBeUndefined()
    expect(networkFailure(code('PARSE_ERROR'))).toBeUndefined()
    expect(networkFailure('ECONNREFUSED')).toBeUndefined()
  })

  it('failedProxy names a proxy only when the failed connection was to it', () => {
    const env = { HTTPS_PROXY: 'http://proxy.corp:3128' }
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND proxy.corp'), { code: 'ENOTFOUND', hostname: 'proxy.corp' })
    expect(failedProxy(new TypeError('fetch failed', { cause: dns }), env)).toEqual({
      variable: 'HTTPS_PROXY',
      url: 'http://proxy.corp:3128',
      failure: 'ENOTFOUND'
    })
    const elsewhere = Object.assign(new Error('getaddrinfo ENOTFOUND api.github.com'), {
      code: 'ENOTFOUND',
      hostname: 'api.github.com'
    })
    expect(failedProxy(new TypeError('fetch failed', { cause: elsewhere }), env)).toBeUndefined()
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:3128'), {
      code: 'ECONNREFUSED',
      address: '10.0.0.5',
      port: 3128
    })
    expect(failedProxy(new TypeError('fetch failed', { cause: new AggregateError([refused]) }), env)?.failure).toBe(
      'ECONNREFUSED'
    )
    const tunnel = Object.assign(new Error('Proxy response (407) !== 200 when HTTP Tunneling'), { code: 'UND_ERR_ABORTED' })
    expect(failedProxy(new TypeError('fetch failed', { cause: tunnel }), env)?.failure).toBe('answered 407 to CONNECT')
    expect(failedProxy(new TypeError('fetch failed', { cause: refused }), {})).toBeUndefined()
  })

  it('a GitHub request whose proxy is down → names the proxy variable and URL, never its credentials', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    // The closed port stands for the proxy: every connection this client makes fails there.
    const env = { HTTPS_PROXY: `http://user:secret@127.0.0.1:${port}` }
    const octokit = createOctokit('ghs_x', { log: quietLog(), timeoutMs: 1_000, baseUrl: `http://127.0.0.1:${port}`, env })

    const error = await readPullRequest(octokit, ref, 7, quietLog()).catch((e: unknown) => e)

    expect((error as Error).message).toBe(
      `Could not read pull request #7 of octo/app: the proxy http://127.0.0.1:${port} set in HTTPS_PROXY could not be reached (ECONNREFUSED); check that the proxy is up and that HTTPS_PROXY / HTTP_PROXY name it correctly, or list the GitHub API host in NO_PROXY.`
    )
  })
})

describe('createOctokit', () => {
  it('retries a 502 and then succeeds', async () => {
    let failures = 1
    const ok = prHandler(1, 1)
    const gh = await startGitHub((req, url, res) => {
      if (url.pathname === '/repos/octo/app/pulls/7' && failures-- > 0) return json(res, 502, { message: 'Bad Gateway' })
      ok(req, url, res)
    })
    const octokit = createOctokit('ghs_x', { log: quietLog(), timeoutMs: 20_000, baseUrl: gh.baseUrl })

    const data = await readPullRequest(octokit, ref, 7, quietLog())

    expect(data.files).toHaveLength(1)
    expect(gh.requests.filter((r) => r === 'GET /repos/octo/app/pulls/7')).toHaveLength(2)
  })

  it('does not let a hung connection hang the run', async () => {
    const gh = await startGitHub(() => {
      /* never answers */
    })
    const octokit = createOctokit('ghs_x', { log: quietLog(), timeoutMs: 300, baseUrl: gh.baseUrl })

    const error = await readPullRequest(octokit, ref, 7, quietLog()).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(ActionError)
    expect((error as Error).message).toMatch(/GitHub did not answer in time/)
    // The deadline passed on the first attempt, so nothing was retried.
    expect(gh.requests.filter((r) => r === 'GET /repos/octo/app/pulls/7')).toHaveLength(1)
  })

  it('waits out a secondary rate limit as retry-after says', async () => {
    let limited = 1
    const ok = prHandler(1, 1)
    const gh = await startGitHub((req, url, res) => {
      if (url.pathname === '/repos/octo/app/pulls/7' && limited-- > 0) {
        return json(res, 403, { message: 'You have exceeded a secondary rate limit.' }, { 'retry-after': '1' })
      }
      ok(req, url, res)
    })
    const log = quietLog()
    const octokit = createOctokit('ghs_x', { log, timeoutMs: 20_000, baseUrl: gh.baseUrl })

    const data = await readPullRequest(octokit, ref, 7, quietLog())

    expect(data.pr.number).toBe(7)
    expect(log.warnings.join('\n')).toMatch(/secondary rate limit .* retrying in 1s/)
  })

  it('gives up at once, naming the reset time, when the primary limit resets after the deadline', async () => {
    const reset = Math.floor(Date.now() / 1000) + 3600
    const gh = await startGitHub((_req, _url, res) =>
      json(
        res,
        403,
        { message: 'API rate limit exceeded for installation.' },
        { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }
      )
    )
    const octokit = createOctokit('ghs_x', { log: quietLog(), timeoutMs: 20_000, baseUrl: gh.baseUrl })

    const error = await readPullRequest(octokit, ref, 7, quietLog()).catch((e: unknown) => e)

    expect((error as Error).message).toContain(`used up until ${new Date(reset * 1000).toISOString()}`)
    expect(gh.requests.filter((r) => r === 'GET /repos/octo/app/pulls/7')).toHaveLength(1)
  })
})

describe('explainGitHubError', () => {
  const httpError = (status: number, message: string, headers: Record<string, string> = {}) =>
    Object.assign(new Error(message), { status, response: { headers } })

  it('says GitHub could not be reached when the request never left (DNS, refused), not "GitHub failed with 500"', () => {
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND ghe.example.com'), { code: 'ENOTFOUND' })
    const error = explainGitHubError(Object.assign(httpError(500, 'fetch failed'), { cause: dns }), {
      action: 'read pull request octo/app#7'
    })
    expect(error.message).toContain('could not be reached (ENOTFOUND)')
    expect(error.message).toContain('GITHUB_API_URL')
    expect(error.message).not.toContain('githubstatus')
  })

  it('explains a read-only token on a write: the permission and forks', () => {
    const error = explainGitHubError(httpError(403, 'Resource not accessible by integration'), {
      action: 'create the summary comment on octo/app#7',
      write: true
    })
    expect(error.message).toBe(
      'Could not create the summary comment on octo/app#7: the token is read-only here (403 Resource not accessible by integration); give the job "permissions: pull-requests: write", and note that pull requests from forks get a read-only token under the pull_request event (use publish: none there).'
    )
  })

  it('explains a bad github-token', () => {
    expect(explainGitHubError(httpError(401, 'Bad credentials'), { action: 'read pull request #7 of octo/app' }).message).toBe(
      'Could not read pull request #7 of octo/app: GitHub rejected the github-token (401 Bad credentials); pass a valid token in the github-token input or leave it at its default ${{ github.token }}.'
    )
  })

  it('names pull-number and the repository on a 404 for the PR, and nothing of the kind otherwise', () => {
    const pullRequest = { owner: 'octo', repo: 'app', number: 7 }
    expect(explainGitHubError(httpError(404, 'Not Found'), { action: 'read x', pullRequest }).message).toContain(
      'check the pull-number input'
    )
    expect(explainGitHubError(httpError(404, 'Not Found'), { action: 'delete y' }).message).toBe(
      'Could not delete y: GitHub answered 404 (Not Found).'
    )
  })

  it('names the size of a body GitHub found too long', () => {
    const error = explainGitHubError(
      httpError(
        422,
        'Validation Failed: {"resource":"IssueComment","code":"custom","field":"body","message":"body is too long (maximum is 65536 characters)"}'
      ),
      { action: 'update the summary comment on octo/app#7', write: true, bodyLength: 70123 }
    )
    expect(error.message).toMatch(
      /^Could not update the summary comment on octo\/app#7: GitHub rejected the body of 70,123 characters as too long/
    )
  })

  it('tells a timeout from a 5xx, keeps every message on one line, and passes ActionErrors through', () => {
    const timeout = Object.assign(new Error('The operation was aborted due to timeout'), {
      status: 500,
      cause: new DOMException('x', 'TimeoutError')
    })
    expect(explainGitHubError(timeout, { action: 'read x' }).message).toMatch(/did not answer in time/)
    const serverError = explainGitHubError(httpError(503, 'Service Unavailable\n<html>…</html>'), { action: 'read x' })
    expect(serverError.message).toBe(
      'Could not read x: GitHub failed with 503 (Service Unavailable) after retries; re-run the job, and check https://www.githubstatus.com if it persists.'
    )
    const own = new ActionError('already explained')
    expect(explainGitHubError(own, { action: 'read x' })).toBe(own)
    expect(explainGitHubError(new TypeError('fetch failed'), { action: 'read x' }).message).toBe(
      'Could not read x: fetch failed.'
    )
  })
})
