/**
 * runner.ts speaks GitHub's runner protocol itself: what it writes must read back as @actions/core's
 * own format does (run-action.mjs parses GITHUB_OUTPUT as the runner does), and the OIDC token comes
 * from the OIDC emulator over HTTP, with its faults.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  appendJobSummary,
  getIDToken,
  getInput,
  IdTokenError,
  runnerLog,
  setFailed,
  setOutput,
  setSecret
} from '../src/runner.js'

const here = dirname(fileURLToPath(import.meta.url))
const { parseOutputs } = (await import(join(here, 'emulators', 'run-action.mjs'))) as {
  parseOutputs(text: string): Record<string, string>
}

/** What `work` wrote to stdout. */
async function stdoutOf(work: () => unknown): Promise<string> {
  const chunks: string[] = []
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk))
    return true
  })
  try {
    await work()
  } finally {
    spy.mockRestore()
  }
  return chunks.join('')
}

describe('inputs', () => {
  it('reads INPUT_<NAME> with spaces as underscores, upper case, trimmed; unset is empty', () => {
    const env = { 'INPUT_MAX-INPUT-TOKENS': ' 8000\n', INPUT_MY_INPUT: 'x' }
    expect(getInput('max-input-tokens', env)).toBe('8000')
    expect(getInput('my input', env)).toBe('x')
    expect(getInput('missing', env)).toBe('')
  })
})

describe('workflow commands', () => {
  it('escapes %, CR and LF so that a message is one command, as the runner unescapes them', async () => {
    const out = await stdoutOf(() => {
      runnerLog.warning('50% done\r\nnext line')
      runnerLog.debug('a::b')
      runnerLog.notice('n')
      runnerLog.info('plain % text')
      setSecret('s3cr%t\nx')
    })
    expect(out.split('\n')).toEqual([
      '::warning::50%25 done%0D%0Anext line',
      '::debug::a::b',
      '::notice::n',
      'plain % text',
      '::add-mask::s3cr%25t%0Ax',
      ''
    ])
  })

  it('folds a group, and closes it when the work throws', async () => {
    let result: unknown
    const out = await stdoutOf(async () => {
      result = await runnerLog.group('Plan', async () => {
        runnerLog.info('inside')
        return 7
      })
      await runnerLog.group('Failing', () => Promise.reject(new Error('boom'))).catch(() => undefined)
    })
    expect(result).toBe(7)
    expect(out).toBe('::group::Plan\ninside\n::endgroup::\n::group::Failing\n::endgroup::\n')
  })

  it('setFailed writes one error command and sets the exit code', async () => {
    const saved = process.exitCode
    try {
      const out = await stdoutOf(() => setFailed('Input x is wrong:\nfix it'))
      expect(out).toBe('::error::Input x is wrong:%0Afix it\n')
      expect(process.exitCode).toBe(1)
    } finally {
      process.exitCode = saved
    }
  })
})

describe('outputs and job summary', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runner-test-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('appends heredoc outputs that the runner reads back, multi-line values and look-alike delimiters included', async () => {
    const file = join(dir, 'output')
    await writeFile(file, '')
    const env = { GITHUB_OUTPUT: file }
    const summary = 'line 1\nsummary<<EOF\nEOF\nghadelimiter_not-the-one\nlast'
    setOutput('summary', summary, env)
    setOutput('model-calls', 5, env)
    setOutput('published', true, env)
    setOutput('comment-id', '', env)
    const text = await readFile(file, 'utf8')
    expect(parseOutputs(text)).toEqual({ summary, 'model-calls': '5', published: 'true', 'comment-id': '' })
    const delimiters = [...text.matchAll(/<<(ghadelimiter_[0-9a-f-]{36})\n/g)].map((match) => match[1])
    expect(new Set(delimiters).size).toBe(4)
  })

  it('falls back to the set-output command without GITHUB_OUTPUT', async () => {
    const out = await stdoutOf(() => setOutput('a,b', 'x\ny', {}))
    expect(out).toBe('\n::set-output name=a%2Cb::x%0Ay\n')
  })

  it('appends to the job summary file, and writes nothing without one', async () => {
    const file = join(dir, 'summary.md')
    await writeFile(file, '# earlier step\n')
    appendJobSummary('## PR summary\n', { GITHUB_STEP_SUMMARY: file })
    appendJobSummary('ignored', {})
    expect(await readFile(file, 'utf8')).toBe('# earlier step\n## PR summary\n')
  })
})

describe('getIDToken against the OIDC emulator', () => {
  interface Oidc {
    requestUrl: string
    requestToken: string
    faults: { add(route: string, fault: Record<string, unknown>, times?: number): void; clear(): void }
    verify(jwt: string): Record<string, unknown> | undefined
    close(): Promise<void>
  }
  let oidc: Oidc
  beforeAll(async () => {
    const { startOidc } = (await import(join(here, 'emulators', 'oidc.mjs'))) as { startOidc(): Promise<Oidc> }
    oidc = await startOidc()
  })
  afterEach(() => oidc.faults.clear())
  afterAll(async () => {
    await oidc.close()
  })

  const options = (env?: NodeJS.ProcessEnv) => ({
    env: env ?? { ACTIONS_ID_TOKEN_REQUEST_URL: oidc.requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken },
    fetch: globalThis.fetch,
    attemptTimeoutMs: 5_000,
    retryBaseMs: 1
  })

  it('gets a signed token for the audience', async () => {
    const token = await getIDToken('api://AzureADTokenExchange', options())
    expect(oidc.verify(token)).toMatchObject({ aud: 'api://AzureADTokenExchange' })
  })

  it('retries a busy endpoint, and names the status once the attempts are spent', async () => {
    oidc.faults.add('oidc.token', { status: 503, json: { message: 'Service Unavailable' } }, 3)
    expect(oidc.verify(await getIDToken('api://AzureADTokenExchange', options()))).toBeDefined()

    oidc.faults.add('oidc.token', { status: 503, json: { message: 'Service Unavailable' } }, Infinity)
    const error = await getIDToken('api://AzureADTokenExchange', options()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(IdTokenError)
    expect(error).toMatchObject({ status: 503, message: 'status 503' })
  })

  it('does not retry a refusal', async () => {
    oidc.faults.add('oidc.token', { status: 403, json: { message: 'Forbidden' } }, 1)
    const error = await getIDToken('api://AzureADTokenExchange', options()).catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 403 })
    // The one fault was used by the one attempt: the next request succeeds.
    expect(oidc.verify(await getIDToken('api://AzureADTokenExchange', options()))).toBeDefined()
  })

  it('says which runner variable is missing (no `id-token: write`)', async () => {
    await expect(getIDToken('a', options({}))).rejects.toThrow('ACTIONS_ID_TOKEN_REQUEST_URL is not set')
    await expect(getIDToken('a', options({ ACTIONS_ID_TOKEN_REQUEST_URL: oidc.requestUrl }))).rejects.toThrow(
      'ACTIONS_ID_TOKEN_REQUEST_TOKEN is not set'
    )
  })

  it('a wrong request token is refused by the endpoint', async () => {
    const error = await getIDToken(
      'a',
      options({ ACTIONS_ID_TOKEN_REQUEST_URL: oidc.requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'wrong' })
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(IdTokenError)
    expect((error as IdTokenError).status).toBeGreaterThanOrEqual(400)
  })
})
