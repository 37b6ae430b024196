/**
 * HTTPS_PROXY / HTTP_PROXY as the HTTP clients of GitHub, Entra ID and Azure OpenAI see them, and the
 * one-line message when the proxy itself is what failed. Credentials in proxy URLs are never printed.
 */
import diagnostics from 'node:diagnostics_channel'
import { isIP } from 'node:net'

/** A proxy variable that is set, with its value stripped of credentials (they must never be printed). */
export interface ProxySetting {
  readonly variable: string
  readonly url: string
}

/** A proxy whose connection failed, and how: a socket code such as ECONNREFUSED, or "answered 407". */
export interface FailedProxy extends ProxySetting {
  readonly failure: string
}

/** The variables HTTP clients read a proxy from: undici's EnvHttpProxyAgent and @azure/core-rest-pipeline. */
const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'] as const

/** Socket and DNS failures that mean "no connection was made" (Node's error codes). */
const CONNECT_FAILURES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH'
])

/**
 * Codes that mean "the request never got an answer": the connect failures, TLS verification failures
 * (Node's, as a TLS-inspecting proxy causes them), undici's connect timeout and socket close, and the
 * names @azure/core-rest-pipeline (REQUEST_SEND_ERROR) and MSAL (`errorCode` network_error) give them.
 */
const NETWORK_FAILURES = new Set([
  ...CONNECT_FAILURES,
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'REQUEST_SEND_ERROR',
  'network_error'
])

/** The network failure (ECONNREFUSED, ENOTFOUND, CERT_HAS_EXPIRED, …) anywhere in `error`'s cause chain, if any. */
export function networkFailure(error: unknown): string | undefined {
  for (const e of errorChain(error)) {
    const record = e as { code?: unknown; errorCode?: unknown }
    for (const code of [record.code, record.errorCode]) {
      if (typeof code === 'string' && NETWORK_FAILURES.has(code)) return code
    }
  }
  return undefined
}

/** Every proxy the environment names, credentials removed; a value that is not a URL is skipped. */
export function configuredProxies(env: NodeJS.ProcessEnv): ProxySetting[] {
  return PROXY_VARIABLES.flatMap((variable) => {
    const value = env[variable]
    if (!value) return []
    try {
      const url = new URL(value.includes('://') ? value : `http://${value}`)
      url.username = ''
      url.password = ''
      return [{ variable, url: url.origin }]
    } catch {
      return []
    }
  })
}

/**
 * The configured proxy that `error` failed to connect to, if any: a socket/DNS error (anywhere along
 * the cause chain) at the proxy's host and port, or undici's "Proxy response (407) !== 200 when HTTP
 * Tunneling". A proxy named by host name is matched on its port alone, since the socket error carries
 * the resolved address.
 */
export function failedProxy(error: unknown, env: NodeJS.ProcessEnv): FailedProxy | undefined {
  const proxies = configuredProxies(env)
  if (proxies.length === 0) return undefined
  for (const e of errorChain(error)) {
    const record = e as { code?: unknown; address?: unknown; port?: unknown; hostname?: unknown; message?: unknown }
    const tunnel =
      typeof record.message === 'string' ? /Proxy response \((\d{3})\) !== 200 when HTTP Tunneling/.exec(record.message) : null
    if (tunnel && proxies[0]) return { ...proxies[0], failure: `answered ${tunnel[1]} to CONNECT` }
    if (typeof record.code !== 'string' || !CONNECT_FAILURES.has(record.code)) continue
    const at = socketAddress(record)
    const proxy = proxies.find(({ url }) => {
      const { hostname, port, protocol } = new URL(url)
      const host = hostname.replace(/^\[|\]$/g, '')
      if (at.hostname !== undefined) return at.hostname === host
      const proxyPort = port || (protocol === 'https:' ? '443' : '80')
      return at.port === proxyPort && (at.address === host || isIP(host) === 0)
    })
    if (proxy) return { ...proxy, failure: record.code }
  }
  return undefined
}

/** Where a socket error happened: Node sets `address`/`port` (connect) or `hostname` (DNS); some clients only keep the message. */
function socketAddress(record: { address?: unknown; port?: unknown; hostname?: unknown; message?: unknown }): {
  address?: string
  port?: string
  hostname?: string
} {
  if (typeof record.hostname === 'string') return { hostname: record.hostname }
  if (typeof record.address === 'string' && record.port !== undefined)
    return { address: record.address, port: String(record.port) }
  const text = typeof record.message === 'string' ? record.message : ''
  const match = /(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]):(\d+)/.exec(text)
  return match ? { address: (match[1] ?? '').replace(/^\[|\]$/g, ''), port: match[2] } : {}
}

