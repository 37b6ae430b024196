/**
 * The GitHub REST and Azure OpenAI emulators, driven by the real clients the action uses (Octokit as
 * @actions/github builds it, the openai SDK), and the forward proxy. If an emulator drifts from what
 * these clients expect, the e2e tests built on it would prove nothing; these tests catch that.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { request as httpRequest } from 'node:http'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getOctokit } from '@actions/github'
import { throttling } from '@octokit/plugin-throttling'
import OpenAI from 'openai'
import { encode, encodeChat } from 'gpt-tokenizer/model/gpt-4o'
import { fetch as undiciFetch, ProxyAgent } from 'undici'

// The emulators are plain JavaScript (no build step for `npm run demo`); tsconfig has allowJs off,
// so they are loaded untyped.
const load = (path: string): Promise<any> => import(path)
const { startGitHub, secondaryRateLimitFault, primaryRateLimitFault, GITHUB_BODY_MAX_CHARS } =
  await load('./emulators/github.mjs')
const { startOpenAI, rateLimitFault, contentFilterFault } = await load('./emulators/openai.mjs')
const { startConnectProxy } = await load('./emulators/proxy.mjs')
const { generatedPullRequest, samplePullRequest, pullRequestEvent } = await load('./emulators/fixtures.mjs')
const { parseOutputs, runAction } = await load('./emulators/run-action.mjs')
const { startEmulators } = await load('./emulators/index.mjs')

const OWNER = 'octo-org'
const REPO = 'octo-repo'

/** Status of a rejected Octokit/OpenAI call, and the error itself for further checks. */
async function failure(promise: Promise<unknown>): Promise<{ status: number; error: any }> {
  try {
    await promise
  } catch (error) {
    return { status: (error as { status: number }).status, error }
  }
  throw new Error('expected the request to fail')
}

