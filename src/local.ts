/**
 * What `npm run preview` and `npm run doctor` share on a developer's machine: the PR URL and the
 * GitHub API it implies, a GitHub token from the environment or the GitHub CLI, the Azure OpenAI
 * target from flags, the environment or `.env`, running `az` and `gh`, and a log for a terminal.
 * Nothing here reads `process.env`, the working directory or argv: src/cli.ts passes them in.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { parseEnv } from 'node:util'
import { ActionError, oneLine } from './errors.js'
import type { RunLog } from './run.js'
import type { RepoRef } from './types.js'

/** A pull request named by its web URL, and the GitHub API that serves it. */
export interface PullRequestUrl extends RepoRef {
  readonly number: number
  /** `host[:port]` as the GitHub CLI names it (`gh auth token --hostname`). */
  readonly host: string
  /** The web UI, for links in the summary, e.g. https://github.com. */
  readonly serverUrl: string
  /** The REST API: api.github.com, api.SUBDOMAIN.ghe.com, or https://HOST/api/v3 on GitHub Enterprise Server. */
  readonly apiUrl: string
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

/** Parses https://HOST/OWNER/REPO/pull/NUMBER (anything after the number, such as /files, is ignored). */
export function parsePullRequestUrl(value: string): PullRequestUrl {
  const expected = `give the pull request's URL, such as https://github.com/OWNER/REPO/pull/123`
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ActionError(`'${value}' is not a URL: ${expected}.`)
  }
  const match = /^\/([^/]+)\/([^/]+)\/pull\/([1-9]\d{0,9})(?:\/.*)?$/.exec(url.pathname)
  if (!match || !(url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)))) {
    throw new ActionError(`'${value}' is not a pull request URL: ${expected} (https only).`)
  }
  const [, owner = '', repo = '', number = ''] = match
  const hostname = url.hostname.toLowerCase()
  if (hostname === 'github.com' || hostname === 'www.github.com') {
    return {
      owner,
      repo,
      number: Number(number),
      host: 'github.com',
      serverUrl: 'https://github.com',
      apiUrl: 'https://api.github.com'
    }
  }
  const serverUrl = `${url.protocol}//${url.host}`
  // GitHub Enterprise Cloud with data residency serves its API on a subdomain; Enterprise Server under /api/v3.
  const apiUrl = hostname.endsWith('.ghe.com') ? `https://api.${url.host}` : `${serverUrl}/api/v3`
  return { owner, repo, number: Number(number), host: url.host, serverUrl, apiUrl }
}

/** What a command printed, and how it ended. */
export interface CommandResult {
  /** The exit code; 127 when the command is not installed. */
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  /** The command was not found on PATH. */
  readonly missing: boolean
}

/** Runs a command (no shell) and never rejects: a failure is a result. */
export type RunCommand = (command: string, args: readonly string[]) => Promise<CommandResult>

/**
 * A RunCommand for `az` and `gh` with `env` and a timeout. No shell is involved, so no argument is
 * ever interpreted; on Windows, run these commands from WSL (the Azure CLI is a .cmd file there).
 */
export function commandRunner(env: NodeJS.ProcessEnv, timeoutMs = 60_000): RunCommand {
  return (command, args) =>
    new Promise((resolve) => {
      execFile(
        command,
        [...args],
        { env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, windowsHide: true },
        (error, stdout, stderr) => {
          if (!error) return resolve({ code: 0, stdout, stderr, missing: false })
          const code = (error as { code?: unknown }).code
          const missing = code === 'ENOENT'
          const why = error.killed ? `${command} did not finish within ${timeoutMs / 1000} s` : error.message
          resolve({ code: typeof code === 'number' ? code : missing ? 127 : 1, stdout, stderr: stderr || why, missing })
        }
      )
    })
}

/** The first line of what a failed command said, for a message. */
export function commandError(result: CommandResult): string {
  const text = result.stderr.trim() || result.stdout.trim() || `exit code ${result.code}`
  return oneLine(text.split('\n').find((line) => line.trim() !== '') ?? text)
}

