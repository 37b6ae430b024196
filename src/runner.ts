/**
 * The runner's side of a step, written to GitHub's documented protocol: inputs from `INPUT_*`, workflow
 * commands on stdout (log levels, groups, masks), outputs in GITHUB_OUTPUT, the job summary in
 * GITHUB_STEP_SUMMARY, and the job's OIDC token from ACTIONS_ID_TOKEN_REQUEST_URL. These few commands
 * are all the action needs of @actions/core, whose OIDC client brings a second HTTP client (undici,
 * ~450 KB and ~45 ms of start-up) into every run; GitHub's protocol is small and stable, the format
 * below is byte for byte the one @actions/core writes.
 * https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands
 */
import { randomUUID } from 'node:crypto'
import { appendFileSync } from 'node:fs'
import { EOL } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'

/** An input as the runner passes it: `INPUT_<NAME>` (spaces as `_`, upper case), trimmed; '' when unset. */
export function getInput(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim()
}

/** A workflow command's message: `%`, CR and LF escaped, so that one message stays one command. */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

/** A workflow command property's value: as a message, plus `:` and `,`. */
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C')
}

function issue(command: string, message = '', properties = ''): void {
  process.stdout.write(`::${command}${properties}::${escapeData(message)}${EOL}`)
}

/** The log of a step: plain lines, and the commands the runner turns into debug lines and annotations. */
export const runnerLog = {
  info(message: string): void {
    process.stdout.write(message + EOL)
  },
  debug(message: string): void {
    issue('debug', message)
  },
  notice(message: string): void {
    issue('notice', message)
  },
  warning(message: string): void {
    issue('warning', message)
  },
  error(message: string): void {
    issue('error', message)
  },
  /** Folds the lines `work` logs under `name`. */
  async group<T>(name: string, work: () => Promise<T>): Promise<T> {
    issue('group', name)
    try {
      return await work()
    } finally {
      issue('endgroup')
    }
  }
}

/** The runner replaces `secret` with `***` in every log line from now on. */
export function setSecret(secret: string): void {
  issue('add-mask', secret)
}

/** Marks the step failed with one error annotation; the process exits 1 when it ends. */
export function setFailed(message: string): void {
  process.exitCode = 1
  runnerLog.error(message)
}

/**
 * Sets a step output: appended to GITHUB_OUTPUT as a heredoc whose delimiter is random, so that no
 * value (a summary written by a model) can end it early and set another output.
 */
export function setOutput(name: string, value: string | number | boolean, env: NodeJS.ProcessEnv = process.env): void {
  const text = String(value)
  const file = env.GITHUB_OUTPUT
  if (!file) {
    // A runner older than GITHUB_OUTPUT (before 2.297.0) only reads the deprecated command.
    process.stdout.write(EOL)
    issue('set-output', text, ` name=${escapeProperty(name)}`)
    return
  }
  const delimiter = `ghadelimiter_${randomUUID()}`
  if (name.includes(delimiter) || text.includes(delimiter)) {
    throw new Error(`The output '${name}' contains its own delimiter ${delimiter}: not written.`)
  }
  appendFileSync(file, `${name}<<${delimiter}${EOL}${text}${EOL}${delimiter}${EOL}`, { encoding: 'utf8' })
}

/** Appends `markdown` to the job summary (GITHUB_STEP_SUMMARY), when the runner provides one. */
export function appendJobSummary(markdown: string, env: NodeJS.ProcessEnv = process.env): void {
  const file = env.GITHUB_STEP_SUMMARY
  if (file) appendFileSync(file, markdown, { encoding: 'utf8' })
}

/** Why the runner's OIDC endpoint gave no token: `status` when it answered with an HTTP error. */
export class IdTokenError extends Error {
  override readonly name = 'IdTokenError'
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause: unknown }
  ) {
    super(message, options)
  }
}

/** Attempts at the OIDC endpoint before giving up, and the wait before each retry. */
const ID_TOKEN_ATTEMPTS = 4
const ID_TOKEN_RETRY_BASE_MS = 250
/** Answers worth another attempt: the endpoint is busy or failing for a moment. */
const ID_TOKEN_RETRIED = new Set([408, 429, 500, 502, 503, 504])

/**
 * The job's GitHub OIDC token for `audience` (the job needs `permissions: id-token: write`, which is
 * what sets ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN). Busy answers and dropped connections are retried
 * with a doubling wait; each attempt ends after `attemptTimeoutMs`.
 */
export async function getIDToken(
  audience: string,
  options: { env: NodeJS.ProcessEnv; fetch: typeof fetch; attemptTimeoutMs: number; retryBaseMs?: number }
): Promise<string> {
  const { env } = options
  const endpoint = env.ACTIONS_ID_TOKEN_REQUEST_URL
  const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN
  if (!endpoint) throw new IdTokenError('ACTIONS_ID_TOKEN_REQUEST_URL is not set')
  if (!bearer) throw new IdTokenError('ACTIONS_ID_TOKEN_REQUEST_TOKEN is not set')
  // The URL the runner gives already has a query (`?api-version=…`): the audience is one more parameter.
  const url = audience ? `${endpoint}&audience=${encodeURIComponent(audience)}` : endpoint
  const retryBaseMs = options.retryBaseMs ?? ID_TOKEN_RETRY_BASE_MS
  for (let attempt = 1; ; attempt++) {
    let failure: IdTokenError
    try {
      const response = await options.fetch(url, {
        headers: { authorization: `Bearer ${bearer}`, accept: 'application/json', 'user-agent': 'actions/oidc-client' },
        signal: AbortSignal.timeout(options.attemptTimeoutMs)
      })
      if (response.ok) {
        const body = (await response.json().catch(() => undefined)) as { value?: unknown } | undefined
        if (typeof body?.value === 'string' && body.value !== '') return body.value
        throw new IdTokenError('its answer has no token (no `value` in the JSON)')
      }
      await response.body?.cancel()
      failure = new IdTokenError(`status ${response.status}`, response.status)
      if (!ID_TOKEN_RETRIED.has(response.status)) throw failure
    } catch (error) {
      if (error instanceof IdTokenError) throw error
      const reason = error instanceof Error ? error.message : String(error)
      failure = new IdTokenError(`no answer: ${reason}`, undefined, { cause: error })
    }
    if (attempt >= ID_TOKEN_ATTEMPTS) throw failure
    await sleep(retryBaseMs * 2 ** (attempt - 1))
  }
}