describe('GitHub emulator with Octokit from @actions/github', () => {
  let gh: any
  let bot: ReturnType<typeof getOctokit>
  let user: ReturnType<typeof getOctokit>

  beforeAll(async () => {
    gh = await startGitHub()
    bot = getOctokit(gh.installationToken, { baseUrl: gh.apiUrl })
    user = getOctokit('ghp_user', { baseUrl: gh.apiUrl })
  })
  afterAll(() => gh.close())

  it('serves a planted PR with totals computed from its files', async () => {
    const pr = samplePullRequest()
    gh.addPullRequest(pr)
    const { data, headers } = await bot.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: pr.number })
    expect(data.title).toBe(pr.title)
    expect(data.changed_files).toBe(pr.files.length)
    expect(data.additions).toBe(pr.files.reduce((sum: number, f: any) => sum + f.additions, 0))
    expect(data.head.sha).toBe(pr.headSha)
    expect(data.html_url).toBe(`${gh.serverUrl}/${OWNER}/${REPO}/pull/${pr.number}`)
    expect(headers['x-github-request-id']).toMatch(/\S/)
    expect(Number(headers['x-ratelimit-remaining'])).toBeLessThan(Number(headers['x-ratelimit-limit']))
    const commits = await bot.paginate(bot.rest.pulls.listCommits, { owner: OWNER, repo: REPO, pull_number: pr.number })
    expect(commits.map((c) => c.commit.message)).toEqual(pr.commits.map((c: any) => c.message))
  })

  it('pages files 100 at a time with Link headers and stops at GitHub’s 3,000-file cap', async () => {
    const pr = generatedPullRequest({ files: 3105, linesPerFile: 1, seed: 3, number: 3105 })
    gh.addPullRequest(pr)
    const before = gh.requests.length
    const first = await bot.rest.pulls.listFiles({ owner: OWNER, repo: REPO, pull_number: 3105, per_page: 100 })
    expect(first.data).toHaveLength(100)
    expect(first.headers.link).toContain('rel="next"')
    expect(first.headers.link).toMatch(/page=30>; rel="last"/)

    const all = await bot.paginate(bot.rest.pulls.listFiles, { owner: OWNER, repo: REPO, pull_number: 3105, per_page: 100 })
    expect(all).toHaveLength(3000)
    expect(all.map((f) => f.filename)).toEqual(pr.files.slice(0, 3000).map((f: any) => f.filename))
    const pages = gh.requests.slice(before).filter((r: any) => r.route === 'github.files')
    expect(pages).toHaveLength(31)
    const { data } = await bot.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 3105 })
    expect(data.changed_files).toBe(3105)
    // per_page above 100 is clamped, as on GitHub.
    const clamped = await bot.rest.pulls.listFiles({ owner: OWNER, repo: REPO, pull_number: 3105, per_page: 500 })
    expect(clamped.data).toHaveLength(100)
  })

  it('lets each identity edit only its own comments', async () => {
    const n = 42
    const created = await bot.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: n, body: 'first' })
    expect(created.status).toBe(201)
    expect(created.data.user).toMatchObject({ login: 'github-actions[bot]', type: 'Bot' })
    const updated = await bot.rest.issues.updateComment({ owner: OWNER, repo: REPO, comment_id: created.data.id, body: 'second' })
    expect(updated.data.body).toBe('second')

    const planted = gh.addComment(OWNER, REPO, n, { body: 'by a human', login: 'octo-reviewer' })
    const edit = await failure(
      bot.rest.issues.updateComment({ owner: OWNER, repo: REPO, comment_id: planted.id, body: 'hijack' })
    )
    expect(edit.status).toBe(403)
    expect(edit.error.message).toContain('Resource not accessible by integration')
    expect((await failure(bot.rest.issues.deleteComment({ owner: OWNER, repo: REPO, comment_id: planted.id }))).status).toBe(403)
    expect(
      (await failure(user.rest.issues.updateComment({ owner: OWNER, repo: REPO, comment_id: created.data.id, body: 'x' }))).status
    ).toBe(403)

    const mine = await user.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: n, body: 'from a PAT' })
    expect(mine.data.user).toMatchObject({ login: 'octo-user', type: 'User' })
    expect((await bot.rest.issues.deleteComment({ owner: OWNER, repo: REPO, comment_id: created.data.id })).status).toBe(204)

    const listed = await bot.paginate(bot.rest.issues.listComments, { owner: OWNER, repo: REPO, issue_number: n, per_page: 1 })
    expect(listed.map((c) => c.body)).toEqual(['by a human', 'from a PAT'])
    expect(gh.comments(OWNER, REPO, n).map((c: any) => c.body)).toEqual(['by a human', 'from a PAT'])
    expect((await failure(bot.rest.issues.updateComment({ owner: OWNER, repo: REPO, comment_id: 999, body: 'x' }))).status).toBe(
      404
    )
  })

  it('rejects bodies over 65,536 characters, counted in code points', async () => {
    expect(GITHUB_BODY_MAX_CHARS).toBe(65_536)
    const tooLong = await failure(
      bot.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 42, body: 'a'.repeat(65_537) })
    )
    expect(tooLong.status).toBe(422)
    expect(tooLong.error.response.data.errors[0].message).toBe('body is too long (maximum is 65536 characters)')
    // 65,536 emoji are 131,072 UTF-16 units but 65,536 characters: accepted.
    const emoji = await bot.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 42, body: '😀'.repeat(65_536) })
    expect(emoji.status).toBe(201)
    const prBody = await failure(bot.rest.pulls.update({ owner: OWNER, repo: REPO, pull_number: 42, body: 'b'.repeat(65_537) }))
    expect(prBody.status).toBe(422)
    await bot.rest.pulls.update({ owner: OWNER, repo: REPO, pull_number: 42, body: 'new body' })
    expect(gh.pull(OWNER, REPO, 42).body).toBe('new body')
  })

  it('answers /user by token kind and refuses unknown or read-only tokens', async () => {
    const installation = await failure(bot.rest.users.getAuthenticated())
    expect(installation.status).toBe(403)
    expect(installation.error.response.data.message).toBe('Resource not accessible by integration')
    expect((await user.rest.users.getAuthenticated()).data).toMatchObject({ login: 'octo-user', type: 'User' })
    const stranger = getOctokit('ghp_unknown', { baseUrl: gh.apiUrl })
    expect((await failure(stranger.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 42 }))).status).toBe(401)

    gh.state.tokens.ghs_readonly = 'github-actions[bot]'
    gh.state.readOnlyTokens.add('ghs_readonly')
    const reader = getOctokit('ghs_readonly', { baseUrl: gh.apiUrl })
    expect((await reader.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 42 })).status).toBe(200)
    expect(
      (await failure(reader.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 42, body: 'x' }))).status
    ).toBe(403)
  })

  it('creates the comment and still answers 502 for an after-fault', async () => {
    const before = gh.comments(OWNER, REPO, 42).length
    gh.faults.add('github.comments.create', { after: true, status: 502, json: { message: 'Server Error' } })
    const result = await failure(
      bot.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 42, body: 'lost answer' })
    )
    expect(result.status).toBe(502)
    const after = gh.comments(OWNER, REPO, 42)
    expect(after).toHaveLength(before + 1)
    expect(after.at(-1).body).toBe('lost answer')
  })

  it('expresses primary and secondary rate limits the way Octokit’s throttling plugin reads them', async () => {
    const seen: string[] = []
    const throttled = getOctokit(
      'ghp_user',
      {
        baseUrl: gh.apiUrl,
        throttle: {
          retryAfterBaseValue: 1, // retry-after seconds → 1 ms each, so the test does not sleep
          onSecondaryRateLimit: () => (seen.push('secondary'), true),
          onRateLimit: () => (seen.push('primary'), true)
        }
      },
      throttling
    )
    gh.faults.add('github.user', secondaryRateLimitFault(2))
    gh.faults.add('github.user', primaryRateLimitFault({ status: 429 }))
    const { data } = await throttled.rest.users.getAuthenticated()
    expect(data.login).toBe('octo-user')
    expect(seen).toEqual(['secondary', 'primary'])
    expect(gh.faults.hits.get('github.user')).toBeGreaterThanOrEqual(3)
  })

  it('answers unknown routes with 404 Not Found', async () => {
    const response = await fetch(`${gh.apiUrl}/repos/${OWNER}/${REPO}/pulls/42/reviews`, {
      headers: { authorization: 'token ghp_user' }
    })
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({ message: 'Not Found' })
  })
})

