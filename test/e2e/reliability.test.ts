/**
 * Issue: reliability under failure. One run of dist/index.js per injected fault, against the emulators:
 * every remote failure must end in a correct single summary, or in one clear one-line message (an
 * `::error::`, or the warning/notice the contract asks for) with nothing half-published.
 * docs/reliability.md shows what the runs did; its last test fails when the document is stale, and
 * `npm run docs` (UPDATE_DOCS=1) rewrites it, so `npm test` never changes the work tree.
 */
import { describe, expect, it } from '@jest/globals'
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { lineDiff } from '../../scripts/readme-tables.mjs'
import { generatedPullRequest, samplePullRequest } from '../emulators/fixtures.mjs'
import { primaryRateLimitFault, secondaryRateLimitFault } from '../emulators/github.mjs'
import { contentFilterFault, rateLimitFault } from '../emulators/openai.mjs'
import {
  act,
  errors,
  notices,
  plant,
  start,
  summaryComments,
  warnings,
  type ActionRun,
  type Emulators,
  type FixturePull,
  type RunOptions
} from './harness.js'

const REPORT_PATH = fileURLToPath(new URL('../../docs/reliability.md', import.meta.url))

/** Every row runs with this `timeout-seconds` unless it waits on purpose, so a regression cannot stall the suite. */
const DEFAULT_TIMEOUT_SECONDS = 30
/** Room the harness leaves past `timeout-seconds` before it kills the run (process start, final publishing). */
const KILL_GRACE_MS = 30_000

type Remote = 'Azure OpenAI' | 'Entra ID' | 'GitHub OIDC' | 'GitHub REST' | 'Concurrency'
type LineKind = 'error' | 'warning' | 'notice'

interface Expected {
  readonly code: 0 | 1
  /** Summary comments on the PR afterwards. */
  readonly comments: 0 | 1
  /** The user-facing line that must say what happened, matched on its key words. */
  readonly says?: { readonly kind: LineKind; readonly words: readonly RegExp[] }
}

interface Row {
  readonly remote: Remote
  readonly fault: string
  readonly expected: Expected
  readonly pr?: () => FixturePull
  readonly timeoutSeconds?: number
  /** Injects the fault (emulator queues and state) and returns run options the fault needs. */
  readonly arrange?: (emu: Emulators, pr: FixturePull) => RunOptions | void
  /** Row-specific checks on what the emulators saw. */
  readonly verify?: (emu: Emulators, run: ActionRun, pr: FixturePull) => void
}

// --- Azure's and GitHub's answers that the emulators have no helper for ---------------------------

