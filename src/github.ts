/**
 * The Octokit client: retries, rate-limit handling and timeouts bounded by the run's deadline, and the
 * mapping of GitHub's HTTP errors to one-line fixes.
 */
import { Octokit as OctokitCore } from '@octokit/core'
import type { OctokitOptions, OctokitPlugin } from '@octokit/core/types'
import { paginateRest } from '@octokit/plugin-paginate-rest'
import { restEndpointMethods } from '@octokit/plugin-rest-endpoint-methods'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import { ActionError } from './errors.js'
import { GITHUB_REQUEST_TIMEOUT_MS, type Prefetched } from './prefetch.js'
import { describeProxyFailure, errorChain, failedProxy, networkFailure, ProxyFailure, proxyFetch } from './proxy.js'
import type { Log, RepoRef } from './types.js'

/** Octokit with the REST methods and `paginate`, as @actions/github's `getOctokit` builds it. */
const RestClient = OctokitCore.plugin(restEndpointMethods, paginateRest)

/** The GitHub client the action uses: REST methods + paginate. */
export type Octokit = InstanceType<typeof RestClient>

export { GITHUB_REQUEST_TIMEOUT_MS }

/** Rate-limit waits allowed per request before giving up (each one also has to fit the deadline). */
const MAX_RATE_LIMIT_RETRIES = 2

/** plugin-retry's defaults plus 429, which the throttling plugin alone handles (it knows the reset time). */
const DO_NOT_RETRY = [400, 401, 403, 404, 410, 422, 429, 451]

/**
 * An Octokit for the token with retries on 5xx and network errors, primary and secondary rate limits
 * honoured, and a timeout on every attempt, all bounded by a deadline `timeoutMs` from now.
 * The API URL is `baseUrl`, else GITHUB_API_URL, else github.com's. Requests go through Node's fetch,
 * or through the proxy that HTTPS_PROXY / NO_PROXY name (proxy.ts). A request that the entry point
 * sent early (`prefetched`) has that response as its first attempt.
 */
export function createOctokit(
  token: string,
  options: {
    readonly log: Log
    readonly timeoutMs: number
    readonly baseUrl?: string
    readonly env?: NodeJS.ProcessEnv
    readonly prefetched?: Prefetched
  }
): Octokit {
  const { log, timeoutMs } = options
  const env = options.env ?? process.env
  const deadline = Date.now() + timeoutMs
  let transport: Promise<typeof fetch> | undefined
  const timedFetch: typeof fetch = (url, init) => {
    // A signal per attempt: one shared signal would also cut retries short, and none would let a
    // hung connection hold the job until the runner kills it.
    const budget = Math.max(0, Math.min(GITHUB_REQUEST_TIMEOUT_MS, deadline - Date.now()))
    const timeout = AbortSignal.timeout(budget)
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout
    const send = async (): Promise<Response> => (await (transport ??= proxyFetch(env)))(url, { ...init, signal })
    const early =
      (init?.method ?? 'GET') === 'GET' ? options.prefetched?.take(String(url), init?.signal ?? undefined, send) : undefined
    return (early ?? send()).catch((error: unknown) => {
      // @octokit/request turns any fetch failure into a bare "500"; the proxy that failed is named here.
      const proxy = failedProxy(error, env)
      throw proxy ? new ProxyFailure(proxy, { cause: error }) : error
    })
  }
  const onLimit =
    (kind: 'primary' | 'secondary') =>
    (retryAfterSeconds: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      const waitMs = retryAfterSeconds * 1000
      if (retryCount < MAX_RATE_LIMIT_RETRIES && Date.now() + waitMs < deadline) {
        log.warning(`GitHub ${kind} rate limit on ${request.method} ${request.url}: retrying in ${retryAfterSeconds}s.`)
        return true
      }
      // Not retried: the 403/429 reaches the caller, and explainGitHubError names the reset time.
      return false
    }
  const userAgent = orchestrationUserAgent(env)
  const octokitOptions: OctokitOptions = {
    auth: token,
    baseUrl: options.baseUrl ?? (env.GITHUB_API_URL || 'https://api.github.com'),
    request: { fetch: timedFetch },
    retry: { doNotRetry: DO_NOT_RETRY },
    throttle: { onRateLimit: onLimit('primary'), onSecondaryRateLimit: onLimit('secondary') },
    log: {
      debug: (message: string) => log.debug(message),
      info: (message: string) => log.debug(message),
      warn: (message: string) => log.warning(message),
      error: (message: string) => log.warning(message)
    },
    ...(userAgent ? { userAgent } : {})
  }
  const Client = RestClient.plugin(stopPointlessRetries(deadline), retry, throttling)
  return new Client(octokitOptions)
}