describe('GitHub emulator as GitHub Enterprise Server', () => {
  it('serves the API under /api/v3 only', async () => {
    const ghes = await startGitHub({ ghes: true })
    try {
      expect(ghes.apiUrl).toBe(`${ghes.serverUrl}/api/v3`)
      ghes.addPullRequest({ ...samplePullRequest(), number: 5 })
      const octokit = getOctokit(ghes.installationToken, { baseUrl: ghes.apiUrl })
      const files = await octokit.paginate(octokit.rest.pulls.listFiles, {
        owner: OWNER,
        repo: REPO,
        pull_number: 5,
        per_page: 2
      })
      expect(files).toHaveLength(samplePullRequest().files.length)
      expect(ghes.requests.every((r: any) => r.path.startsWith('/api/v3/'))).toBe(true)
      const bare = await fetch(`${ghes.serverUrl}/repos/${OWNER}/${REPO}/pulls/5`, {
        headers: { authorization: `token ${ghes.installationToken}` }
      })
      expect(bare.status).toBe(404)
    } finally {
      await ghes.close()
    }
  })
})

describe('Azure OpenAI emulator with the openai SDK', () => {
  const apiKey = 'emulated-azure-openai-key'
  const entra = {
    clientId: 'client-with-role',
    verifyAccessToken: (token: string) =>
      ({
        'token-with-role': { aud: 'https://cognitiveservices.azure.com', appid: 'client-with-role', oid: 'oid-1' },
        'token-without-role': { aud: 'https://cognitiveservices.azure.com', appid: 'client-without-role', oid: 'oid-2' },
        'token-for-graph': { aud: 'https://graph.microsoft.com', appid: 'client-with-role', oid: 'oid-1' }
      })[token]
  }
  let ai: any
  let client: OpenAI

  beforeAll(async () => {
    ai = await startOpenAI({ entra, apiKey, deployments: ['gpt-4o-mini', 'summarizer'] })
    client = new OpenAI({ baseURL: `${ai.url}/openai/v1/`, apiKey, maxRetries: 0 })
  })
  afterAll(() => ai.close())

  const messages = [
    { role: 'system' as const, content: 'Summarize the pull request.' },
    { role: 'user' as const, content: 'File: src/http/retry.ts (added, +24 -0)\n@@ -0,0 +1 @@\n+x\nFile: README.md\n+docs' }
  ]
  const summarySchema = {
    type: 'object',
    additionalProperties: false,
    required: ['overview', 'changes', 'files', 'risks'],
    properties: {
      overview: { type: 'string' },
      changes: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['area', 'points'],
          properties: { area: { type: 'string' }, points: { type: 'array', items: { type: 'string' } } }
        }
      },
      files: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['path', 'summary'],
          properties: { path: { type: 'string' }, summary: { type: 'string' } }
        }
      },
      risks: { type: 'array', items: { type: 'string' } }
    }
  }

  it('answers json_schema requests with JSON that fits the schema and names the prompt’s files', async () => {
    const completion = await client.chat.completions.create({
      model: 'summarizer',
      messages,
      max_completion_tokens: 500,
      response_format: { type: 'json_schema', json_schema: { name: 'summary', strict: true, schema: summarySchema } }
    })
    const content = completion.choices[0]?.message.content ?? ''
    const doc = JSON.parse(content)
    expect(typeof doc.overview).toBe('string')
    expect(doc.changes.length).toBeGreaterThanOrEqual(1)
    expect(doc.changes.length).toBeLessThanOrEqual(3)
    for (const change of doc.changes) {
      expect(typeof change.area).toBe('string')
      expect(change.points.every((p: unknown) => typeof p === 'string')).toBe(true)
    }
    expect(doc.files.map((f: any) => f.path)).toEqual(['src/http/retry.ts', 'README.md'])
    expect(doc.files.every((f: any) => typeof f.summary === 'string')).toBe(true)
    expect(Array.isArray(doc.risks)).toBe(true)

    expect(completion.usage?.prompt_tokens).toBe(encodeChat(messages, 'gpt-4o').length)
    expect(completion.usage?.completion_tokens).toBe(encode(content).length)
    expect(completion.choices[0]?.finish_reason).toBe('stop')
    // Deterministic: the same request gets the same answer.
    const again = await client.chat.completions.create({
      model: 'summarizer',
      messages,
      response_format: { type: 'json_schema', json_schema: { name: 'summary', strict: true, schema: summarySchema } }
    })
    expect(again.choices[0]?.message.content).toBe(content)
  })

  it('answers plain markdown without a response_format, and records requests without secrets', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages })
    expect(completion.choices[0]?.message.content).toContain('`src/http/retry.ts`')
    const last = ai.requests.at(-1)
    expect(last).toMatchObject({ path: '/openai/v1/chat/completions', deployment: 'gpt-4o-mini', auth: 'api-key', status: 200 })
    expect(JSON.stringify(ai.requests)).not.toContain(apiKey)
  })

  it('answers an unknown deployment with 404 DeploymentNotFound', async () => {
    const result = await failure(client.chat.completions.create({ model: 'gpt-5-typo', messages }))
    expect(result.status).toBe(404)
    expect(result.error.code).toBe('DeploymentNotFound')
  })

  it('answers a prompt over the context window with context_length_exceeded', async () => {
    ai.state.contextWindow = 60
    try {
      const result = await failure(client.chat.completions.create({ model: 'gpt-4o-mini', messages, max_completion_tokens: 40 }))
      expect(result.status).toBe(400)
      expect(result.error.code).toBe('context_length_exceeded')
      expect(result.error.param).toBe('messages')
      expect(result.error.message).toContain("This model's maximum context length is 60 tokens")
    } finally {
      ai.state.contextWindow = 128_000
    }
  })

  it('sends a 429 with retry-after-ms that the SDK waits out and retries', async () => {
    const retrying = new OpenAI({ baseURL: `${ai.url}/openai/v1/`, apiKey, maxRetries: 2 })
    ai.faults.add('openai.chat', rateLimitFault(5))
    const before = ai.requests.length
    const completion = await retrying.chat.completions.create({ model: 'gpt-4o-mini', messages })
    expect(completion.choices[0]?.message.content).toBeTruthy()
    expect(ai.requests.slice(before).map((r: any) => r.status)).toEqual([429, 200])
  })

  it('expresses content filtering as a 400 fault and as a finish_reason', async () => {
    ai.faults.add('openai.chat', contentFilterFault())
    const filtered = await failure(client.chat.completions.create({ model: 'gpt-4o-mini', messages }))
    expect(filtered.status).toBe(400)
    expect(filtered.error.code).toBe('content_filter')
    expect(filtered.error.error.innererror.content_filter_result.jailbreak.filtered).toBe(true)

    ai.state.respond = () => ({ content: '', finish_reason: 'content_filter' })
    try {
      const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages })
      expect(completion.choices[0]?.finish_reason).toBe('content_filter')
      expect(completion.usage?.completion_tokens).toBe(0)
    } finally {
      ai.state.respond = undefined
    }
  })

  it('can reject json_schema like older deployments do', async () => {
    ai.state.rejectJsonSchema = true
    try {
      const result = await failure(
        client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages,
          response_format: { type: 'json_schema', json_schema: { name: 's', schema: summarySchema } }
        })
      )
      expect(result.status).toBe(400)
      expect(result.error.param).toBe('response_format')
    } finally {
      ai.state.rejectJsonSchema = false
    }
  })

  it('checks Entra tokens: audience, and the data-plane role of the principal', async () => {
    const as = (token: string) => new OpenAI({ baseURL: `${ai.url}/openai/v1/`, apiKey: token, maxRetries: 0 })
    const ok = await as('token-with-role').chat.completions.create({ model: 'gpt-4o-mini', messages })
    expect(ok.choices[0]?.message.content).toBeTruthy()
    expect(ai.requests.at(-1).auth).toBe('bearer')

    const denied = await failure(as('token-without-role').chat.completions.create({ model: 'gpt-4o-mini', messages }))
    expect(denied.status).toBe(403)
    expect(denied.error.code).toBe('PermissionDenied')
    expect(denied.error.message).toContain('The principal `oid-2` lacks the required data action')
    expect(denied.error.message).toContain('Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action')

    expect((await failure(as('token-for-graph').chat.completions.create({ model: 'gpt-4o-mini', messages }))).status).toBe(401)
    expect((await failure(as('forged').chat.completions.create({ model: 'gpt-4o-mini', messages }))).status).toBe(401)
    ai.state.roleHolders.add('client-without-role')
    expect(
      (await as('token-without-role').chat.completions.create({ model: 'gpt-4o-mini', messages })).usage?.prompt_tokens
    ).toBeGreaterThan(0)
  })

  it('serves the classic dated route with the api-key header, and 404s it without api-version', async () => {
    const post = (query: string, headers: Record<string, string>) =>
      fetch(`${ai.url}/openai/deployments/summarizer/chat/completions${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ messages })
      })
    const ok = await post('?api-version=2024-10-21', { 'api-key': apiKey })
    expect(ok.status).toBe(200)
    expect(((await ok.json()) as any).usage.prompt_tokens).toBe(encodeChat(messages, 'gpt-4o').length)
    expect((await post('', { 'api-key': apiKey })).status).toBe(404)
    expect((await post('?api-version=2024-10-21', { 'api-key': 'wrong' })).status).toBe(401)
    // The key as a bearer token is a v1-only convenience; the classic route wants the header.
    expect((await post('?api-version=2024-10-21', { authorization: `Bearer ${apiKey}` })).status).toBe(401)
  })
})

describe('forward proxy', () => {
  let proxy: any
  let gh: any
  beforeAll(async () => {
    proxy = await startConnectProxy()
    gh = await startGitHub()
  })
  afterAll(async () => {
    await proxy.close()
    await gh.close()
  })

  it('tunnels CONNECT requests', async () => {
    const response = await undiciFetch(`${gh.apiUrl}/user`, {
      headers: { authorization: 'token ghp_user' },
      dispatcher: new ProxyAgent(proxy.url)
    })
    expect(response.status).toBe(200)
    expect(((await response.json()) as { login: string }).login).toBe('octo-user')
    expect(proxy.requests).toContainEqual({ method: 'CONNECT', target: new URL(gh.apiUrl).host })
  })

  it('forwards absolute-form plain http requests', async () => {
    const target = `${gh.apiUrl}/user`
    const { port } = new URL(proxy.url)
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: target, headers: { authorization: 'token ghp_user' } }, (res) => {
        let body = ''
        res.setEncoding('utf8').on('data', (chunk) => (body += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      })
      req.on('error', reject)
      req.end()
    })
    expect(status).toBe(200)
    expect(JSON.parse(body).login).toBe('octo-user')
    expect(proxy.requests).toContainEqual({ method: 'GET', target })
  })
})

describe('fixtures and harness helpers', () => {
  it('generates the same large PR from the same seed, with counts that match the patches', () => {
    const a = generatedPullRequest({ files: 1000, linesPerFile: 5, seed: 9 })
    const b = generatedPullRequest({ files: 1000, linesPerFile: 5, seed: 9 })
    expect(JSON.stringify(a)).toBe(JSON.stringify(b))
    expect(a.files).toHaveLength(1000)
    expect(new Set(a.files.map((f: any) => f.filename)).size).toBe(1000)
    expect(a.files.filter((f: any) => f.filename === 'package-lock.json')).toHaveLength(1)
    for (const prefix of ['src/', 'test/', 'docs/', 'config/'])
      expect(a.files.some((f: any) => f.filename.startsWith(prefix))).toBe(true)
    for (const f of a.files) {
      const lines = f.patch.split('\n')
      expect(lines.filter((l: string) => l.startsWith('+')).length).toBe(f.additions)
      expect(lines.filter((l: string) => l.startsWith('-')).length).toBe(f.deletions)
    }
    expect(generatedPullRequest({ files: 1000, linesPerFile: 5, seed: 10 }).files[0].patch).not.toBe(a.files[0].patch)
  })

  it('builds a pull_request event that marks forks', () => {
    const pr = samplePullRequest()
    const own = pullRequestEvent(pr, { action: 'synchronize' })
    expect(own).toMatchObject({ action: 'synchronize', number: pr.number, repository: { full_name: `${OWNER}/${REPO}` } })
    expect(own.pull_request.head.repo.fork).toBe(false)
    const fork = pullRequestEvent(pr, { fork: true })
    expect(fork.pull_request.head.repo.fork).toBe(true)
    expect(fork.pull_request.head.repo.full_name).not.toBe(`${OWNER}/${REPO}`)
  })

  it('parses GITHUB_OUTPUT heredoc and name=value lines', () => {
    const text =
      'summary<<ghadelimiter_1\nline one\nline two\nghadelimiter_1\nskipped=\nmodel-calls<<ghadelimiter_2\n3\nghadelimiter_2\n'
    expect(parseOutputs(text)).toEqual({ summary: 'line one\nline two', skipped: '', 'model-calls': '3' })
  })
})

describe('startEmulators', () => {
  it('wires OIDC → Entra → Azure OpenAI and describes itself as a runner would', async () => {
    const emu = await startEmulators()
    try {
      const env = emu.env({ EXTRA: '1' })
      expect(env).toMatchObject({
        ACTIONS_ID_TOKEN_REQUEST_URL: emu.oidc.requestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: emu.oidc.requestToken,
        GITHUB_API_URL: emu.github.apiUrl,
        GITHUB_SERVER_URL: emu.github.serverUrl,
        GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
        NODE_EXTRA_CA_CERTS: emu.entra.caCertPath,
        EXTRA: '1'
      })
      expect(emu.defaultInputs()).toEqual({
        endpoint: emu.openai.url,
        deployment: 'gpt-4o-mini',
        'client-id': emu.entra.clientId,
        'tenant-id': emu.entra.tenantId,
        'authority-host': emu.entra.authorityHost,
        'github-token': emu.github.installationToken
      })
      const chat = (token: string) =>
        fetch(`${emu.openai.url}/openai/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
        })
      const aud = 'https://cognitiveservices.azure.com'
      expect((await chat(emu.entra.mintAccessToken({ aud }))).status).toBe(200)
      expect((await chat(emu.entra.mintAccessToken({ aud, clientId: '33333333-3333-3333-3333-333333333333' }))).status).toBe(403)
    } finally {
      await emu.close()
    }
  })
})

