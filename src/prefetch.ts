/**
 * The first GitHub reads of a `pull_request` run, sent by the entry point before the rest of the action
 * is loaded: the PR, and the first page of its files and of its commits, the requests readPullRequest
 * starts with. They travel while the rest of the action compiles (Octokit, the runner glue),
 * through node:http(s), which costs next to nothing to load; `fetch` would first load Node's own HTTP
 * client (~30 ms). Octokit then gets each response as the first attempt of that very request, so its
 * retries, rate-limit handling and error messages apply as before, and no request is added.
 *
 * They are sent only when main() is sure to send them itself: a `pull_request` event, inputs that
 * read as settings (the same readSettings and skipBeforeSettings main() calls), no proxy. Like main.ts,
 * this reads the runner's environment and event file, only earlier.
 */
import { readFileSync } from 'node:fs'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { readSettings } from './settings.js'
import { skipBeforeSettings } from './early-skips.js'

/**
 * Longest wait for one HTTP attempt to GitHub. GitHub itself ends requests that take more than 10
 * seconds (https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api#timeouts);
 * the rest is room for slow links and GitHub Enterprise Server. Past this, the connection is presumed hung.
 */
export const GITHUB_REQUEST_TIMEOUT_MS = 30_000

/** Responses that left before Octokit was loaded. */
export interface Prefetched {
  /**
   * Settles once every request is on the wire. Loading the bundle blocks the event loop for tens of
   * milliseconds, during which a request would wait to be written: the entry point waits for this
   * first (at most MAX_SEND_WAIT_MS).
   */
  readonly sent: Promise<void>
  /**
   * The response to a GET of `url` if it was prefetched and not taken yet, else undefined: each is the
   * first attempt of its request, taken once. A redirect is answered by `send()`, as fetch would
   * follow it. Rejects with `signal`'s reason once it aborts.
   */
  take(url: string, signal: AbortSignal | undefined, send: () => Promise<Response>): Promise<Response> | undefined
}

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']

/** Longest the entry point waits for the requests to be written before it loads the bundle. */
export const MAX_SEND_WAIT_MS = 100

/** Sends the PR's first reads now, if main() will send them too; undefined when it might not. */
export function prefetchPullRequest(env: NodeJS.ProcessEnv): Prefetched | undefined {
  const urls = firstReads(env)
  if (!urls) return undefined
  const written: Array<Promise<void>> = []
  const pending = new Map(
    urls.urls.map((url) => [url, send(url, urls.headers, urls.timeoutMs, (onWire) => written.push(onWire))])
  )
  // A response nobody takes (the run failed first) must not be an unhandled rejection.
  for (const response of pending.values()) response.catch(() => undefined)
  return {
    sent: Promise.all(written).then(() => undefined),
    take(url, signal, resend) {
      const response = pending.get(url)
      if (!response) return undefined
      pending.delete(url)
      const answered = response.then((early) => (early.status >= 300 && early.status < 400 ? resend() : early))
      return signal ? untilAborted(answered, signal) : answered
    }
  }
}

