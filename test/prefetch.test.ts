/**
 * The PR's first reads, sent by the entry point before the bundle loads (src/prefetch.ts): only when
 * main() would send them too, exactly as Octokit sends them, and each answer used once, as the first
 * attempt of Octokit's own request, so that no request is added.
 */
import { describe, expect, it } from '@jest/globals'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { IncomingMessage } from 'node:http'
import { createOctokit } from '../src/github.js'
import { prefetchPullRequest } from '../src/prefetch.js'
import { readPullRequest } from '../src/pull.js'
import { json, listenLocal } from './fixtures/http.js'
import { recordingLog } from './fixtures/log.js'

const PULL = {
  number: 7,
  title: 'Add things',
  body: null,
  draft: false,
  html_url: 'https://github.com/octo/app/pull/7',
  head: { sha: 'h'.repeat(40), repo: { full_name: 'octo/app' } },
  base: { sha: 'b'.repeat(40), repo: { full_name: 'octo/app' } },
  user: { login: 'someone' },
  changed_files: 1,
  commits: 1,
  additions: 3,
  deletions: 1
}
const FILES = [{ filename: 'src/a.ts', status: 'modified', additions: 3, deletions: 1, patch: '@@ -1 +1 @@\n-a\n+b' }]
const COMMITS = [{ sha: 'c'.repeat(40), commit: { message: 'Change a' } }]

/** A GitHub stand-in that records each request (path and headers) and serves one PR. */
async function github(status = 200) {
  const requests: Array<{ path: string; headers: IncomingMessage['headers'] }> = []
  const { baseUrl } = await listenLocal((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    requests.push({ path: `${req.method} ${url.pathname}${url.search}`, headers: req.headers })
    if (status !== 200) return json(res, status, { message: 'Server Error' })
    if (url.pathname === '/repos/octo/app/pulls/7') return json(res, 200, PULL, { 'x-ratelimit-remaining': '999' })
    if (url.pathname === '/repos/octo/app/pulls/7/files') return json(res, 200, FILES)
    if (url.pathname === '/repos/octo/app/pulls/7/commits') return json(res, 200, COMMITS)
    json(res, 404, { message: 'Not Found' })
  })
  return { baseUrl, requests }
}