const azureError = (status: number, code: string, message: string) => ({ status, json: { error: { code, message } } })
const AZURE_503 = azureError(
  503,
  'ServiceUnavailable',
  'The service is temporarily unable to process your request. Please try again later.'
)
const AZURE_500 = azureError(
  500,
  'InternalServerError',
  'The server had an error while processing your request. Sorry about that!'
)
const AZURE_401 = azureError(
  401,
  '401',
  'Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.'
)
const AZURE_404 = azureError(
  404,
  'DeploymentNotFound',
  'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.'
)
const AZURE_429_BODY = rateLimitFault().json
const contextLengthFault = (window: number) => ({
  status: 400,
  json: {
    error: {
      message: `This model's maximum context length is ${window} tokens. However, you requested ${window + 1} tokens. Please reduce the length of the messages or completion.`,
      type: 'invalid_request_error',
      param: 'messages',
      code: 'context_length_exceeded'
    }
  }
})
const GITHUB_DOCS = 'https://docs.github.com/rest'
const githubError = (status: number, message: string) => ({
  status,
  json: { message, documentation_url: GITHUB_DOCS, status: String(status) }
})
const BODY_TOO_LONG = {
  status: 422,
  json: {
    message: 'Validation Failed',
    errors: [
      { resource: 'IssueComment', code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' }
    ],
    documentation_url: `${GITHUB_DOCS}/issues/comments#create-an-issue-comment`,
    status: '422'
  }
}

/** Statuses the Azure OpenAI emulator answered, in order (undefined: reset or hang). */
const openaiStatuses = (emu: Emulators) => emu.openai.requests.map((request: { status?: number }) => request.status)
const githubHits = (emu: Emulators, route: string) =>
  emu.github.requests.filter((request: { route: string }) => request.route === route).length

/** An answer cut off at max_completion_tokens, in whichever format was asked for. */
function cutOffAnswer(body: { response_format?: { type?: string } }) {
  const content =
    body.response_format?.type === 'json_schema'
      ? '{"overview":"Adds a retry option to the HTTP cli'
      : '### Overview\n\nAdds a retry option to the HTTP cli'
  return { content, finish_reason: 'length' }
}

const OK: Expected = { code: 0, comments: 1 }

const ROWS: readonly Row[] = [
  // --- Azure OpenAI (route openai.chat) ---------------------------------------------------------
  {
    remote: 'Azure OpenAI',
    fault: '429 with `retry-after-ms: 200`, twice, then OK',
    arrange: (emu) =>
      emu.openai.faults.add('openai.chat', { status: 429, headers: { 'retry-after-ms': '200' }, json: AZURE_429_BODY }, 2),
    expected: OK,
    verify: (emu) => expect(openaiStatuses(emu)).toEqual([429, 429, 200])
  },
  {
    remote: 'Azure OpenAI',
    fault: '429 with `retry-after: 1`, twice, then OK',
    arrange: (emu) =>
      emu.openai.faults.add('openai.chat', { status: 429, headers: { 'retry-after': '1' }, json: AZURE_429_BODY }, 2),
    expected: OK,
    verify: (emu) => expect(openaiStatuses(emu)).toEqual([429, 429, 200])
  },
  {
    remote: 'Azure OpenAI',
    fault: '429 with no retry header, twice, then OK',
    arrange: (emu) => emu.openai.faults.add('openai.chat', { status: 429, json: AZURE_429_BODY }, 2),
    expected: OK,
    verify: (emu) => expect(openaiStatuses(emu)).toEqual([429, 429, 200])
  },
  {
    remote: 'Azure OpenAI',
    fault: '429 on every attempt, `retry-after-ms: 50`',
    arrange: (emu) => emu.openai.faults.add('openai.chat', rateLimitFault(50), Infinity),
    expected: { code: 1, comments: 0, says: { kind: 'error', words: [/rate-limit|rate limit/i, /quota/i] } },
    // Bounded retries: the SDK's first try plus maxRetries, not an endless loop.
    verify: (emu) => expect(emu.openai.requests.length).toBeLessThanOrEqual(6)
  },
  {
    remote: 'Azure OpenAI',
    fault: '429 that never ends, `retry-after: 8` (timeout-seconds 20)',
    timeoutSeconds: 20,
    arrange: (emu) =>
      emu.openai.faults.add('openai.chat', { status: 429, headers: { 'retry-after': '8' }, json: AZURE_429_BODY }, Infinity),
    // Azure did answer, every time: the message must say it was rate limiting, not that it was silent.
    expected: { code: 1, comments: 0, says: { kind: 'error', words: [/429|rate-limit|rate limit/i, /timeout-seconds|quota/i] } }
  },
  {
    remote: 'Azure OpenAI',
    fault: '500, twice, then OK',
    arrange: (emu) => emu.openai.faults.add('openai.chat', AZURE_500, 2),
    expected: OK,
    verify: (emu) => expect(openaiStatuses(emu)).toEqual([500, 500, 200])
  },
  {
    remote: 'Azure OpenAI',
    fault: '503 on every attempt',
    arrange: (emu) => emu.openai.faults.add('openai.chat', AZURE_503, Infinity),
    expected: { code: 1, comments: 0, says: { kind: 'error', words: [/503/, /re-run/i] } },
    verify: (emu) => expect(emu.openai.requests.length).toBeLessThanOrEqual(6)
  },
  {
    remote: 'Azure OpenAI',
    fault: 'connection reset, twice, then OK',
    arrange: (emu) => emu.openai.faults.add('openai.chat', { reset: true }, 2),
    expected: OK,
    verify: (emu) => expect(openaiStatuses(emu)).toEqual([undefined, undefined, 200])
  },
  {
    remote: 'Azure OpenAI',
    fault: 'connection reset on every attempt',
    arrange: (emu) => emu.openai.faults.add('openai.chat', { reset: true }, Infinity),
    expected: { code: 1, comments: 0, says: { kind: 'error', words: [/Azure OpenAI/, /endpoint/] } },
    verify: (emu) => expect(emu.openai.requests.length).toBeLessThanOrEqual(6)
  },
  {
    remote: 'Azure OpenAI',
    fault: 'no answer ever (hang; timeout-seconds 10, the smallest allowed)',
    timeoutSeconds: 10,
    arrange: (emu) => emu.openai.faults.add('openai.chat', { hang: true }, Infinity),
    expected: { code: 1, comments: 0, says: { kind: 'error', words: [/Azure OpenAI did not answer/, /timeout-seconds/] } }
  },
  {
    remote: 'Azure OpenAI',
    fault: '400 `content_filter` (prompt filtered)',
    arrange: (emu) => emu.openai.faults.add('openai.chat', contentFilterFault(), 1),
    expected: { code: 0, comments: 1, says: { kind: 'warning', words: [/content filter/i] } },
    verify: (emu, run, pr) => expect(summaryComments(emu, pr)[0]?.body).toMatch(/content filter/i)
  },
  {
    remote: 'Azure OpenAI',
    fault: '`finish_reason: content_filter` (answer withheld)',
    arrange: (emu) => {
      emu.openai.state.respond = () => ({ content: null, finish_reason: 'content_filter' })
    },
    expected: { code: 0, comments: 1, says: { kind: 'warning', words: [/content filter/i] } },
    verify: (emu, run, pr) => expect(summaryComments(emu, pr)[0]?.body).toMatch(/content filter/i)
  },
  {
    remote: 'Azure OpenAI',
    fault: '`finish_reason: length` (answer cut off at max-output-tokens)',
    arrange: (emu) => {
      emu.openai.state.respond = cutOffAnswer
    },
    // A cut-off answer must not pass for a summary: the user learns why and which input to raise.
    expected: { code: 0, comments: 1, says: { kind: 'warning', words: [/max-output-tokens/] } },
    verify: (emu, run, pr) => {
      expect(emu.openai.requests.length).toBeGreaterThan(0)
      expect(summaryComments(emu, pr)[0]?.body).not.toContain('{"overview"')
    }
  },
  {
    remote: 'Azure OpenAI',
    fault: '`context_length_exceeded` once (context window below max-input-tokens), then OK',
    pr: () => generatedPullRequest({ files: 12, linesPerFile: 40, number: 21 }),
    arrange: (emu) => {
      // The deployment's window is smaller than the budget the workflow set; 70% of it fits.
      emu.openai.state.contextWindow = 5_000
      return { inputs: { 'max-input-tokens': 6_000, 'max-output-tokens': 500 } }
    },
    expected: OK,
    verify: (emu) => {
      const statuses = openaiStatuses(emu)
      expect(statuses[0]).toBe(400)
      expect(statuses.at(-1)).toBe(200)
    }
  },
  {
    remote: 'Azure OpenAI',
    fault: '`context_length_exceeded` on every attempt',
    arrange: (emu) => emu.openai.faults.add('openai.chat', contextLengthFault(4_096), Infinity),
    expected: { code: 1, comments: 0, says: { kind: 'error', words: [/max-input-tokens/] } },
    // Shrunk once, then given up: not a retry loop.
    verify: (emu) => expect(emu.openai.requests).toHaveLength(2)
  },
  {
    remote: 'Azure OpenAI',
    fault: '401 (token refused)',
    arrange: (emu) => emu.openai.faults.add('openai.chat', AZURE_401, Infinity),
    expected: {
      code: 1,
      comments: 0,
      says: { kind: 'error', words: [/401/, /Cognitive Services OpenAI User/, /cognitiveservices\.azure\.com\/\.default/] }
    }
  },
  {
    remote: 'Azure OpenAI',
    fault: '403 (identity lacks the data-plane role)',
    arrange: (emu) => emu.openai.state.roleHolders.clear(),
    expected: {
      code: 1,
      comments: 0,
      says: { kind: 'error', words: [/403/, /Cognitive Services OpenAI User/, /az role assignment create/] }
    },
    verify: (emu) => expect(openaiStatuses(emu)).toEqual([403])
  },
  {
    remote: 'Azure OpenAI',
    fault: '404 `DeploymentNotFound`',
    arrange: (emu) => emu.openai.faults.add('openai.chat', AZURE_404, Infinity),
    expected: { code: 1, comments: 0, says: { kind: 'error', words: [/'gpt-4o-mini'/, /not found/i] } },
    // A missing deployment is not retried.
    verify: (emu) => expect(emu.openai.requests).toHaveLength(1)
  },

  // --- Entra ID (route entra.token) --------------------------------------------------------------
  {
    remote: 'Entra ID',
    fault: '503 once, then OK',
    arrange: (emu) =>
      emu.entra.faults.add(
        'entra.token',
        {
          status: 503,
          json: { error: 'temporarily_unavailable', error_description: 'AADSTS90006: The server is temporarily unavailable.' }
        },
        1
      ),
    expected: OK,
    verify: (emu) => expect(emu.entra.issued).toHaveLength(1)
  },
  {
    remote: 'Entra ID',
    fault: '503 on every attempt',
    arrange: (emu) =>
      emu.entra.faults.add(
        'entra.token',
        {
          status: 503,
          json: { error: 'temporarily_unavailable', error_description: 'AADSTS90006: The server is temporarily unavailable.' }
        },
        Infinity
      ),
    // The fix for an outage is to re-run later, not to re-check the federated credential.
    expected: { code: 1, comments: 0, says: { kind: 'error', words: [/Entra ID/, /503|unavailable/i, /re-run|later/i] } },
    verify: (emu) => expect(emu.openai.requests).toHaveLength(0)
  },
  {
    remote: 'Entra ID',
    fault: '429 with `retry-after: 1`, then OK',
    arrange: (emu) =>
      emu.entra.faults.add(
        'entra.token',
        {
          status: 429,
          headers: { 'retry-after': '1' },
          json: {
            error: 'temporarily_unavailable',
            error_description: 'AADSTS50196: The server terminated an operation because it encountered a client request loop.'
          }
        },
        1
      ),
    expected: OK,
    verify: (emu) => expect(emu.entra.issued).toHaveLength(1)
  },
  {
    remote: 'Entra ID',
    fault: 'AADSTS70021 once (federated credential still propagating), then OK',
    arrange: (emu) => emu.entra.faults.add('entra.token', { aadsts: 70021 }, 1),
    expected: OK,
    verify: (emu, run) => {
      expect(emu.entra.issued).toHaveLength(1)
      expect(run.stdout).toMatch(/propagat/)
    }
  },
  {
    remote: 'Entra ID',
    fault: 'AADSTS700213 on every attempt (no credential for the subject)',
    arrange: (emu) => emu.entra.faults.add('entra.token', { aadsts: 700213 }, Infinity),
    expected: {
      code: 1,
      comments: 0,
      says: {
        kind: 'error',
        words: [
          /AADSTS700213/,
          /repo:octo-org\/octo-repo:pull_request/,
          /federated-credential create/,
          /https:\/\/token\.actions\.githubusercontent\.com/
        ]
      }
    },
    verify: (emu) => expect(emu.openai.requests).toHaveLength(0)
  },
  {
    remote: 'Entra ID',
    fault: 'AADSTS700016 (unknown client id)',
    arrange: (emu) => emu.entra.faults.add('entra.token', { aadsts: 700016 }, Infinity),
    expected: {
      code: 1,
      comments: 0,
      says: { kind: 'error', words: [/700016/, /client-id 22222222-2222-2222-2222-222222222222/] }
    }
  },
  {
    remote: 'Entra ID',
    fault: 'AADSTS90002 (unknown tenant)',
    arrange: (emu) => emu.entra.faults.add('entra.token', { aadsts: 90002 }, Infinity),
    expected: { code: 1, comments: 0, says: { kind: 'error', words: [/90002/, /tenant/] } }
  },
  {
    remote: 'Entra ID',
    fault: '200 with a body that is not JSON (an HTML page)',
    arrange: (emu) =>
      emu.entra.faults.add(
        'entra.token',
        { status: 200, headers: { 'content-type': 'text/html' }, body: '<html><body>Access denied by policy</body></html>' },
        Infinity
      ),
    expected: { code: 1, comments: 0, says: { kind: 'error', words: [/Entra ID/] } },
    verify: (emu) => expect(emu.openai.requests).toHaveLength(0)
  },

  // --- GitHub OIDC token endpoint (route oidc.token) ---------------------------------------------
  {
    remote: 'GitHub OIDC',
    fault: '500 on every attempt',
    arrange: (emu) => emu.oidc.faults.add('oidc.token', { status: 500, json: { message: 'Internal Server Error' } }, Infinity),
    expected: { code: 1, comments: 0, says: { kind: 'error', words: [/OIDC/, /500/] } }
  },
  {
    remote: 'GitHub OIDC',
    fault: '503 twice, then OK',
    arrange: (emu) => emu.oidc.faults.add('oidc.token', { status: 503, json: { message: 'Service Unavailable' } }, 2),
    expected: OK
  },
  {
    remote: 'GitHub OIDC',
    fault: '503 storm (every attempt)',
    arrange: (emu) => emu.oidc.faults.add('oidc.token', { status: 503, json: { message: 'Service Unavailable' } }, Infinity),
    expected: { code: 1, comments: 0, says: { kind: 'error', words: [/OIDC/, /503/] } }
  },
  {
    remote: 'GitHub OIDC',
    fault: 'no answer ever (hang; timeout-seconds 10)',
    timeoutSeconds: 10,
    arrange: (emu) => emu.oidc.faults.add('oidc.token', { hang: true }, Infinity),
    expected: { code: 1, comments: 0, says: { kind: 'error', words: [/timeout-seconds \(10 s\)/] } },
    verify: (emu) => expect(emu.openai.requests).toHaveLength(0)
  },
  {
    remote: 'GitHub OIDC',
    fault: 'ACTIONS_ID_TOKEN_REQUEST_URL unset (no `id-token: write`)',
    arrange: () => ({ env: { ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' } }),
    expected: { code: 1, comments: 0, says: { kind: 'error', words: [/id-token: write/] } },
    verify: (emu) => expect(emu.entra.faults.hits.get('entra.token')).toBeUndefined()
  },
  {
    remote: 'GitHub OIDC',
    fault: 'a token without `exp`',
    arrange: (emu) => {
      emu.oidc.state.omitExp = true
    },
    expected: { code: 1, comments: 0, says: { kind: 'error', words: [/AADSTS700024/, /OIDC token/] } },
    verify: (emu) => expect(emu.entra.faults.hits.get('entra.token')).toBeGreaterThan(0)
  },

  // --- GitHub REST ---------------------------------------------------------------------------------
  {
    remote: 'GitHub REST',
    fault: '502 on listing the files, once, then OK',
    arrange: (emu) => emu.github.faults.add('github.files', githubError(502, 'Server Error'), 1),
    expected: OK,
    verify: (emu) => expect(githubHits(emu, 'github.files')).toBe(2)
  },
  {
    remote: 'GitHub REST',
    fault: '502 after the comment was created (POST carried out)',
    arrange: (emu) => emu.github.faults.add('github.comments.create', { ...githubError(502, 'Server Error'), after: true }, 1),
    expected: OK,
    verify: (emu, run, pr) => expect(emu.github.comments(pr.owner, pr.repo, pr.number)).toHaveLength(1)
  },
  {
    remote: 'GitHub REST',
    fault: 'secondary rate limit (403 + `retry-after: 1`) on creating the comment',
    arrange: (emu) => emu.github.faults.add('github.comments.create', secondaryRateLimitFault(1), 1),
    expected: { code: 0, comments: 1, says: { kind: 'warning', words: [/secondary rate limit/] } },
    verify: (emu) => expect(githubHits(emu, 'github.comments.create')).toBe(2)
  },
  {
    remote: 'GitHub REST',
    fault: 'primary rate limit (`x-ratelimit-remaining: 0`, reset in 1 s) on reading the PR',
    arrange: (emu) =>
      emu.github.faults.add('github.pull', primaryRateLimitFault({ resetEpochSeconds: Math.floor(Date.now() / 1000) + 1 }), 1),
    expected: { code: 0, comments: 1, says: { kind: 'warning', words: [/primary rate limit/] } }
  },
  {
    remote: 'GitHub REST',
    fault: 'primary rate limit, reset in an hour',
    arrange: (emu) =>
      emu.github.faults.add(
        'github.pull',
        primaryRateLimitFault({ resetEpochSeconds: Math.floor(Date.now() / 1000) + 3600 }),
        Infinity
      ),
    expected: { code: 1, comments: 0, says: { kind: 'error', words: [/rate limit/, /re-run after/] } },
    verify: (emu) => expect(emu.openai.requests).toHaveLength(0)
  },
  {
    remote: 'GitHub REST',
    fault: '422 body too long on creating the comment',
    arrange: (emu) => emu.github.faults.add('github.comments.create', BODY_TOO_LONG, Infinity),
    expected: { code: 1, comments: 0, says: { kind: 'error', words: [/too long/, /max-output-tokens/] } }
  },
  {
    remote: 'GitHub REST',
    fault: '403 "Resource not accessible by integration" (read-only token)',
    arrange: (emu) => {
      emu.github.state.readOnlyTokens.add(emu.github.installationToken)
    },
    expected: {
      code: 1,
      comments: 0,
      says: { kind: 'error', words: [/Resource not accessible by integration/, /pull-requests: write/] }
    },
    verify: (emu) => expect(githubHits(emu, 'github.comments.create')).toBeGreaterThan(0)
  },
  {
    remote: 'GitHub REST',
    fault: '404 PR (wrong `pull-number`)',
    arrange: () => ({ inputs: { 'pull-number': 999 } }),
    expected: { code: 1, comments: 0, says: { kind: 'error', words: [/#999/, /pull-number/] } },
    verify: (emu) => expect(emu.openai.requests).toHaveLength(0)
  },
  {
    remote: 'GitHub REST',
    fault: '`Link` pagination with a missing page (404 on page 2 of the files)',
    pr: () => generatedPullRequest({ files: 150, linesPerFile: 2, number: 22 }),
    arrange: (emu) => {
      emu.github.faults.add('github.files', {}, 1) // page 1 served as usual
      emu.github.faults.add('github.files', githubError(404, 'Not Found'), Infinity)
    },
    // The PR exists (it was just read): the message must point at the file listing, not at pull-number.
    expected: { code: 1, comments: 0, says: { kind: 'error', words: [/404/, /files/] } },
    // Half a file list must never be summarized as if it were the whole PR.
    verify: (emu) => expect(emu.openai.requests).toHaveLength(0)
  }
]

// --- running a row and recording it ----------------------------------------------------------------

interface Recorded {
  readonly remote: Remote
  readonly fault: string
  readonly expected: Expected
  readonly code: number | null | 'killed'
  readonly comments: number
  readonly line: string
  passed: boolean
}

const CONCURRENCY_FAULT = 'two runs on the same PR at once'
const CONCURRENCY_TITLE = `Concurrency: ${CONCURRENCY_FAULT}`
const recorded = new Map<string, Recorded>()

/** The line a user reads: the error for a failed run, else the first line of the expected kind. */
function userLine(run: ActionRun, expected: Expected): string {
  const byKind: Record<LineKind, (run: ActionRun) => string[]> = { error: errors, warning: warnings, notice: notices }
  const kind = expected.says?.kind ?? 'error'
  const lines = byKind[kind](run)
  const words = expected.says?.words ?? []
  const line = lines.find((candidate) => words.every((word) => word.test(candidate))) ?? lines[0] ?? errors(run)[0] ?? ''
  return line
}

/** The checks every row shares: exit code, what is on the PR, one clear line. */
function expectOutcome(emu: Emulators, run: ActionRun, pr: FixturePull, expected: Expected): void {
  const errorLines = errors(run)
  expect({ code: run.code, errors: errorLines }).toEqual({
    code: expected.code,
    errors: expected.code === 0 ? [] : [expect.any(String)]
  })
  // One line: a message with a line break reaches the log as `%0A` inside the `::error::` command.
  for (const line of errorLines) expect(line).not.toContain('%0A')

  const ours = summaryComments(emu, pr)
  expect(ours).toHaveLength(expected.comments)
  expect(emu.github.comments(pr.owner, pr.repo, pr.number)).toHaveLength(expected.comments)
  if (expected.comments === 1) {
    const comment = ours[0]!
    expect(comment.body.split('\n').slice(1).join('\n').trim().length).toBeGreaterThan(0)
    expect(run.outputs['comment-id']).toBe(String(comment.id))
  }
  const stored = emu.github.pull(pr.owner, pr.repo, pr.number)
  expect({ title: stored.title, body: stored.body }).toEqual({ title: pr.title, body: pr.body })

  if (expected.says) {
    const line = userLine(run, expected)
    for (const word of expected.says.words) expect(line).toMatch(word)
    expect(line.startsWith(`::${expected.says.kind}`)).toBe(true)
  }
}

const title = (row: Row) => `${row.remote}: ${row.fault}`

type EmulatorName = 'openai' | 'entra' | 'oidc' | 'github'

/** Routes with a queued fault, so the row can prove afterwards that the run met its fault. */
function faultedRoutes(emu: Emulators): Array<{ name: EmulatorName; route: string }> {
  const names: EmulatorName[] = ['openai', 'entra', 'oidc', 'github']
  return names.flatMap((name) => [...emu[name].faults.queues.keys()].map((route) => ({ name, route })))
}

describe('every remote failure ends in one summary or one clear message', () => {
  it.concurrent.each(ROWS.map((row) => [title(row), row] as const))(
    '%s',
    async (key, row) => {
      const emu = await start()
      const timeoutSeconds = row.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS
      try {
        const { pr, event } = plant(emu, row.pr?.() ?? samplePullRequest())
        const options = row.arrange?.(emu, pr) ?? {}
        const faulted = faultedRoutes(emu)
        let run: ActionRun
        try {
          run = await act(emu, event, {
            ...options,
            inputs: { 'timeout-seconds': timeoutSeconds, ...options.inputs },
            timeoutMs: timeoutSeconds * 1000 + KILL_GRACE_MS
          })
        } catch (error) {
          recorded.set(key, {
            ...row,
            code: 'killed',
            comments: summaryComments(emu, pr).length,
            line: '',
            passed: false
          })
          throw error
        }
        const record: Recorded = {
          ...row,
          code: run.code,
          comments: summaryComments(emu, pr).length,
          line: userLine(run, row.expected),
          passed: false
        }
        recorded.set(key, record)
        expectOutcome(emu, run, pr, row.expected)
        // An outcome reached without meeting the fault (say, an input rejected up front) proves nothing.
        for (const { name, route } of faulted)
          expect({ route, hit: (emu[name].faults.hits.get(route) ?? 0) > 0 }).toEqual({ route, hit: true })
        row.verify?.(emu, run, pr)
        record.passed = true
      } finally {
        await emu.close()
      }
    },
    (ROWS.reduce((longest, row) => Math.max(longest, row.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS), 0) * 1000 + KILL_GRACE_MS) *
      2
  )

  it(
    'two runs on the same PR at once end with one comment',
    async () => {
      const emu = await start()
      try {
        const { pr, event } = plant(emu)
        // Holding each POST a moment lets both runs find no comment and create one: the race the dedup must settle.
        emu.github.faults.add('github.comments.create', { delayMs: 1_000 }, 2)
        const options = {
          inputs: { 'timeout-seconds': DEFAULT_TIMEOUT_SECONDS },
          timeoutMs: DEFAULT_TIMEOUT_SECONDS * 1000 + KILL_GRACE_MS
        }
        const runs = await Promise.all([act(emu, event, options), act(emu, event, options)])
        const ours = summaryComments(emu, pr)
        const record: Recorded = {
          remote: 'Concurrency',
          fault: CONCURRENCY_FAULT,
          expected: { code: 0, comments: 1 },
          code: Math.max(...runs.map((run) => run.code ?? 1)),
          comments: ours.length,
          line: runs.flatMap(errors)[0] ?? '',
          passed: false
        }
        recorded.set(CONCURRENCY_TITLE, record)
        for (const run of runs) expect({ code: run.code, errors: errors(run) }).toEqual({ code: 0, errors: [] })
        expect(ours).toHaveLength(1)
        expect(emu.github.comments(pr.owner, pr.repo, pr.number)).toHaveLength(1)
        // Both runs report the comment that survived.
        expect(runs.map((run) => run.outputs['comment-id'])).toEqual([String(ours[0]?.id), String(ours[0]?.id)])
        record.passed = true
      } finally {
        await emu.close()
      }
    },
    (DEFAULT_TIMEOUT_SECONDS * 1000 + KILL_GRACE_MS) * 2
  )

  // Declared last, so it runs once every row above has settled (concurrent rows included).
  it('docs/reliability.md is what this matrix produces (else run: npm run docs)', async () => {
    const missing = [...ROWS.map(title), CONCURRENCY_TITLE].filter((key) => !recorded.has(key))
    if (missing.length > 0) {
      throw new Error(
        `docs/reliability.md describes the whole matrix, but ${missing.length} row(s) did not run (${missing[0]}, …): run the whole file, without -t.`
      )
    }
    const expected = report([...ROWS.map(title), CONCURRENCY_TITLE].map((key) => recorded.get(key) as Recorded))
    if (process.env.UPDATE_DOCS === '1') {
      await writeFile(REPORT_PATH, expected)
      return
    }
    const committed = await readFile(REPORT_PATH, 'utf8').catch(() => '')
    if (committed !== expected) {
      throw new Error(
        `${lineDiff(committed, expected)}\ndocs/reliability.md is stale: it differs from what the fault matrix just measured (above). If a row failed, fix that first; otherwise run \`npm run docs\` and commit docs/reliability.md.`
      )
    }
  })
})

// --- docs/reliability.md ---------------------------------------------------------------------------

/**
 * Message text made stable across runs: emulator ports and clock readings vary, the words do not. So do
 * the figures the clock decides: a wait counted to a rate-limit reset given as a time of day, and the
 * per-attempt timeout (with the attempts it allowed) cut from whatever time was left.
 */
function stable(line: string): string {
  return line
    .replace(/^::(\w+)(?: [^:]*)?::/, '')
    .replace(/(127\.0\.0\.1|localhost):\d+/g, '$1:PORT')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/g, '<time>')
    .replace(/[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT/g, '<time>')
    .replace(/(primary rate limit on .*: retrying in )\d+s/, '$1Ns')
    .replace(/\d+ attempts? of up to \d+ s each/, 'N attempts of up to N s each')
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
}

function outcomeOf(record: Recorded | { code: Recorded['code']; comments: number }): string {
  const exit = record.code === 'killed' ? 'killed' : `exit ${record.code}`
  return `${exit}, ${record.comments} comment${record.comments === 1 ? '' : 's'}`
}

function report(records: readonly Recorded[]): string {
  const rows = records.map((record) => {
    const expected = outcomeOf({ code: record.expected.code, comments: record.expected.comments })
    const kind = /^::(\w+)/.exec(record.line)?.[1]
    const message = record.line ? `${kind === 'error' ? '' : `(${kind}) `}${stable(record.line)}` : '—'
    return `| ${record.remote} | ${cell(record.fault)} | ${expected} | ${outcomeOf(record)} | ${record.passed ? 'yes' : '**no**'} | ${cell(message)} |`
  })
  const failing = records.filter((record) => !record.passed).length
  return [
    '# Reliability under failure',
    '',
    '<!-- Generated by test/e2e/reliability.test.ts through `npm run docs`: edit the suite, not this file. -->',
    '',
    'Each row is one run of `dist/index.js` against the emulators (`test/emulators/`) with one fault',
    'injected into one remote. A run must end with exactly one summary comment and exit 0, or with one',
    'one-line `::error::` that says what is wrong and the fix, nothing published, and the PR description',
    'untouched. Content-filtered answers end in a neutral notice comment and a `::warning::` (contract).',
    '',
    `Rows that did not end as expected: ${failing} of ${records.length}. Every run is bounded by its`,
    '`timeout-seconds` (30 unless the row says otherwise). Ports, times of day and the figures the clock',
    'decides (a wait until a rate-limit reset, per-attempt timeouts) are shown as PORT, <time> and N.',
    '',
    '| remote | fault | expected | outcome | as expected | user-facing message |',
    '|---|---|---|---|---|---|',
    ...rows,
    ''
  ].join('\n')
}
