/**
 * Issue 11: scripts/emulators.mjs, the background service .github/workflows/runner-e2e.yml starts before
 * `uses: ./`. Here it runs as that workflow runs it: started as a separate process, its env file read,
 * then dist/index.js run with what a runner would give it (GITHUB_API_URL fixed at
 * https://api.github.com, the emulator's values through the step's env and inputs), verified and stopped.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parse } from 'yaml'
import { parseEnvFile, scanLog, verifyRun } from '../../scripts/emulators.mjs'
import { runAction } from '../emulators/run-action.mjs'

const ROOT = resolve('.')
const SCRIPT = join(ROOT, 'scripts/emulators.mjs')
const NODE_24 = join(ROOT, 'node_modules', 'node', 'bin', 'node')
const REPOSITORY = 'runner-org/azure-openai-pr-summary'

let dir: string
let envFile: string
let service: ChildProcess
let serviceLog = ''
let exited: Promise<number | null>

function emulatorsCommand(args: string[], env: Record<string, string> = {}) {
  return spawnSync(NODE_24, [SCRIPT, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 })
}

describe('scripts/emulators.mjs for the runner e2e workflow', () => {
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'runner-emulators-'))
    envFile = join(dir, 'emulators.env')
    service = spawn(NODE_24, [SCRIPT, 'start', '--emulator-env', envFile, '--repository', REPOSITORY], {
      stdio: ['ignore', 'pipe', 'pipe']
    })
    service.stderr?.setEncoding('utf8').on('data', (chunk: string) => (serviceLog += chunk))
    exited = new Promise((resolveExit) => service.on('exit', (code) => resolveExit(code)))
    const waited = emulatorsCommand(['wait', '--emulator-env', envFile, '--timeout-seconds', '60'])
    if (waited.status !== 0) throw new Error(`emulators did not start: ${waited.stderr}\n${serviceLog}`)
  })

  afterEach(async () => {
    if (service.exitCode === null) service.kill('SIGTERM')
    await exited
    rmSync(dir, { recursive: true, force: true })
  })

  it('serves the action through a runner-fixed GITHUB_API_URL, verifies the run, and stops on request', async () => {
    const env = parseEnvFile(readFileSync(envFile, 'utf8'))
    expect(Object.keys(env).every((name) => name.startsWith('EMU_'))).toBe(true)
    expect(env.EMU_REPOSITORY).toBe(REPOSITORY)
    expect(existsSync(env.EMU_CA_CERTS ?? '')).toBe(true)

    // What runner-e2e.yml passes: the step's env for the process, `with:` for the inputs.
    const runnerEnv = {
      GITHUB_ACTIONS: 'true',
      GITHUB_API_URL: 'https://api.github.com',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: REPOSITORY,
      ACTIONS_ID_TOKEN_REQUEST_URL: env.EMU_ID_TOKEN_REQUEST_URL ?? '',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: env.EMU_ID_TOKEN_REQUEST_TOKEN ?? '',
      HTTPS_PROXY: env.EMU_HTTPS_PROXY ?? '',
      NO_PROXY: env.EMU_NO_PROXY ?? '',
      NODE_EXTRA_CA_CERTS: env.EMU_CA_CERTS ?? ''
    }
    const run = await runAction({
      emu: { env: (extra = {}) => ({ ...runnerEnv, ...extra }), github: { installationToken: env.EMU_GITHUB_TOKEN ?? '' } },
      inputs: {
        endpoint: env.EMU_ENDPOINT,
        deployment: env.EMU_DEPLOYMENT,
        'client-id': env.EMU_CLIENT_ID,
        'tenant-id': env.EMU_TENANT_ID,
        'authority-host': env.EMU_AUTHORITY_HOST,
        'github-token': env.EMU_GITHUB_TOKEN,
        'pull-number': env.EMU_PULL_NUMBER
      },
      event: {},
      eventName: 'push'
    })
    expect(run.stdout.split('\n').filter((line) => line.startsWith('::error'))).toEqual([])
    expect(run.code).toBe(0)

    const reportFile = join(dir, 'report.json')
    const verified = emulatorsCommand(['verify', '--emulator-env', envFile, '--report-out', reportFile], {
      ACTION_SUMMARY: run.outputs.summary ?? '',
      ACTION_COMMENT_ID: run.outputs['comment-id'] ?? '',
      ACTION_SKIPPED: run.outputs.skipped ?? ''
    })
    expect(verified.stdout).not.toContain('::error::')
    expect(verified.status).toBe(0)
    const report = JSON.parse(readFileSync(reportFile, 'utf8'))
    expect(report.proxied).toEqual(expect.arrayContaining([{ method: 'CONNECT', target: 'api.github.com:443' }]))
    expect(report.azureTokens.length).toBeGreaterThan(0)

    // The runner hides ::add-mask:: lines and masks their values; the log it stores is then clean...
    const runnerLog = join(dir, 'runner.log')
    writeFileSync(runnerLog, run.stdout.replace(/^::add-mask::.*$/gm, ''))
    expect(emulatorsCommand(['scan-log', '--report', reportFile, '--log', runnerLog]).status).toBe(0)
    // ...and scan-log is what would notice a token that got through.
    writeFileSync(runnerLog, `${run.stdout}\n`)
    const leaked = emulatorsCommand(['scan-log', '--report', reportFile, '--log', runnerLog])
    expect(leaked.status).toBe(1)
    expect(leaked.stdout).toContain('appear unmasked in the job log')

    expect(emulatorsCommand(['stop', '--emulator-env', envFile]).status).toBe(0)
    expect(await exited).toBe(0)
    expect(existsSync(env.EMU_CA_CERTS ?? '')).toBe(false)
  })

  it('is what .github/workflows/runner-e2e.yml hands the action, through a job that cannot get a real OIDC token', () => {
    const written = Object.keys(parseEnvFile(readFileSync(envFile, 'utf8')))
    const workflow = parse(readFileSync(join(ROOT, '.github/workflows/runner-e2e.yml'), 'utf8')) as {
      permissions: unknown
      jobs: Record<
        string,
        {
          permissions: Record<string, string>
          steps: Array<{ uses?: string; run?: string; env?: Record<string, string>; with?: Record<string, string> }>
        }
      >
    }
    const job = workflow.jobs.action!
    // With id-token: write the runner would replace the step's ACTIONS_ID_TOKEN_REQUEST_URL with its own.
    expect(workflow.permissions).toEqual({})
    expect(job.permissions).toEqual({ contents: 'read' })
    const step = job.steps.find((candidate) => candidate.uses === './')
    const used = JSON.stringify([step?.env, step?.with]).match(/env\.EMU_\w+/g) ?? []
    expect(new Set(used.map((name) => name.slice('env.'.length)))).toEqual(
      new Set(written.filter((name) => name !== 'EMU_REPOSITORY' && name !== 'EMU_CONTROL_URL'))
    )
    expect(Object.keys(step?.env ?? {}).sort()).toEqual(
      ['ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'ACTIONS_ID_TOKEN_REQUEST_URL', 'HTTPS_PROXY', 'NODE_EXTRA_CA_CERTS', 'NO_PROXY'].sort()
    )
    const actionInputs = Object.keys((parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { inputs: object }).inputs)
    expect(Object.keys(step?.with ?? {}).filter((name) => !actionInputs.includes(name))).toEqual([])
    for (const { run } of Object.values(workflow.jobs).flatMap((j) => j.steps)) expect(run ?? '').not.toContain('${{')
  })

  it('refuses to tunnel to hosts it does not stand in for', async () => {
    const env = parseEnvFile(readFileSync(envFile, 'utf8'))
    const proxy = new URL(env.EMU_HTTPS_PROXY ?? '')
    const { connect } = await import('node:net')
    const answer = await new Promise<string>((resolveAnswer, reject) => {
      const socket = connect(Number(proxy.port), proxy.hostname, () =>
        socket.write('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n')
      )
      let text = ''
      socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
      socket.on('end', () => resolveAnswer(text))
      socket.on('error', reject)
    })
    expect(answer).toMatch(/^HTTP\/1\.1 403/)
  })
})

describe('verifyRun and scanLog', () => {
  const report = {
    pullRequest: { owner: 'o', repo: 'r', number: 42 },
    comments: [
      { id: 7, body: '<!-- azure-openai-pr-summary:comment v1 -->\n## Summary\nIt works.', user: 'github-actions[bot]' }
    ],
    openaiRequests: [{ path: '/openai/v1/chat/completions', auth: 'bearer' }],
    azureTokens: ['eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJ4In0.c2ln'],
    oidcTokensIssued: 1,
    proxied: [{ method: 'GET', target: 'https://api.github.com/repos/o/r/pulls/42' }]
  }

  it('accepts a run whose outputs name the one posted comment', () => {
    expect(verifyRun(report, { summary: '## Summary\nIt works.', commentId: '7', skipped: '' })).toEqual([])
  })

  it('names each thing that did not happen', () => {
    const problems = verifyRun(
      { ...report, comments: [], openaiRequests: [], oidcTokensIssued: 0, proxied: [] },
      { summary: '', commentId: '', skipped: 'unchanged' }
    )
    expect(problems).toEqual([
      'the action skipped the run (skipped=unchanged) instead of summarizing',
      'the PR has 0 summary comments, not exactly 1',
      'output summary is empty',
      'Azure OpenAI got no request with an Entra ID bearer token',
      'no GitHub OIDC token was requested from ACTIONS_ID_TOKEN_REQUEST_URL',
      'no request to https://api.github.com went through the proxy: GITHUB_API_URL was not the one a runner sets'
    ])
  })

  it('flags a token or any JWT in a log, and a log of a run that never authenticated', () => {
    const clean = 'GitHub OIDC token: issuer https://token.actions.githubusercontent.com, subject ***'
    expect(scanLog(clean, report)).toEqual([])
    expect(scanLog(`${clean}\nBearer ${report.azureTokens[0]}`, report)).toEqual([
      '1 Azure access token(s) appear unmasked in the job log',
      'a JWT appears unmasked in the job log (starts eyJhbGciOiJI…)'
    ])
    expect(scanLog('nothing', { azureTokens: [] })).toHaveLength(2)
  })
})