/**
 * A token that can read the PR: GITHUB_TOKEN, else GH_TOKEN, else what the GitHub CLI holds for the
 * PR's host (`gh auth token --hostname HOST`). Never printed.
 */
export async function githubToken(host: string, env: NodeJS.ProcessEnv, run: RunCommand): Promise<string> {
  const fromEnv = env.GITHUB_TOKEN?.trim() || env.GH_TOKEN?.trim()
  if (fromEnv) return fromEnv
  const login = `gh auth login${host === 'github.com' ? '' : ` --hostname ${host}`}`
  const result = await run('gh', ['auth', 'token', '--hostname', host])
  const token = result.stdout.trim()
  if (result.code === 0 && token) return token
  if (result.missing) {
    throw new ActionError(
      `No GitHub token to read the PR: set GITHUB_TOKEN, or install the GitHub CLI (https://cli.github.com) and run \`${login}\`.`
    )
  }
  throw new ActionError(
    `No GitHub token for ${host} (gh: ${commandError(result)}): run \`${login}\`, or set GITHUB_TOKEN to a token that can read the PR.`
  )
}

/** The variables of a `.env` file (dotenv syntax), or none when there is no such file. */
export function readDotEnv(path: string): Record<string, string> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new ActionError(`Cannot read ${path}: ${(error as Error).message}.`)
  }
  return parseEnv(text) as Record<string, string>
}

/** The Azure OpenAI resource and deployment to use, and the api-version (empty: the v1 API). */
export interface AzureTarget {
  readonly endpoint: string
  readonly deployment: string
  readonly apiVersion: string
}

/**
 * The target from, in order: the flags, the environment (AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_DEPLOYMENT,
 * AZURE_OPENAI_API_VERSION), then `.env`, which may also use @github/local-action's names (INPUT_ENDPOINT,
 * INPUT_DEPLOYMENT, INPUT_API-VERSION), so that the `.env` of `npm run local-action` serves here too.
 */
export function azureTarget(
  flags: { readonly endpoint?: string; readonly deployment?: string; readonly apiVersion?: string },
  env: NodeJS.ProcessEnv,
  dotenv: Record<string, string>
): AzureTarget {
  const pick = (flag: string | undefined, name: string, input: string): string =>
    [flag, env[name], dotenv[name], dotenv[input]].map((value) => value?.trim() ?? '').find((value) => value !== '') ?? ''
  const endpoint = pick(flags.endpoint, 'AZURE_OPENAI_ENDPOINT', 'INPUT_ENDPOINT')
  const deployment = pick(flags.deployment, 'AZURE_OPENAI_DEPLOYMENT', 'INPUT_DEPLOYMENT')
  if (!endpoint) {
    throw new ActionError(
      'No Azure OpenAI endpoint: pass --endpoint https://NAME.openai.azure.com, or set AZURE_OPENAI_ENDPOINT in the environment or in .env.'
    )
  }
  if (!deployment) {
    throw new ActionError(
      'No Azure OpenAI deployment: pass --deployment NAME, or set AZURE_OPENAI_DEPLOYMENT in the environment or in .env.'
    )
  }
  return { endpoint, deployment, apiVersion: pick(flags.apiVersion, 'AZURE_OPENAI_API_VERSION', 'INPUT_API-VERSION') }
}

/** A RunLog for a terminal: each line through `write`, debug lines only when `verbose`. */
export function terminalLog(write: (line: string) => void, verbose: boolean): RunLog {
  return {
    info: (message) => write(message),
    debug: (message) => {
      if (verbose) write(`debug: ${message}`)
    },
    notice: (message) => write(`notice: ${message}`),
    warning: (message) => write(`warning: ${message}`),
    group: (name, work) => {
      write(`▸ ${name}`)
      return work()
    }
  }
}