/** The URLs and headers of the PR's first reads, as Octokit will send them; undefined when main() might not. */
function firstReads(env: NodeJS.ProcessEnv): { urls: string[]; headers: Record<string, string>; timeoutMs: number } | undefined {
  const eventName = env.GITHUB_EVENT_NAME ?? ''
  if (!eventName.startsWith('pull_request') || !env.GITHUB_EVENT_PATH) return undefined
  if (PROXY_VARIABLES.some((name) => (env[name] ?? '') !== '')) return undefined
  const [owner, repo, ...rest] = (env.GITHUB_REPOSITORY ?? '').split('/')
  if (!owner || !repo || rest.length > 0) return undefined
  try {
    const payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as Record<string, unknown>
    // As runner.ts's getInput reads an input.
    const getInput = (name: string): string => (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim()
    const event = { name: eventName, payload }
    const hasIdToken = Boolean(env.ACTIONS_ID_TOKEN_REQUEST_URL)
    const inputs = {
      auth: getInput('auth'),
      apiKey: getInput('api-key'),
      pullNumber: getInput('pull-number'),
      command: getInput('command')
    }
    if (skipBeforeSettings(event, inputs, hasIdToken)) return undefined
    const settings = readSettings({ getInput, env, event: payload, eventName })
    const token = settings.githubToken
    if (!token || settings.pullNumber === undefined) return undefined
    const api = `${(env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '')}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/pulls/${settings.pullNumber}`
    if (!/^https?:\/\//.test(api)) return undefined
    return {
      // In the order and form Octokit builds them (readPullRequest: per_page, then page).
      urls: [api, `${api}/files?per_page=100&page=1`, `${api}/commits?per_page=100&page=1`],
      headers: {
        accept: 'application/vnd.github.v3+json',
        // As @octokit/auth-token prefixes a token: a JWT is a bearer token.
        authorization: `${token.split('.').length === 3 ? 'bearer' : 'token'} ${token}`,
        'user-agent': 'azure-openai-pr-summary'
      },
      timeoutMs: Math.min(GITHUB_REQUEST_TIMEOUT_MS, settings.timeoutSeconds * 1000)
    }
  } catch {
    // main() reports whatever is wrong with the event or the inputs.
    return undefined
  }
}

/**
 * One GET, answered as a fetch Response once its body is in; a network failure rejects as fetch does.
 * `onWire` gets a promise that settles once the request is written (or has failed).
 */
function send(
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
  onWire: (written: Promise<void>) => void
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const request = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, { method: 'GET', headers })
    onWire(
      new Promise((written) => {
        request.once('finish', () => written())
        request.once('close', () => written())
      })
    )
    const timer = setTimeout(
      () => request.destroy(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
      timeoutMs
    )
    request.on('response', (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => {
        clearTimeout(timer)
        resolve(responseOf(url, response, Buffer.concat(chunks)))
      })
      response.on('error', (error) => fail(error))
    })
    request.on('error', (error) => fail(error))
    request.end()

    function fail(error: Error): void {
      clearTimeout(timer)
      // fetch rejects with TypeError('fetch failed') and the network error as its cause; a timeout as is.
      reject(error instanceof DOMException ? error : new TypeError('fetch failed', { cause: error }))
    }
  })
}

/** What Octokit reads of a fetch Response: status, url, headers, and the body as text, bytes or chunks. */
function responseOf(url: string, response: IncomingMessage, body: Buffer): Response {
  const headers = new Map<string, string>()
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value)
  }
  const status = response.statusCode ?? 0
  const read = {
    ok: status >= 200 && status < 300,
    status,
    statusText: response.statusMessage ?? '',
    url,
    redirected: false,
    headers: {
      get: (name: string) => headers.get(name.toLowerCase()) ?? null,
      has: (name: string) => headers.has(name.toLowerCase()),
      forEach: (each: (value: string, name: string) => void) => headers.forEach(each),
      entries: () => headers.entries(),
      keys: () => headers.keys(),
      values: () => headers.values(),
      [Symbol.iterator]: () => headers.entries()
    },
    // Iterable as a fetch body is: Octokit hands it over unparsed when asked to (github.ts plainJson).
    body: {
      async *[Symbol.asyncIterator]() {
        yield body
      }
    },
    bodyUsed: false,
    text: () => Promise.resolve(body.toString('utf8')),
    json: () => Promise.resolve(JSON.parse(body.toString('utf8')) as unknown),
    arrayBuffer: () => Promise.resolve(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength))
  }
  return read as unknown as Response
}

/** `response`, or `signal`'s reason once it aborts first. */
function untilAborted(response: Promise<Response>, signal: AbortSignal): Promise<Response> {
  if (signal.aborted) {
    response.catch(() => undefined)
    return Promise.reject(signal.reason as Error)
  }
  return new Promise((resolve, reject) => {
    const abort = (): void => reject(signal.reason as Error)
    signal.addEventListener('abort', abort, { once: true })
    response.then(
      (value) => {
        signal.removeEventListener('abort', abort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort)
        reject(error as Error)
      }
    )
  })
}