/**
 * The user agent tag GitHub reads to tie API calls to the job (`actions_orchestration_id/…`), as
 * @actions/github sends it when the runner sets ACTIONS_ORCHESTRATION_ID; undefined otherwise.
 */
function orchestrationUserAgent(env: NodeJS.ProcessEnv): string | undefined {
  const id = env.ACTIONS_ORCHESTRATION_ID?.trim()
  return id ? `actions_orchestration_id/${id.replace(/[^a-z0-9_.-]/gi, '_')}` : undefined
}

/**
 * Listed before plugin-retry, so its error hook runs first on every failed attempt: once the deadline
 * has passed, or the caller cancelled the request (its `request.signal`), it sets `request.retries` to
 * 0, which plugin-retry reads per request, so no backoff sleeps past the run's timeout or for nothing.
 */
function stopPointlessRetries(deadline: number): OctokitPlugin {
  return (octokit) => {
    octokit.hook.error('request', (error, options) => {
      const cancelled = (options.request.signal as AbortSignal | undefined)?.aborted === true
      if (cancelled || Date.now() >= deadline) options.request = { ...options.request, retries: 0 }
      throw error
    })
  }
}

/** What was being attempted when GitHub failed, to turn the HTTP error into a fix. */
export interface GitHubErrorContext {
  /** In the user's words, e.g. "update the summary comment on octo/app#12". */
  readonly action: string
  /** The request writes to the PR: a 403 then usually means a read-only token. */
  readonly write?: boolean
  /** Set when the request names the PR itself, so a 404 means a wrong `pull-number` or repository. */
  readonly pullRequest?: RepoRef & { readonly number: number }
  /** Characters in the body that was sent, named when GitHub rejects it as too long. */
  readonly bodyLength?: number
}

interface HttpFailure {
  readonly status: number
  readonly message: string
  readonly headers: Record<string, string | number | undefined>
  readonly cause?: unknown
}

/** The HTTP status of a failed Octokit request (`RequestError.status`), if `error` is one. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status
  return typeof status === 'number' ? status : undefined
}

function asHttpFailure(error: unknown): HttpFailure | undefined {
  const status = statusOf(error)
  if (status === undefined) return undefined
  const e = error as { message?: unknown; response?: { headers?: unknown }; cause?: unknown }
  const headers = (typeof e.response?.headers === 'object' && e.response.headers) || {}
  return {
    status,
    message: typeof e.message === 'string' ? e.message : '',
    headers: headers as HttpFailure['headers'],
    cause: e.cause
  }
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').trim()
}

/** The reset time of the primary rate limit (`x-ratelimit-reset`, epoch seconds) as ISO 8601. */
function resetTime(headers: HttpFailure['headers']): string | undefined {
  const seconds = Number(headers['x-ratelimit-reset'])
  return Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000).toISOString() : undefined
}

/**
 * A one-line, user-facing ActionError for a failed GitHub request: what went wrong while doing
 * `context.action` and what to change. Pure; an ActionError passes through unchanged.
 */