/** A runner's environment for a `pull_request` run of PR 7 against `apiUrl`. */
async function runnerEnv(apiUrl: string, overrides: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> {
  const dir = await mkdtemp(join(tmpdir(), 'prefetch-'))
  const eventPath = join(dir, 'event.json')
  await writeFile(
    eventPath,
    JSON.stringify({
      pull_request: { number: 7, head: { repo: { full_name: 'octo/app' } }, base: { repo: { full_name: 'octo/app' } } }
    })
  )
  return {
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: 'octo/app',
    GITHUB_API_URL: apiUrl,
    ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:1/token',
    INPUT_ENDPOINT: 'https://contoso.openai.azure.com',
    INPUT_DEPLOYMENT: 'gpt-4o-mini',
    'INPUT_GITHUB-TOKEN': 'ghs_abc',
    'INPUT_CLIENT-ID': '00000000-0000-0000-0000-000000000001',
    'INPUT_TENANT-ID': '00000000-0000-0000-0000-000000000002',
    ...overrides
  }
}

describe('prefetchPullRequest', () => {
  it('sends the PR and the first page of its files and commits, as Octokit would, and Octokit takes each answer once', async () => {
    const gh = await github()
    const prefetched = prefetchPullRequest(await runnerEnv(gh.baseUrl))
    expect(prefetched).toBeDefined()
    await prefetched?.sent
    const octokit = createOctokit('ghs_abc', {
      log: recordingLog(),
      timeoutMs: 30_000,
      baseUrl: gh.baseUrl,
      ...(prefetched ? { prefetched } : {})
    })
    const data = await readPullRequest(octokit, { owner: 'octo', repo: 'app' }, 7, recordingLog())
    expect(data.pr).toMatchObject({ number: 7, changedFiles: 1, changedLines: 4 })
    expect(data.files.map((file) => file.filename)).toEqual(['src/a.ts'])
    expect(data.commits.map((commit) => commit.message)).toEqual(['Change a'])
    // Three requests in all: the early ones, none sent again by Octokit.
    expect(gh.requests.map((request) => request.path).sort()).toEqual([
      'GET /repos/octo/app/pulls/7',
      'GET /repos/octo/app/pulls/7/commits?per_page=100&page=1',
      'GET /repos/octo/app/pulls/7/files?per_page=100&page=1'
    ])
    expect(gh.requests[0]?.headers).toMatchObject({ authorization: 'token ghs_abc', accept: 'application/vnd.github.v3+json' })
    // Taken once: a second GET of the same URL is Octokit's own.
    await octokit.rest.pulls.get({ owner: 'octo', repo: 'app', pull_number: 7 })
    expect(gh.requests).toHaveLength(4)
  })

  it('gives a failed first attempt to Octokit, which retries it as its own', async () => {
    const gh = await github(502)
    const prefetched = prefetchPullRequest(await runnerEnv(gh.baseUrl))
    const octokit = createOctokit('ghs_abc', {
      log: recordingLog(),
      timeoutMs: 30_000,
      baseUrl: gh.baseUrl,
      ...(prefetched ? { prefetched } : {})
    })
    await expect(
      octokit.rest.pulls.get({ owner: 'octo', repo: 'app', pull_number: 7, request: { retries: 1, retryAfter: 0 } })
    ).rejects.toMatchObject({ status: 502 })
    // The early attempt, then one retry: as without the prefetch.
    expect(gh.requests.filter((request) => request.path === 'GET /repos/octo/app/pulls/7')).toHaveLength(2)
  })

  it('answers a request whose caller gave up with the reason it gave up', async () => {
    const gh = await github()
    const prefetched = prefetchPullRequest(await runnerEnv(gh.baseUrl))
    const cancelled = new AbortController()
    cancelled.abort(new Error('sibling failed'))
    const early = prefetched?.take(`${gh.baseUrl}/repos/octo/app/pulls/7`, cancelled.signal, () =>
      Promise.reject(new Error('not sent'))
    )
    await expect(early).rejects.toThrow('sibling failed')
    expect(prefetched?.take('http://127.0.0.1/other', undefined, () => Promise.reject(new Error('x')))).toBeUndefined()
  })

  it('rejects a network failure as fetch does: a TypeError with the error as its cause', async () => {
    const prefetched = prefetchPullRequest(await runnerEnv('http://127.0.0.1:1'))
    const early = prefetched?.take('http://127.0.0.1:1/repos/octo/app/pulls/7', undefined, () => Promise.reject(new Error('x')))
    await expect(early).rejects.toMatchObject({ name: 'TypeError', message: 'fetch failed', cause: { code: 'ECONNREFUSED' } })
  })

  it('sends nothing when main() might not read the PR first', async () => {
    const env = await runnerEnv('http://127.0.0.1:1')
    const cases: Array<Record<string, string>> = [
      { GITHUB_EVENT_NAME: 'issue_comment' },
      { GITHUB_EVENT_NAME: 'workflow_dispatch' },
      { HTTPS_PROXY: 'http://proxy:3128' },
      { http_proxy: 'http://proxy:3128' },
      { 'INPUT_GITHUB-TOKEN': '' },
      { 'INPUT_CLIENT-ID': 'not-a-guid' },
      { 'INPUT_PULL-NUMBER': 'abc' },
      { GITHUB_REPOSITORY: 'octo' },
      { GITHUB_EVENT_PATH: join(tmpdir(), 'no-such-event.json') }
    ]
    for (const overrides of cases) expect(prefetchPullRequest({ ...env, ...overrides })).toBeUndefined()
    // A fork PR without an OIDC token is skipped before settings are read.
    const dir = await mkdtemp(join(tmpdir(), 'prefetch-'))
    const fork = join(dir, 'event.json')
    await writeFile(
      fork,
      JSON.stringify({
        pull_request: { number: 7, head: { repo: { full_name: 'fork/app' } }, base: { repo: { full_name: 'octo/app' } } }
      })
    )
    expect(prefetchPullRequest({ ...env, GITHUB_EVENT_PATH: fork, ACTIONS_ID_TOKEN_REQUEST_URL: '' })).toBeUndefined()
  })
})