/**
 * The error, its causes and the members of an AggregateError (Node's happy-eyeballs connect,
 * @azure/identity's AggregateAuthenticationError), breadth first. A thrown or `cause` value that is
 * not an object (a string) is listed too, for its text.
 */
export function errorChain(error: unknown): unknown[] {
  const seen: unknown[] = []
  const queue: unknown[] = [error]
  while (queue.length > 0 && seen.length < 20) {
    const next = queue.shift()
    if (next === undefined || next === null || seen.includes(next)) continue
    seen.push(next)
    if (typeof next === 'object') {
      const record = next as { cause?: unknown; errors?: unknown }
      queue.push(record.cause)
      if (Array.isArray(record.errors)) queue.push(...record.errors)
    }
  }
  return seen
}

/** A request that never reached its server because the proxy in between could not be reached. */
export class ProxyFailure extends Error {
  override readonly name = 'ProxyFailure'
  constructor(
    readonly proxy: FailedProxy,
    options: { cause: unknown }
  ) {
    super(`proxy ${proxy.url} (${proxy.variable}) ${proxy.failure}`, options)
  }
}

/** One clause for messages: which proxy failed and how, and what to check. */
export function describeProxyFailure(proxy: FailedProxy, host: string): string {
  return (
    `the proxy ${proxy.url} set in ${proxy.variable} ${/^answered/.test(proxy.failure) ? proxy.failure : `could not be reached (${proxy.failure})`}; ` +
    `check that the proxy is up and that HTTPS_PROXY / HTTP_PROXY name it correctly, or list ${host} in NO_PROXY`
  )
}

/**
 * The fetch for a remote: Node's own, which ignores HTTPS_PROXY / HTTP_PROXY / NO_PROXY, unless a proxy
 * is configured; then undici's fetch through an EnvHttpProxyAgent, which honours all three. undici is
 * loaded only then, so a run without a proxy does not pay for a second HTTP client. One per proxy
 * setting: GitHub, the OIDC endpoint and Azure OpenAI share its agent and connection pool.
 */
export function proxyFetch(env: NodeJS.ProcessEnv): Promise<typeof fetch> {
  const key = JSON.stringify([...PROXY_VARIABLES, 'NO_PROXY', 'no_proxy'].map((name) => env[name] ?? ''))
  let fetcher = proxyFetches.get(key)
  if (!fetcher) {
    fetcher = createProxyFetch(env)
    proxyFetches.set(key, fetcher)
  }
  return fetcher
}

/** By the proxy variables' values, so that an environment changed in place gets a fetch of its own. */
const proxyFetches = new Map<string, Promise<typeof fetch>>()

async function createProxyFetch(env: NodeJS.ProcessEnv): Promise<typeof fetch> {
  if (configuredProxies(env).length === 0) return globalThis.fetch
  const undici = await import('undici')
  const dispatcher = new undici.EnvHttpProxyAgent()
  // The cast bridges undici@6's fetch types to the ones @types/node declares for the global fetch.
  return ((input: string, init: RequestInit) =>
    undici.fetch(input, { ...(init as object), dispatcher })) as unknown as typeof fetch
}

/** undici's diagnostics channels (Node's fetch and undici's): a request created, and written out. */
const CREATED_CHANNEL = 'undici:request:create'
const BODY_SENT_CHANNEL = 'undici:request:bodySent'

/**
 * Calls `then` once a request (to a path containing `path`, if given) has been written to its
 * connection and no other such request is still waiting to be, or after `fallbackMs`. fetch writes a
 * request a few turns of the event loop after it is called: work scheduled in between (a setImmediate,
 * a chunk's import) runs first and holds every request not yet written back for as long as it takes.
 */
export function whenRequestsSent(then: () => void, options: { path?: string; fallbackMs?: number } = {}): void {
  const waiting = new Set<unknown>()
  const requestOf = (message: unknown): unknown => {
    const request = (message as { request?: { path?: unknown } } | undefined)?.request
    const path = request?.path
    return options.path === undefined || (typeof path === 'string' && path.includes(options.path)) ? request : undefined
  }
  const created = (message: unknown): void => {
    const request = requestOf(message)
    if (request) waiting.add(request)
  }
  const sent = (message: unknown): void => {
    const request = requestOf(message)
    if (!request) return
    waiting.delete(request)
    if (waiting.size === 0) done()
  }
  const done = (): void => {
    diagnostics.unsubscribe(CREATED_CHANNEL, created)
    diagnostics.unsubscribe(BODY_SENT_CHANNEL, sent)
    clearTimeout(fallback)
    then()
  }
  const fallback = setTimeout(done, options.fallbackMs ?? 100)
  fallback.unref()
  diagnostics.subscribe(CREATED_CHANNEL, created)
  diagnostics.subscribe(BODY_SENT_CHANNEL, sent)
}
