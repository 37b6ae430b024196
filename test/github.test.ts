/**
 * createOctokit's retries (src/github.ts), against the GitHub emulator's fault queue: what is tried
 * again, how often, what never is, and that the deadline and the caller's cancellation stop them.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { createOctokit, rateLimitOf } from '../src/github.js'
import { listenLocal } from './fixtures/http.js'
import { recordingLog } from './fixtures/log.js'

// The emulators are plain JavaScript; loaded untyped.
const load = (path: string): Promise<any> => import(path)
const { startGitHub, primaryRateLimitFault, secondaryRateLimitFault } = await load('./emulators/github.mjs')
const { samplePullRequest } = await load('./emulators/fixtures.mjs')

const OWNER = 'octo-org'
const REPO = 'octo-repo'

let gh: any
let number: number
beforeAll(async () => {
  gh = await startGitHub()
  number = samplePullRequest().number
  gh.addPullRequest(samplePullRequest())
})
afterEach(() => gh.faults.clear())
afterAll(async () => {
  await gh.close()
})

function client(options: { timeoutMs?: number; retryBaseMs?: number } = {}) {
  const log = recordingLog()
  const octokit = createOctokit(gh.installationToken, {
    log,
    timeoutMs: options.timeoutMs ?? 60_000,
    baseUrl: gh.apiUrl,
    retryBaseMs: options.retryBaseMs ?? 1
  })
  return { octokit, log }
}

const hits = (route: string): number => gh.faults.hits.get(route) ?? 0
const readPull = (octokit: ReturnType<typeof client>['octokit'], request: Record<string, unknown> = {}) =>
  octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: number, request })

describe('createOctokit retries', () => {
  it('tries a 5xx again, up to three more times', async () => {
    const { octokit } = client()
    const before = hits('github.pull')
    gh.faults.add('github.pull', { status: 503, json: { message: 'Service Unavailable' } }, 3)
    expect((await readPull(octokit)).data.number).toBe(number)
    expect(hits('github.pull') - before).toBe(4)

    gh.faults.add('github.pull', { status: 502, json: { message: 'Bad Gateway' } }, Infinity)
    const error = await readPull(octokit).catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 502 })
    expect(hits('github.pull') - before).toBe(8)
  })

  it('tries a dropped connection again', async () => {
    const { octokit } = client()
    gh.faults.add('github.pull', { reset: true }, 1)
    expect((await readPull(octokit)).data.number).toBe(number)
  })

  it('never repeats an answer another attempt cannot change, nor a request that asks for no retries', async () => {
    const { octokit } = client()
    const before = hits('github.pull')
    gh.faults.add('github.pull', { status: 404, json: { message: 'Not Found' } }, 1)
    expect(await readPull(octokit).catch((e: unknown) => e)).toMatchObject({ status: 404 })
    expect(hits('github.pull') - before).toBe(1)

    gh.faults.add('github.pull', { status: 500, json: { message: 'Server Error' } }, 1)
    expect(await readPull(octokit, { retries: 0 }).catch((e: unknown) => e)).toMatchObject({ status: 500 })
    expect(hits('github.pull') - before).toBe(2)
  })

  it('does not wait past the deadline, nor after the caller cancelled', async () => {
    // The first wait (1 s) would end after the deadline (0.5 s): the 503 is the answer at once.
    const late = client({ timeoutMs: 500, retryBaseMs: 1_000 })
    const before = hits('github.pull')
    gh.faults.add('github.pull', { status: 503, json: { message: 'Service Unavailable' } }, Infinity)
    expect(await readPull(late.octokit).catch((e: unknown) => e)).toMatchObject({ status: 503 })
    expect(hits('github.pull') - before).toBe(1)

    const { octokit } = client({ retryBaseMs: 60_000 })
    const controller = new AbortController()
    const pending = readPull(octokit, { signal: controller.signal }).catch((e: unknown) => e)
    await new Promise((resolve) => setTimeout(resolve, 100))
    controller.abort()
    expect(await pending).toMatchObject({ status: 503 })
    expect(hits('github.pull') - before).toBe(2)
  })

  it('waits out a secondary rate limit as long as GitHub says, with a warning', async () => {
    const { octokit, log } = client()
    gh.faults.add('github.pull', secondaryRateLimitFault(1), 1)
    const started = Date.now()
    expect((await readPull(octokit)).data.number).toBe(number)
    expect(Date.now() - started).toBeGreaterThanOrEqual(900)
    expect(log.lines.filter((line) => /secondary rate limit on GET .*: retrying in 1s/.test(line))).toHaveLength(1)
  })

  it('gives a primary rate limit that resets after the deadline back to the caller at once', async () => {
    const { octokit, log } = client({ timeoutMs: 5_000 })
    gh.faults.add('github.pull', primaryRateLimitFault({ resetEpochSeconds: Math.floor(Date.now() / 1000) + 3600 }), 1)
    const started = Date.now()
    expect(await readPull(octokit).catch((e: unknown) => e)).toMatchObject({ status: 403 })
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(log.lines).toEqual([])
  })
})

describe('createOctokit plainJson', () => {
  it('answers a request asking for it with the same data, parsed inside the retries', async () => {
    const { octokit } = client()
    const listed = (request: Record<string, unknown>) =>
      octokit.rest.pulls.listFiles({ owner: OWNER, repo: REPO, pull_number: number, per_page: 100, request })
    const octokitParsed = (await listed({})).data
    expect(octokitParsed.length).toBeGreaterThan(0)
    const before = hits('github.files')
    gh.faults.add('github.files', { status: 502, json: { message: 'Bad Gateway' } }, 1)
    const plain = await listed({ plainJson: true })
    expect(plain.data).toEqual(octokitParsed)
    expect(plain.status).toBe(200)
    expect(hits('github.files') - before).toBe(2)
    // A failure is Octokit's as before: its status and message, not a parse error.
    gh.faults.add('github.files', { status: 404, json: { message: 'Not Found' } }, Infinity)
    await expect(listed({ plainJson: true })).rejects.toMatchObject({ status: 404 })
  })

  it("parses with JSON.parse instead of Octokit's big-integer reviver (which would make 2^53 + 1 a BigInt)", async () => {
    const { baseUrl } = await listenLocal((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
      res.end('[{"id": 9007199254740993, "filename": "\u00e9t\u00e9.md"}]')
    })
    const octokit = createOctokit('t', { log: recordingLog(), timeoutMs: 60_000, baseUrl, retryBaseMs: 1 })
    const list = (request: Record<string, unknown>) => octokit.request('GET /list', { request })
    expect((await list({})).data).toEqual([{ id: 9007199254740993n, filename: 'été.md' }])
    expect((await list({ plainJson: true })).data).toEqual([{ id: 9007199254740992, filename: 'été.md' }])
  })
})

describe('rateLimitOf', () => {
  const failure = (status: number, message: string, headers: Record<string, string>) => ({
    status,
    message,
    response: { headers }
  })
  const now = Date.UTC(2026, 0, 1)

  it('reads secondary limits by their message, primary ones by the remaining count', () => {
    expect(rateLimitOf(failure(403, 'You have exceeded a secondary rate limit.', { 'retry-after': '7' }), now)).toEqual({
      kind: 'secondary',
      retryAfterSeconds: 7
    })
    expect(rateLimitOf(failure(429, 'You have exceeded a secondary rate limit.', {}), now)).toEqual({
      kind: 'secondary',
      retryAfterSeconds: 60
    })
    const reset = String(now / 1000 + 30)
    expect(
      rateLimitOf(failure(403, 'API rate limit exceeded', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }), now)
    ).toEqual({ kind: 'primary', retryAfterSeconds: 31 })
  })

  it('is undefined for any other failure', () => {
    expect(rateLimitOf(failure(403, 'Resource not accessible by integration', { 'x-ratelimit-remaining': '12' }), now)).toBe(
      undefined
    )
    expect(rateLimitOf(failure(500, 'secondary rate limit', {}), now)).toBeUndefined()
    expect(rateLimitOf(new Error('socket hang up'), now)).toBeUndefined()
  })
})
