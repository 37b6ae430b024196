/**
 * The Octokit client: retries, rate-limit handling and timeouts bounded by the run's deadline, and the
 * mapping of GitHub's HTTP errors to one-line fixes.
 */
import { Octokit as OctokitCore } from '@octokit/core'
import type { OctokitOptions, OctokitPlugin } from '@octokit/core/types'
import { paginateRest } from '@octokit/plugin-paginate-rest'
import { restEndpointMethods } from '@octokit/plugin-rest-endpoint-methods'
import { setTimeout as sleep } from 'node:timers/promises'
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

/** Attempts after the first for a 5xx or a request that got no answer, as @octokit/plugin-retry makes. */
const GITHUB_RETRIES = 3

/** Answers that another attempt cannot change (429 is a rate limit, handled apart: it says when to come back). */
const DO_NOT_RETRY = new Set([400, 401, 403, 404, 410, 422, 429, 451])

/** Seconds to wait for a secondary rate limit that names no `retry-after`, as plugin-throttling waits. */
const SECONDARY_LIMIT_FALLBACK_SECONDS = 60

/** A rate limit GitHub answered with, and how long it says to wait. */
export interface RateLimit {
  readonly kind: 'primary' | 'secondary'
  readonly retryAfterSeconds: number
}

/**
 * An Octokit for the token with retries on 5xx and network errors, primary and secondary rate limits
 * honoured, and a timeout on every attempt, all bounded by a deadline `timeoutMs` from now.
 * The API URL is `baseUrl`, else GITHUB_API_URL, else github.com's. Requests go through Node's fetch,
 * or through the proxy that HTTPS_PROXY / NO_PROXY name (proxy.ts). A request that the entry point
 * sent early (`prefetched`) has that response as its first attempt. `retryBaseMs` scales the waits
 * between attempts (1 s, 4 s, 9 s by default; tests shorten them).
 */
export function createOctokit(
  token: string,
  options: {
    readonly log: Log
    readonly timeoutMs: number
    readonly baseUrl?: string
    readonly env?: NodeJS.ProcessEnv
    readonly prefetched?: Prefetched
    readonly retryBaseMs?: number
  }
): Octokit {
  const { log, timeoutMs } = options
  const env = options.env ?? process.env
  const deadline = Date.now() + timeoutMs
  const timedFetch: typeof fetch = (url, init) => {
    // A signal per attempt: one shared signal would also cut retries short, and none would let a
    // hung connection hold the job until the runner kills it.
    const budget = Math.max(0, Math.min(GITHUB_REQUEST_TIMEOUT_MS, deadline - Date.now()))
    const timeout = AbortSignal.timeout(budget)
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout
    const send = async (): Promise<Response> => (await proxyFetch(env))(url, { ...init, signal })
    const early =
      (init?.method ?? 'GET') === 'GET' ? options.prefetched?.take(String(url), init?.signal ?? undefined, send) : undefined
    return (early ?? send()).catch((error: unknown) => {
      // @octokit/request turns any fetch failure into a bare "500"; the proxy that failed is named here.
      const proxy = failedProxy(error, env)
      throw proxy ? new ProxyFailure(proxy, { cause: error }) : error
    })
  }
  const userAgent = orchestrationUserAgent(env)
  const octokitOptions: OctokitOptions = {
    auth: token,
    baseUrl: options.baseUrl ?? (env.GITHUB_API_URL || 'https://api.github.com'),
    request: { fetch: timedFetch },
    log: {
      debug: (message: string) => log.debug(message),
      info: (message: string) => log.debug(message),
      warn: (message: string) => log.warning(message),
      error: (message: string) => log.warning(message)
    },
    ...(userAgent ? { userAgent } : {})
  }
  // plainJson first: each attempt is parsed inside the retries around it.
  const Client = RestClient.plugin(plainJson, retries({ deadline, log, retryBaseMs: options.retryBaseMs ?? 1000 }))
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
 * `request: { plainJson: true }`: the answer is parsed by JSON.parse. Octokit parses every JSON answer
 * through json-with-bigint, whose reviver keeps numbers beyond 2^53 exact (GitHub's pages of files and
 * commits hold none) at ~3× the cost of JSON.parse and a copy of every value's source text: on the 30
 * pages of a 3,000-file PR, ~25 ms and as many MB of garbage as the patches (measured).
 */
const plainJson: OctokitPlugin = (octokit) => {
  octokit.hook.wrap('request', async (request, options) => {
    if (options.request.plainJson !== true) return request(options)
    // Set on the request's own options: the hooks inside this one (Octokit's auth) are handed those.
    options.request.parseSuccessResponseBody = false
    const response = await request(options)
    const body = response.data as AsyncIterable<Uint8Array> | null | undefined
    if (!body) return response
    const chunks: Buffer[] = []
    for await (const chunk of body) chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))
    return { ...response, data: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown }
  })
}