describe('runAction', () => {
  const emu = {
    env: () => ({ GITHUB_API_URL: 'http://127.0.0.1:9', GITHUB_REPOSITORY: `${OWNER}/${REPO}` }),
    github: { installationToken: 'ghs_fromEmulator' }
  }
  let dir: string
  let manifest: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'run-action-test-'))
    // A manifest of its own keeps this test about the harness, not about the action's inputs.
    manifest = join(dir, 'action.yml')
    await writeFile(
      manifest,
      "inputs:\n  endpoint:\n    required: true\n  client-id:\n    default: ''\n  api-version:\n    default: ''\n  publish:\n    default: comment\n  github-token:\n    default: ${{ github.token }}\n"
    )
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('runs the entry on Node 24 in a clean runner-like environment and reads outputs and summary back', async () => {
    const entry = join(dir, 'echo-action.mjs')
    await writeFile(
      entry,
      `import { appendFileSync, readFileSync } from 'node:fs'
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(INPUT_|GITHUB_|ACTIONS_|RUNNER_)/.test(k)))
const report = { env, node: process.version, event: JSON.parse(readFileSync(process.env.GITHUB_EVENT_PATH, 'utf8')) }
appendFileSync(process.env.GITHUB_OUTPUT, 'report<<ghadelimiter_x\\n' + JSON.stringify(report) + '\\nghadelimiter_x\\n')
appendFileSync(process.env.GITHUB_STEP_SUMMARY, '## hello summary\\n')
console.log('done')
process.exitCode = 3
`
    )
    process.env.GITHUB_LEAK_CHECK = 'parent'
    process.env['INPUT_LEAK-CHECK'] = 'parent'
    try {
      const result = await runAction({
        emu,
        entry,
        manifest,
        inputs: { 'client-id': 'abc', 'api-version': '2024-10-21' },
        event: { number: 7 },
        eventName: 'pull_request_target',
        env: { EXTRA_ENV: 'x' }
      })
      expect(result.code).toBe(3)
      expect(result.stdout).toContain('done')
      expect(result.summary).toBe('## hello summary\n')
      const report = JSON.parse(result.outputs.report)
      expect(report.node).toMatch(/^v24\./)
      expect(report.event).toEqual({ number: 7 })
      expect(report.env).toMatchObject({
        'INPUT_CLIENT-ID': 'abc',
        'INPUT_API-VERSION': '2024-10-21',
        INPUT_PUBLISH: 'comment', // action.yml default
        'INPUT_GITHUB-TOKEN': 'ghs_fromEmulator', // ${{ github.token }}
        INPUT_ENDPOINT: '',
        GITHUB_EVENT_NAME: 'pull_request_target',
        GITHUB_API_URL: 'http://127.0.0.1:9'
      })
      expect(report.env.GITHUB_LEAK_CHECK).toBeUndefined()
      expect(report.env['INPUT_LEAK-CHECK']).toBeUndefined()
      expect(report.env.RUNNER_TEMP).toBeTruthy()
    } finally {
      delete process.env.GITHUB_LEAK_CHECK
      delete process.env['INPUT_LEAK-CHECK']
    }
  })

  it('kills a run that outlives its timeout and says so', async () => {
    const entry = join(dir, 'hang.mjs')
    await writeFile(entry, "console.log('stuck'); setInterval(() => {}, 1000)\n")
    await expect(runAction({ emu, entry, manifest, timeoutMs: 300 })).rejects.toThrow(
      /did not finish within 300 ms and was killed[\s\S]*stuck/
    )
  })

  it('refuses an action.yml a runner could not load', async () => {
    const broken = join(dir, 'broken.yml')
    await writeFile(broken, 'inputs:\n  x:\n    description: Cost cap: a colon-space in a plain scalar\n')
    await expect(runAction({ emu, entry: join(dir, 'hang.mjs'), manifest: broken })).rejects.toThrow(/is not valid YAML/)
  })
})
