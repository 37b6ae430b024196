/**
 * The runner glue, and the only module that touches the runner: `process.env`, the event file, the
 * inputs, outputs, masking and job summary (through runner.ts), and the watchdog. It builds a
 * RunContext, calls run(), and writes the outputs from the result.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { commandRun } from './command.js'
import { ActionError } from './errors.js'
import { createOctokit } from './github.js'
import { GITHUB_REQUEST_TIMEOUT_MS, type Prefetched } from './prefetch.js'
import { proxyFetch } from './proxy.js'
import { run, type RunContext, type RunLog } from './run.js'
import { acknowledgeCommand } from './reactions.js'
import { readSettings } from './settings.js'
import { appendJobSummary, getIDToken, getInput, runnerLog, setFailed, setOutput, setSecret } from './runner.js'
import { type RunEvent, skipBeforeSettings, skippedResult } from './skips.js'
import type { RepoRef, RunResult } from './types.js'

/** Time after timeout-seconds for clients to report their own timeout before the watchdog ends the run. */
const WATCHDOG_GRACE_SECONDS = 10

const log: RunLog = runnerLog

/**
 * Reads the runner's environment and inputs, runs the pipeline, and sets the outputs. `prefetched`:
 * the PR's first reads, if the entry point sent them already (src/prefetch.ts).
 */
export async function main(prefetched?: Prefetched): Promise<void> {
  const startedAt = Date.now()
  const env = process.env
  const event: RunEvent = { name: env.GITHUB_EVENT_NAME ?? '', payload: readEvent(env.GITHUB_EVENT_PATH) }
  const hasIdToken = Boolean(env.ACTIONS_ID_TOKEN_REQUEST_URL)
  const early = skipBeforeSettings(
    event,
    {
      auth: getInput('auth', env),
      apiKey: getInput('api-key', env),
      pullNumber: getInput('pull-number', env),
      command: getInput('command', env)
    },
    hasIdToken
  )
  if (early) {
    log.notice(early.message)
    return finish(skippedResult(early, 0))
  }

  const settings = readSettings({ getInput: (name) => getInput(name, env), env, event: event.payload, eventName: event.name })
  if (settings.apiKey) setSecret(settings.apiKey)
  if (settings.githubToken) setSecret(settings.githubToken)
  log.debug(`settings: ${JSON.stringify({ ...settings, apiKey: settings.apiKey ? '***' : '', githubToken: '***' })}`)
  const repo = repoFromEnv(env.GITHUB_REPOSITORY)
  if (!settings.githubToken) {
    throw new ActionError(
      `Input 'github-token' is empty: leave it at its default (\${{ github.token }}) or pass a token that can read the PR.`
    )
  }

  // Every client stops at the deadline on its own; this is the last line of defence, so that nothing
  // (a hung socket in a library we do not control) can hold the job until GitHub's 6-hour limit.
  const watchdog = setTimeout(
    () => {
      setFailed(
        `The run did not finish within timeout-seconds (${settings.timeoutSeconds} s) plus ${WATCHDOG_GRACE_SECONDS} s: a remote stopped answering. Re-run the job; if it recurs, raise timeout-seconds or check the network between the runner and GitHub, Entra ID and Azure OpenAI.`
      )
      process.exit(1)
    },
    (settings.timeoutSeconds + WATCHDOG_GRACE_SECONDS) * 1000
  ).unref()
  try {
    // Past the gate in skipBeforeSettings, an issue_comment run is a trusted command.
    const command = event.name === 'issue_comment' ? commandRun(event.payload) : undefined
    const context: RunContext = {
      event,
      repo,
      settings,
      github: createOctokit(settings.githubToken, {
        log,
        timeoutMs: settings.timeoutSeconds * 1000,
        ...(prefetched ? { prefetched } : {})
      }),
      azure: {
        hasIdToken,
        getIDToken: async (audience) =>
          getIDToken(audience, { env, fetch: await proxyFetch(env), attemptTimeoutMs: GITHUB_REQUEST_TIMEOUT_MS }),
        setSecret,
        env
      },
      log,
      serverUrl: (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, ''),
      startedAt,
      now: Date.now,
      ...(command ? { command } : {})
    }
    const result = await (command ? acknowledgeCommand(context.github, repo, command, log, () => run(context)) : run(context))
    finish(result)
  } finally {
    clearTimeout(watchdog)
  }
}

/** For `npm run local-action` (@github/local-action calls the entrypoint's `run`). */
export { main as run }

function finish(result: RunResult): void {
  setOutput('summary', result.summary)
  setOutput('summary-file', result.summary === '' ? '' : writeSummaryFile(result.summary))
  setOutput('comment-id', result.commentId ?? '')
  setOutput('comment-url', result.commentUrl ?? '')
  setOutput('published', result.published)
  setOutput('skipped', result.skipped)
  setOutput('files-total', result.filesTotal)
  setOutput('files-summarized', result.filesSummarized)
  setOutput('files-omitted', result.filesOmitted)
  setOutput('prompt-tokens', result.promptTokens)
  setOutput('completion-tokens', result.completionTokens)
  setOutput('model-calls', result.modelCalls)
  appendJobSummary(result.jobSummary)
}

/**
 * The summary in a file of its own under RUNNER_TEMP (which the runner empties after each job), for
 * steps that pass it on without quoting it into a shell; a directory per run, so two steps never collide.
 */
function writeSummaryFile(markdown: string): string {
  const dir = mkdtempSync(join(process.env.RUNNER_TEMP || tmpdir(), 'pr-summary-'))
  const path = join(dir, 'summary.md')
  writeFileSync(path, markdown)
  return path
}

function readEvent(path: string | undefined): Record<string, unknown> {
  if (!path) return {}
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
  } catch (error) {
    throw new ActionError(`Cannot read the event payload at GITHUB_EVENT_PATH '${path}': ${(error as Error).message}.`)
  }
}

function repoFromEnv(repository: string | undefined): RepoRef {
  const [owner, repo, ...rest] = (repository ?? '').split('/')
  if (!owner || !repo || rest.length > 0) {
    throw new ActionError(
      `GITHUB_REPOSITORY '${repository ?? ''}' is not of the form owner/repo: run this action in a GitHub Actions job.`
    )
  }
  return { owner, repo }
}