/**
 * Retries, with the rules of @octokit/plugin-retry and @octokit/plugin-throttling, written here because
 * both queue every request through Bottleneck, whose timers cost ~5 ms per request each (~15 ms for a
 * request through both, measured): most of a small PR's run was spent in those queues. A run makes a
 * handful of requests, spread in time; the queues' other work (at most 10 at once, a second between
 * writes) is not what it needs.
 * - A 5xx, or no answer (Octokit's 500 without a response), is tried again up to GITHUB_RETRIES times
 *   (or `request.retries`), after 1, 4 and 9 × `retryBaseMs`.
 * - A rate limit (403/429 "secondary rate limit" with `retry-after`; or `x-ratelimit-remaining: 0`
 *   until `x-ratelimit-reset`) is waited out up to MAX_RATE_LIMIT_RETRIES times, with a warning, when
 *   the wait ends before the deadline; otherwise the 403/429 reaches the caller, and
 *   explainGitHubError names the reset time.
 * - Nothing is retried once the deadline would pass or the caller cancelled (`request.signal`).
 */
function retries(policy: { deadline: number; log: Log; retryBaseMs: number }): OctokitPlugin {
  return (octokit) => {
    octokit.hook.wrap('request', async (request, options) => {
      const allowed = typeof options.request.retries === 'number' ? options.request.retries : GITHUB_RETRIES
      const signal = options.request.signal as AbortSignal | undefined
      let failures = 0
      let limits = 0
      for (;;) {
        try {
          return await request(options)
        } catch (error) {
          const status = statusOf(error)
          const limit = rateLimitOf(error)
          let waitMs: number
          if (limit) {
            waitMs = limit.retryAfterSeconds * 1000
            if (limits >= MAX_RATE_LIMIT_RETRIES || Date.now() + waitMs >= policy.deadline) throw error
            limits++
            policy.log.warning(
              `GitHub ${limit.kind} rate limit on ${options.method} ${options.url}: retrying in ${limit.retryAfterSeconds}s.`
            )
          } else {
            if (status === undefined || status < 400 || DO_NOT_RETRY.has(status) || failures >= allowed) throw error
            failures++
            waitMs = failures * failures * policy.retryBaseMs
            if (Date.now() + waitMs >= policy.deadline) throw error
          }
          if (signal?.aborted) throw error
          await sleep(waitMs, undefined, signal ? { signal } : {}).catch(() => {
            throw error
          })
        }
      }
    })
  }
}

/**
 * The rate limit a failed request hit, as @octokit/plugin-throttling reads it: a 403/429 whose message
 * says "secondary rate" (wait `retry-after`, else 60 s), or one with `x-ratelimit-remaining: 0` (wait
 * until one second after `x-ratelimit-reset`); undefined for any other failure.
 */
export function rateLimitOf(error: unknown, now = Date.now()): RateLimit | undefined {
  const failure = asHttpFailure(error)
  if (!failure || (failure.status !== 403 && failure.status !== 429)) return undefined
  if (/\bsecondary rate\b/i.test(failure.message)) {
    const retryAfter = Number(failure.headers['retry-after'])
    return { kind: 'secondary', retryAfterSeconds: retryAfter > 0 ? retryAfter : SECONDARY_LIMIT_FALLBACK_SECONDS }
  }
  if (String(failure.headers['x-ratelimit-remaining']) === '0') {
    const resetMs = Number(failure.headers['x-ratelimit-reset']) * 1000
    return { kind: 'primary', retryAfterSeconds: Math.max(Math.ceil((resetMs - now) / 1000) + 1, 0) }
  }
  return undefined
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