export function explainGitHubError(error: unknown, context: GitHubErrorContext): ActionError {
  if (error instanceof ActionError) return error
  const failure = asHttpFailure(error)
  const doing = `Could not ${context.action}`
  const proxy = errorChain(error).find((e): e is ProxyFailure => e instanceof ProxyFailure)
  if (proxy) {
    return new ActionError(`${doing}: ${describeProxyFailure(proxy.proxy, 'the GitHub API host')}.`, { cause: error })
  }
  if (!failure) {
    const detail = error instanceof Error ? error.message : String(error)
    return new ActionError(`${doing}: ${firstLine(detail)}.`, { cause: error })
  }
  const { status, headers } = failure
  const message = firstLine(failure.message)
  const cause = { cause: error }

  if (status === 401) {
    return new ActionError(
      `${doing}: GitHub rejected the github-token (401 ${message}); pass a valid token in the github-token input or leave it at its default \${{ github.token }}.`,
      cause
    )
  }
  if (
    (status === 403 || status === 429) &&
    (headers['x-ratelimit-remaining'] === '0' || headers['x-ratelimit-remaining'] === 0)
  ) {
    const reset = resetTime(headers) ?? 'an unknown time'
    return new ActionError(
      `${doing}: the GitHub API rate limit of this token is used up until ${reset}; re-run after that time (or raise timeout-seconds to wait for it), or use a token with a higher limit.`,
      cause
    )
  }
  if ((status === 403 || status === 429) && (/secondary rate/i.test(message) || headers['retry-after'] !== undefined)) {
    const after = headers['retry-after'] !== undefined ? ` (GitHub asked to wait ${headers['retry-after']}s)` : ''
    return new ActionError(
      `${doing}: GitHub's secondary rate limit was hit${after}; re-run the job later, or run fewer jobs that use this token at the same time.`,
      cause
    )
  }
  if (status === 403 && /Resource not accessible by integration/i.test(message)) {
    return new ActionError(
      context.write
        ? `${doing}: the token is read-only here (403 Resource not accessible by integration); give the job "permissions: pull-requests: write", and note that pull requests from forks get a read-only token under the pull_request event (use publish: none there).`
        : `${doing}: the token may not read this repository (403 Resource not accessible by integration); give the job "permissions: contents: read" and "pull-requests: read" (or write).`,
      cause
    )
  }
  if (status === 404 && context.pullRequest) {
    const { owner, repo, number } = context.pullRequest
    return new ActionError(
      `${doing}: pull request #${number} was not found in ${owner}/${repo} (404); check the pull-number input and that the workflow runs in the right repository (a token without access to a private repository also gets 404).`,
      cause
    )
  }
  if (status === 422 && /too long/i.test(message)) {
    const size = context.bodyLength !== undefined ? ` of ${context.bodyLength.toLocaleString('en-US')} characters` : ''
    return new ActionError(
      `${doing}: GitHub rejected the body${size} as too long (${message}); lower max-output-tokens, and report this as a bug since the summary should be shortened to fit.`,
      cause
    )
  }
  if (isTimeout(failure)) {
    return new ActionError(
      `${doing}: GitHub did not answer in time; check that GITHUB_API_URL is reachable from the runner, or raise timeout-seconds.`,
      cause
    )
  }
  const unreachable = networkFailure(error)
  if (unreachable) {
    return new ActionError(
      `${doing}: the GitHub API could not be reached (${unreachable}); check GITHUB_API_URL (set by the runner; GitHub Enterprise Server) and the runner's network.`,
      cause
    )
  }
  if (status >= 500) {
    return new ActionError(
      `${doing}: GitHub failed with ${status} (${message}) after retries; re-run the job, and check https://www.githubstatus.com if it persists.`,
      cause
    )
  }
  return new ActionError(`${doing}: GitHub answered ${status} (${message}).`, cause)
}

/** @octokit/request reports network failures as status 500 with the fetch error as the cause. */
function isTimeout(failure: HttpFailure): boolean {
  const name = (failure.cause as { name?: unknown } | undefined)?.name
  return name === 'TimeoutError' || /aborted due to timeout/i.test(failure.message)
}
