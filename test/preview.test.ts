/**
 * `npm run preview`: the helpers it is built from, and the package script end to end against the
 * GitHub (Enterprise Server layout) and Azure OpenAI emulators, with a fake `gh` and `az` on PATH.
 * test/e2e/preview.test.ts compares its comment with the one the bundled action posts.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createOctokit } from '../src/github.js'
import { azureTarget, githubToken, parsePullRequestUrl, readDotEnv, type CommandResult } from '../src/local.js'
import { COMMENT_END, COMMENT_START, readOnly } from '../src/preview.js'
import { samplePullRequest } from './emulators/fixtures.mjs'
import { startEmulators } from './emulators/index.mjs'
import { countPromptTokens } from './emulators/openai.mjs'
import { fakeClis, npmRun, signIn, type FakeClis } from './fixtures/fake-cli.js'
import { recordingLog } from './fixtures/log.js'

describe('parsePullRequestUrl', () => {
  it('finds the API of github.com, GHE.com and GitHub Enterprise Server from the URL', () => {
    expect(parsePullRequestUrl('https://github.com/octo-org/octo-repo/pull/42/files')).toEqual({
      owner: 'octo-org',
      repo: 'octo-repo',
      number: 42,
      host: 'github.com',
      serverUrl: 'https://github.com',
      apiUrl: 'https://api.github.com'
    })
    expect(parsePullRequestUrl('https://www.github.com/o/r/pull/1').apiUrl).toBe('https://api.github.com')
    expect(parsePullRequestUrl('https://octo.ghe.com/o/r/pull/1').apiUrl).toBe('https://api.octo.ghe.com')
    expect(parsePullRequestUrl('https://ghes.example.com:8443/o/r/pull/7')).toMatchObject({
      host: 'ghes.example.com:8443',
      serverUrl: 'https://ghes.example.com:8443',
      apiUrl: 'https://ghes.example.com:8443/api/v3'
    })
  })

  it('refuses what is not a PR URL, and a token sent over plain http to another machine', () => {
    expect(() => parsePullRequestUrl('octo-org/octo-repo#42')).toThrow(/is not a URL: give the pull request's URL/)
    expect(() => parsePullRequestUrl('https://github.com/octo-org/octo-repo/issues/42')).toThrow(/is not a pull request URL/)
    expect(() => parsePullRequestUrl('http://ghes.example.com/o/r/pull/1')).toThrow(/https only/)
    expect(parsePullRequestUrl('http://127.0.0.1:8080/o/r/pull/1').apiUrl).toBe('http://127.0.0.1:8080/api/v3')
  })
})

describe('azureTarget', () => {
  it('takes flags first, then the environment, then .env (in its own or local-action names)', () => {
    const dotenv = {
      INPUT_ENDPOINT: 'https://dotenv.openai.azure.com',
      AZURE_OPENAI_DEPLOYMENT: 'from-dotenv',
      'INPUT_API-VERSION': '2024-10-21'
    }
    expect(azureTarget({}, {}, dotenv)).toEqual({
      endpoint: 'https://dotenv.openai.azure.com',
      deployment: 'from-dotenv',
      apiVersion: '2024-10-21'
    })
    const env = { AZURE_OPENAI_ENDPOINT: 'https://env.openai.azure.com', AZURE_OPENAI_DEPLOYMENT: 'from-env' }
    expect(azureTarget({}, env, dotenv)).toMatchObject({ endpoint: 'https://env.openai.azure.com', deployment: 'from-env' })
    expect(azureTarget({ deployment: 'from-flag', apiVersion: 'v1' }, env, dotenv)).toEqual({
      endpoint: 'https://env.openai.azure.com',
      deployment: 'from-flag',
      apiVersion: 'v1'
    })
  })

  it('says which flag or variable is missing', () => {
    expect(() => azureTarget({ deployment: 'd' }, {}, {})).toThrow(
      /No Azure OpenAI endpoint: pass --endpoint .* AZURE_OPENAI_ENDPOINT/
    )
    expect(() => azureTarget({ endpoint: 'https://x.openai.azure.com' }, {}, {})).toThrow(/pass --deployment NAME/)
  })
})

describe('readDotEnv', () => {
  it('reads dotenv syntax, and an absent file as empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dotenv-'))
    try {
      writeFileSync(
        join(dir, '.env'),
        '# comment\nAZURE_OPENAI_ENDPOINT=https://x.openai.azure.com\nINPUT_API-VERSION="2024-10-21"\n'
      )
      expect(readDotEnv(join(dir, '.env'))).toEqual({
        AZURE_OPENAI_ENDPOINT: 'https://x.openai.azure.com',
        'INPUT_API-VERSION': '2024-10-21'
      })
      expect(readDotEnv(join(dir, 'missing.env'))).toEqual({})
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('githubToken', () => {
  const answering = (result: Partial<CommandResult>) => {
    const calls: string[][] = []
    const run = (command: string, args: readonly string[]) => {
      calls.push([command, ...args])
      return Promise.resolve({ code: 0, stdout: '', stderr: '', missing: false, ...result })
    }
    return { run, calls }
  }

  it('prefers GITHUB_TOKEN, then GH_TOKEN, then the GitHub CLI for the PR host', async () => {
    const gh = answering({ stdout: 'gho_fromCli\n' })
    await expect(githubToken('github.com', { GITHUB_TOKEN: 'ghp_env', GH_TOKEN: 'ghp_gh' }, gh.run)).resolves.toBe('ghp_env')
    await expect(githubToken('github.com', { GH_TOKEN: 'ghp_gh' }, gh.run)).resolves.toBe('ghp_gh')
    expect(gh.calls).toEqual([])
    await expect(githubToken('ghes.example.com', {}, gh.run)).resolves.toBe('gho_fromCli')
    expect(gh.calls).toEqual([['gh', 'auth', 'token', '--hostname', 'ghes.example.com']])
  })

  it('says how to sign in when there is no token', async () => {
    await expect(
      githubToken('ghes.example.com', {}, answering({ code: 1, stderr: 'no oauth token found for ghes.example.com' }).run)
    ).rejects.toThrow(
      'No GitHub token for ghes.example.com (gh: no oauth token found for ghes.example.com): run `gh auth login --hostname ghes.example.com`, or set GITHUB_TOKEN to a token that can read the PR.'
    )
    await expect(githubToken('github.com', {}, answering({ code: 127, missing: true }).run)).rejects.toThrow(
      /install the GitHub CLI \(https:\/\/cli.github.com\) and run `gh auth login`/
    )
  })
})

describe('npm run preview', () => {
  let emu: Awaited<ReturnType<typeof startEmulators>>
  let fake: FakeClis
  const pr = samplePullRequest()

  beforeEach(async () => {
    emu = await startEmulators({ ghes: true })
    emu.github.addPullRequest(pr)
    fake = fakeClis()
    signIn(fake, emu)
  })
  afterEach(async () => {
    fake.close()
    await emu.close()
  })

  const prUrl = () => `${emu.github.serverUrl}/${pr.owner}/${pr.repo}/pull/${pr.number}`
  const writes = () => emu.github.requests.filter((request: { method: string }) => request.method !== 'GET')

  it('prints the comment, the plan, the tokens and the deployment, reading the PR with the gh token and writing nothing', async () => {
    const run = await npmRun('preview', [prUrl(), '--endpoint', emu.openai.url, '--deployment', 'gpt-4o-mini'], fake.env())

    expect(run.stderr).not.toMatch(/✗|Unexpected error/)
    expect(run.code).toBe(0)
    const lines = run.stdout.split('\n')
    const comment = lines.slice(lines.indexOf(COMMENT_START) + 1, lines.indexOf(COMMENT_END)).join('\n')
    expect(comment).toMatch(/^## Summary\n/)
    expect(comment).toMatch(/Deployment `gpt-4o-mini` · 1 model call · [\d,]+ prompt \+ [\d,]+ completion tokens · Azure CLI$/)
    expect(run.stdout).toContain('  Sent whole (4): src/http/retry.ts, src/http/client.ts, test/retry.test.ts, README.md\n')
    expect(run.stdout).toContain('  Excluded (1): package-lock.json (excluded)\n')
    const [chat] = emu.openai.requests
    expect(emu.openai.requests).toHaveLength(1)
    expect(chat.auth).toBe('bearer')
    const prompt = countPromptTokens(chat.body.messages).toLocaleString('en-US')
    expect(run.stdout).toMatch(new RegExp(`^Tokens: ${prompt} prompt \\+ [\\d,]+ completion in 1 model call$`, 'm'))
    expect(run.stdout).toContain(`Deployment: gpt-4o-mini on ${emu.openai.url} (v1 API), auth: Azure CLI\n`)

    expect(emu.github.requests.length).toBeGreaterThan(0)
    expect(writes()).toEqual([])
    expect(emu.github.requests.every((request: { path: string }) => request.path.startsWith('/api/v3/'))).toBe(true)
    expect(fake.calls().filter(([tool]) => tool === 'gh')).toEqual([
      ['gh', 'auth', 'token', '--hostname', new URL(emu.github.serverUrl).host]
    ])
  })

  it('takes GITHUB_TOKEN and AZURE_OPENAI_* from the environment, and instructions from a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'instructions-'))
    try {
      writeFileSync(join(dir, 'instructions.md'), 'Call out every change to retry timing.')
      const env = {
        ...fake.env(),
        GITHUB_TOKEN: emu.github.installationToken,
        AZURE_OPENAI_ENDPOINT: emu.openai.url,
        AZURE_OPENAI_DEPLOYMENT: 'gpt-4o-mini'
      }
      fake.remove('gh-token.txt')
      const run = await npmRun(
        'preview',
        [prUrl(), '--instructions-file', join(dir, 'instructions.md'), '--language', 'Deutsch'],
        env
      )

      expect(run.code).toBe(0)
      const system = emu.openai.requests[0].body.messages[0].content
      expect(system).toContain('Call out every change to retry timing.')
      expect(system).toContain('Deutsch')
      expect(fake.calls().filter(([tool]) => tool === 'gh')).toEqual([])
      expect(writes()).toEqual([])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('fails with one line and the fix when the Azure CLI is not signed in, and posts nothing', async () => {
    fake.remove('account.json')
    const run = await npmRun('preview', [prUrl(), '--endpoint', emu.openai.url, '--deployment', 'gpt-4o-mini'], fake.env())

    expect(run.code).toBe(1)
    const errors = run.stderr.split('\n').filter((line) => line.startsWith('✗ '))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(
      /^✗ Azure CLI gave no token for https:\/\/cognitiveservices.azure.com\/.default \(Please run 'az login'/
    )
    expect(run.stderr).toContain(
      `To check the Azure setup step by step: npm run doctor -- --endpoint ${emu.openai.url} --deployment gpt-4o-mini\n`
    )
    expect(run.stdout).not.toContain(COMMENT_START)
    expect(emu.openai.requests).toHaveLength(0)
    expect(writes()).toEqual([])
  })

  it('refuses a write even if the pipeline asked for one', async () => {
    const log = recordingLog()
    const octokit = readOnly(createOctokit(emu.github.installationToken, { log, timeoutMs: 10_000, baseUrl: emu.github.apiUrl }))
    const before = emu.github.requests.length

    await expect(
      octokit.rest.issues.createComment({ owner: pr.owner, repo: pr.repo, issue_number: pr.number, body: 'hello' })
    ).rejects.toThrow(/A preview never writes to GitHub, yet the pipeline asked for POST/)
    await expect(octokit.rest.pulls.get({ owner: pr.owner, repo: pr.repo, pull_number: pr.number })).resolves.toMatchObject({
      status: 200
    })
    expect(emu.github.requests.slice(before).map((request: { method: string }) => request.method)).toEqual(['GET'])
  })
})
