/**
 * run() with a RunContext built around the project's local emulators (GitHub REST and Azure OpenAI on
 * 127.0.0.1): no module mocks, no runner. The api-key auth mode keeps Entra ID out of these tests;
 * keyless auth is covered end to end by test/e2e/keyless.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { ActionError } from '../src/errors.js'
import { createOctokit } from '../src/github.js'
import { run, type RunContext } from '../src/run.js'
import type { Settings } from '../src/types.js'
import { samplePullRequest } from './emulators/fixtures.mjs'
import { startGitHub } from './emulators/github.mjs'
import { startOpenAI } from './emulators/openai.mjs'
import { recordingLog } from './fixtures/log.js'
import { testSettings } from './fixtures/settings.js'

const API_KEY = 'run-test-azure-openai-key-0123456789'
const MARKER = '<!-- azure-openai-pr-summary:comment'

let github: Awaited<ReturnType<typeof startGitHub>>
let openai: Awaited<ReturnType<typeof startOpenAI>>

beforeEach(async () => {
  github = await startGitHub()
  openai = await startOpenAI({ apiKey: API_KEY })
})
afterEach(async () => {
  await Promise.all([github.close(), openai.close()])
})

/** A context for the sample PR, planted in the GitHub emulator with `changes` on top. */
function context(over: Partial<Settings> = {}, changes: Partial<ReturnType<typeof samplePullRequest>> = {}) {
  const pr = { ...samplePullRequest(), ...changes }
  github.addPullRequest(pr)
  const log = { ...recordingLog(), group: <T>(_name: string, work: () => Promise<T>) => work() }
  const settings = testSettings({
    endpoint: openai.url,
    deployment: 'gpt-4o-mini',
    auth: 'api-key',
    apiKey: API_KEY,
    githubToken: github.installationToken,
    pullNumber: pr.number,
    ...over
  })
  const secrets: string[] = []
  const ctx: RunContext = {
    event: { name: 'pull_request', payload: {} },
    repo: { owner: pr.owner, repo: pr.repo },
    settings,
    github: createOctokit(settings.githubToken, { log, timeoutMs: 30_000, baseUrl: github.apiUrl }),
    azure: {
      hasIdToken: false,
      getIDToken: () => Promise.reject(new Error('no OIDC token in this test')),
      setSecret: (secret) => secrets.push(secret),
      env: {}
    },
    log,
    serverUrl: github.serverUrl,
    startedAt: Date.now(),
    now: Date.now
  }
  return { ctx, pr, log, secrets }
}

describe('run', () => {
  it('publishes one sticky comment and reports what it spent', async () => {
    const { ctx, pr, secrets } = context()
    const result = await run(ctx)

    const comments = github.comments(pr.owner, pr.repo, pr.number)
    expect(comments).toHaveLength(1)
    expect(comments[0].body.startsWith(MARKER)).toBe(true)
    expect(result).toMatchObject({
      skipped: '',
      published: true,
      commentId: comments[0].id,
      commentUrl: comments[0].html_url,
      filesTotal: pr.files.length,
      modelCalls: 1
    })
    expect(result.filesSummarized + result.filesOmitted).toBe(pr.files.length)
    expect(result.promptTokens).toBeGreaterThan(0)
    expect(comments[0].body).toContain(result.summary)
    expect(result.jobSummary).toContain(`Published: ${comments[0].html_url}`)
    expect(openai.requests).toHaveLength(1)
    expect(secrets).toContain(API_KEY)
  })

  it('spends nothing on an unchanged PR and points at the summary already there', async () => {
    const first = context()
    const published = await run(first.ctx)
    const again = { ...first.ctx, log: { ...recordingLog(), group: first.ctx.log.group } }

    const result = await run(again)
    expect(result).toMatchObject({ skipped: 'unchanged', published: true, modelCalls: 0, commentId: published.commentId })
    expect(result.summary).toBe(published.summary)
    expect(again.log.notices.join('\n')).toMatch(/unchanged since the last summary/)
    expect(openai.requests).toHaveLength(1)
    expect(github.comments(first.pr.owner, first.pr.repo, first.pr.number)).toHaveLength(1)
  })

  it('skips a draft PR before any model call or write', async () => {
    const { ctx, log } = context({}, { draft: true })
    const result = await run(ctx)
    expect(result).toMatchObject({ skipped: 'draft', published: false, modelCalls: 0, summary: '' })
    expect(log.notices.join('\n')).toMatch(/is a draft/)
    expect(result.jobSummary).toMatch(/^### Azure OpenAI PR summary skipped/)
    expect(openai.requests).toHaveLength(0)
    expect(github.requests.filter((request: { method: string }) => request.method !== 'GET')).toHaveLength(0)
  })

  it('skips a fork PR whose job has no OIDC token, and fails a same-repo job that lacks the permission', async () => {
    const oidc = {
      auth: 'oidc' as const,
      apiKey: '',
      clientId: '00000000-0000-0000-0000-000000000001',
      tenantId: 'contoso.onmicrosoft.com'
    }
    const fork = context(oidc, { headRepo: { owner: 'outside-contributor', repo: 'octo-repo' } })
    await expect(run(fork.ctx)).resolves.toMatchObject({ skipped: 'fork-without-oidc', modelCalls: 0 })

    await github.close()
    github = await startGitHub()
    const same = context(oidc)
    await expect(run(same.ctx)).rejects.toThrow(/id-token: write/)
    expect(openai.requests).toHaveLength(0)
  })

  it('fails with the fix when the deployment does not exist, and publishes nothing', async () => {
    const { ctx, pr } = context({ deployment: 'gpt-4o-typo' })
    const failure = run(ctx)
    await expect(failure).rejects.toBeInstanceOf(ActionError)
    await expect(failure).rejects.toThrow(/gpt-4o-typo/)
    expect(github.comments(pr.owner, pr.repo, pr.number)).toHaveLength(0)
  })

  it('reports a description with no room for the section as not published', async () => {
    const { ctx, log } = context({ publish: 'description' }, { body: 'x'.repeat(65_400) })
    const result = await run(ctx)
    expect(result).toMatchObject({ skipped: '', published: false, modelCalls: 1 })
    expect(result.summary).not.toBe('')
    expect(log.warnings.join('\n')).toMatch(/too long .* to add a summary section/)
    expect(result.jobSummary).toMatch(/Not published: the PR description leaves no room/)
  })

  it('asks for the pull-number input when the event names no pull request', async () => {
    const { ctx } = context()
    await expect(run({ ...ctx, settings: { ...ctx.settings, pullNumber: undefined } })).rejects.toThrow(/'pull-number' input/)
  })
})
