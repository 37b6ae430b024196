/**
 * Azure credentials, one per auth mode, behind a single `getToken()`. The only importer of
 * @azure/identity, and it loads it lazily so the run can start reading the PR first.
 *
 * Proxies: @azure/identity sends its requests through @azure/core-rest-pipeline, whose default
 * pipeline has `proxyPolicy`, which reads HTTPS_PROXY / HTTP_PROXY / NO_PROXY itself.
 */

import type { AccessToken, TokenCredential } from '@azure/identity'
import { ActionError, oneLine } from './errors.js'
import { configuredProxies, describeProxyFailure, errorChain, failedProxy, networkFailure } from './proxy.js'
import { readOidcClaims, type OidcClaims } from './jwt.js'
import type { Log, Settings } from './types.js'

/** What auth needs from the runner; production passes @actions/core's functions. */
export interface AuthDeps {
  getIDToken(audience: string): Promise<string>
  setSecret(secret: string): void
  log: Log
  /** For the proxy variables, named in messages when a proxy failed. */
  env: NodeJS.ProcessEnv
  /** Milliseconds since the epoch; injectable so token caching is testable without waiting. */
  now?: () => number
  /** Waits between Entra retries; injectable so tests need not wait. */
  sleep?: (ms: number) => Promise<void>
}

/** The auth mode that runs, once `auto` is resolved. */
export type ResolvedAuthMode = 'oidc' | 'azure-cli' | 'managed-identity' | 'api-key' | 'default'

/** The credential the model client uses: an Azure access token, or (discouraged) an api-key. */
export interface AzureAuth {
  readonly mode: ResolvedAuthMode
  /** For the footer and job summary, e.g. "keyless (OIDC)". */
  readonly label: string
  /** api-key mode only. */
  readonly apiKey?: string
  /** Azure access token for `settings.tokenScope`, masked before it is returned; cached until near expiry. */
  getToken(): Promise<string>
}

/** One-line fix for a job that cannot request a GitHub OIDC token; run.ts checks for one before createAuth. */
export function missingIdTokenPermissionMessage(): string {
  return (
    'This job cannot get a GitHub OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL is not set): add ' +
    '`permissions: { id-token: write, contents: read, pull-requests: write }` to the job ' +
    '(pull requests from forks never get one under `pull_request`).'
  )
}

/** MSAL asks for the assertion more than once per token; reuse it until this close to its `exp`. */
export const ASSERTION_REUSE_MARGIN_MS = 60_000

/** Renew an access token this long before it expires, as @azure/core-rest-pipeline's bearer policy does. */
export const TOKEN_REFRESH_MARGIN_MS = 2 * 60_000

/**
 * Waits before retrying a "no matching federated credential" answer: a credential added moments
 * ago can take a little while to reach every Entra ID replica. Three tries in all, then give up.
 */
export const FEDERATION_PROPAGATION_DELAYS_MS: readonly number[] = [2_000, 5_000]

/** Bounded retries of Entra ID / IMDS requests (throttling, 5xx, resets); @azure/identity's defaults, capped. */
const ENTRA_RETRY_OPTIONS = { maxRetries: 3, retryDelayInMs: 800, maxRetryDelayInMs: 8_000 }

/**
 * AADSTS codes for a GitHub token that matches no federated credential (70021 generic, 700211
 * issuer, 700212 audience, 700213 subject; 7002138 is handled like 700213).
 */
const NO_MATCHING_FEDERATED_CREDENTIAL = new Set([70021, 700211, 700212, 700213, 7002138])

/**
 * The auth mode that will run. `auto`: oidc when client-id and tenant-id are known, else api-key when
 * an api-key is given, else DefaultAzureCredential.
 */
export function resolveAuthMode(settings: Settings): ResolvedAuthMode {
  if (settings.auth !== 'auto') return settings.auth
  if (settings.clientId && settings.tenantId) return 'oidc'
  if (settings.apiKey) return 'api-key'
  return 'default'
}

const LABELS: Readonly<Record<ResolvedAuthMode, string>> = {
  oidc: 'keyless (OIDC)',
  'azure-cli': 'Azure CLI',
  'managed-identity': 'managed identity',
  'api-key': 'API key',
  default: 'DefaultAzureCredential'
}

/**
 * The credential for the resolved auth mode. Nothing is loaded or fetched until `getToken()`. For
 * oidc the caller first checks that the job has an OIDC token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL):
 * only it can choose between a fork skip and missingIdTokenPermissionMessage.
 */
export function createAuth(settings: Settings, deps: AuthDeps): AzureAuth {
  const mode = resolveAuthMode(settings)
  const label = LABELS[mode]
  switch (mode) {
    case 'api-key': {
      // settings.ts has made sure that the inputs each mode needs are there.
      deps.setSecret(settings.apiKey)
      deps.log.warning(
        'Using an Azure OpenAI api-key. Keyless auth (GitHub OIDC, no stored secret) is preferred: set client-id and ' +
          'tenant-id and grant `id-token: write`, see the README section "Keyless setup (OIDC)".'
      )
      return {
        mode,
        label,
        apiKey: settings.apiKey,
        getToken: () => Promise.reject(new Error('auth: api-key has no Azure access token; send the api-key header.'))
      }
    }
    case 'oidc': {
      const assertion = createAssertionProvider(deps, settings.audience)
      return tokenAuth(mode, label, settings, deps, assertion, async () => {
        const identity = await loadIdentity()
        return new identity.ClientAssertionCredential(settings.tenantId, settings.clientId, () => assertion.getAssertion(), {
          authorityHost: settings.authorityHost,
          disableInstanceDiscovery: settings.customAuthority,
          retryOptions: ENTRA_RETRY_OPTIONS
        })
      })
    }
    case 'azure-cli':
      return tokenAuth(
        mode,
        label,
        settings,
        deps,
        undefined,
        async () =>
          new (await loadIdentity()).AzureCliCredential({
            ...(settings.tenantId ? { tenantId: settings.tenantId } : {}),
            processTimeoutInMs: settings.timeoutSeconds * 1000
          })
      )
    case 'managed-identity':
      return tokenAuth(
        mode,
        label,
        settings,
        deps,
        undefined,
        async () =>
          new (await loadIdentity()).ManagedIdentityCredential({
            ...(settings.clientId ? { clientId: settings.clientId } : {}),
            retryOptions: ENTRA_RETRY_OPTIONS
          })
      )
    case 'default':
      return tokenAuth(
        mode,
        label,
        settings,
        deps,
        undefined,
        async () =>
          new (await loadIdentity()).DefaultAzureCredential({
            authorityHost: settings.authorityHost,
            disableInstanceDiscovery: settings.customAuthority,
            ...(settings.tenantId ? { tenantId: settings.tenantId } : {}),
            ...(settings.clientId
              ? { managedIdentityClientId: settings.clientId, workloadIdentityClientId: settings.clientId }
              : {}),
            processTimeoutInMs: settings.timeoutSeconds * 1000,
            retryOptions: ENTRA_RETRY_OPTIONS
          })
      )
  }
}

/** Loaded on first use: @azure/identity and MSAL are most of the action's start-up cost. */
function loadIdentity(): Promise<typeof import('@azure/identity')> {
  return import('@azure/identity')
}

function tokenAuth(
  mode: ResolvedAuthMode,
  label: string,
  settings: Settings,
  deps: AuthDeps,
  assertion: AssertionProvider | undefined,
  makeCredential: () => Promise<TokenCredential>
): AzureAuth {
  const now = deps.now ?? Date.now
  let credential: TokenCredential | undefined
  let cached: AccessToken | undefined
  // Concurrent model calls share one acquisition instead of each asking Entra ID.
  let pending: Promise<string> | undefined

  async function acquire(): Promise<string> {
    let token: AccessToken | null
    try {
      credential ??= await makeCredential()
      const current = credential
      token = await withFederationPropagationRetry(
        () => current.getToken(settings.tokenScope, { abortSignal: AbortSignal.timeout(settings.timeoutSeconds * 1000) }),
        { log: deps.log, sleep: deps.sleep ?? sleep }
      )
    } catch (error) {
      const claims = assertion?.claims
      throw explainEntraError(error, { settings, env: deps.env, ...(claims ? { claims } : {}) })
    }
    if (!token?.token) {
      throw new ActionError(`${label} returned no access token for ${settings.tokenScope}: check token-scope and cloud.`)
    }
    deps.setSecret(token.token)
    cached = token
    return token.token
  }

  return {
    mode,
    label,
    getToken(): Promise<string> {
      if (cached && now() < (cached.refreshAfterTimestamp ?? cached.expiresOnTimestamp - TOKEN_REFRESH_MARGIN_MS)) {
        return Promise.resolve(cached.token)
      }
      pending ??= acquire().finally(() => {
        pending = undefined
      })
      return pending
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Runs `attempt`, and again after each of `delaysMs` while Entra ID answers "no matching federated
 * credential" (see FEDERATION_PROPAGATION_DELAYS_MS). Any other error is thrown at once.
 */
export async function withFederationPropagationRetry<T>(
  attempt: () => Promise<T>,
  options: { log: Log; sleep: (ms: number) => Promise<void>; delaysMs?: readonly number[] }
): Promise<T> {
  const delays = options.delaysMs ?? FEDERATION_PROPAGATION_DELAYS_MS
  for (let retry = 0; ; retry++) {
    try {
      return await attempt()
    } catch (error) {
      const delay = delays[retry]
      if (delay === undefined || !entraErrorCodes(error).some((code) => NO_MATCHING_FEDERATED_CREDENTIAL.has(code))) {
        throw error
      }
      options.log.info(
        `Entra ID found no matching federated credential; a new one can take a moment to propagate, retrying in ${delay / 1000} s.`
      )
      await options.sleep(delay)
    }
  }
}

/** The GitHub OIDC token as a client assertion, fetched when needed and reused while it is fresh. */
export interface AssertionProvider {
  getAssertion(): Promise<string>
  /** Claims of the last token fetched, for messages. */
  readonly claims: OidcClaims | undefined
}

/**
 * A client-assertion callback for ClientAssertionCredential. MSAL calls it twice per acquisition, so
 * the token is reused until ASSERTION_REUSE_MARGIN_MS before its `exp` (a token without `exp` is
 * never reused), and an expired one is never sent (AADSTS700024). Each new token is masked at once;
 * its `iss`/`sub`/`aud` are logged the first time, as Azure/login does, so a federated-credential
 * mismatch can be read from the log.
 */
export function createAssertionProvider(
  deps: Pick<AuthDeps, 'getIDToken' | 'setSecret' | 'log' | 'now'>,
  audience: string
): AssertionProvider {
  const now = deps.now ?? Date.now
  let cached: { token: string; reuseUntil: number } | undefined
  let pending: Promise<string> | undefined
  let claims: OidcClaims | undefined

  async function fetchAssertion(): Promise<string> {
    let token: string
    try {
      token = await deps.getIDToken(audience)
    } catch (error) {
      throw new ActionError(
        `Could not get a GitHub OIDC token from the runner's OIDC endpoint (ACTIONS_ID_TOKEN_REQUEST_URL, ${describeOidcFailure(error)}): GitHub's token service is failing, re-run the job later (https://www.githubstatus.com).`,
        { cause: error }
      )
    }
    if (!token)
      throw new ActionError(
        'The GitHub OIDC endpoint returned an empty token: re-run the job later (https://www.githubstatus.com).'
      )
    deps.setSecret(token)
    const read = readOidcClaims(token)
    if (read && !claims) deps.log.info(`GitHub OIDC token: issuer ${read.iss}, subject ${read.sub}, audience ${read.aud}`)
    claims = read ?? claims
    cached = read?.exp === undefined ? undefined : { token, reuseUntil: read.exp * 1000 - ASSERTION_REUSE_MARGIN_MS }
    return token
  }

  return {
    getAssertion(): Promise<string> {
      if (cached && now() < cached.reuseUntil) return Promise.resolve(cached.token)
      pending ??= fetchAssertion().finally(() => {
        pending = undefined
      })
      return pending
    },
    get claims() {
      return claims
    }
  }
}

/** "status 503" from @actions/core's getIDToken error text ("… Error Code : 503 …"), else its first line. */
function describeOidcFailure(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  const status = /Error Code\s*:\s*(\d{3})/.exec(text)?.[1]
  return status ? `status ${status}` : oneLine(text)
}

/** Where a failed token request is explained: the settings, and the GitHub token's claims when known. */
export interface EntraErrorContext {
  readonly settings: Settings
  /** Claims of the GitHub OIDC token that was sent; `exp` is absent when the token had none. */
  readonly claims?: OidcClaims
  /** For the proxy variables, named when the connection to a proxy failed. */
  readonly env?: NodeJS.ProcessEnv
}

/**
 * Turns whatever @azure/identity threw into one line that says what is wrong and the fix. Pure.
 * AADSTS codes are read from `AuthenticationError.errorResponse.errorCodes`, from MSAL's
 * `ServerError.errorNo` (ClientAssertionCredential wraps it as the `cause` of an
 * AuthenticationRequiredError), and from "AADSTS<code>" in any message along the cause chain.
 */
export function explainEntraError(error: unknown, ctx: EntraErrorContext): ActionError {
  const { settings } = ctx
  const chain = errorChain(error)
  const own = chain.find((e): e is ActionError => e instanceof ActionError)
  if (own) return own

  const mode = resolveAuthMode(settings)
  const codes = entraErrorCodes(error)
  const detail = entraDetail(chain)
  const cause = { cause: error }

  if (codes.some((code) => NO_MATCHING_FEDERATED_CREDENTIAL.has(code))) {
    const iss = ctx.claims?.iss || 'https://token.actions.githubusercontent.com'
    const sub = ctx.claims?.sub || '<subject from the log line "GitHub OIDC token: …">'
    const aud = ctx.claims?.aud || settings.audience
    const code = codes.find((c) => NO_MATCHING_FEDERATED_CREDENTIAL.has(c))
    const parameters = JSON.stringify({ name: 'github-pr-summary', issuer: iss, subject: sub, audiences: [aud] })
    return new ActionError(
      `Entra ID has no federated credential on client-id ${settings.clientId} that matches this job's GitHub OIDC token ` +
        `(AADSTS${code}; issuer ${iss}, subject ${sub}, audience ${aud}): add one with ` +
        `\`az ad app federated-credential create --id ${settings.clientId} --parameters ${shellQuote(parameters)}\`` +
        ` (for a user-assigned managed identity: \`az identity federated-credential create --name github-pr-summary ` +
        `--identity-name <identity-name> --resource-group <resource-group> --issuer ${shellQuote(iss)} ` +
        `--subject ${shellQuote(sub)} --audiences ${shellQuote(aud)}\`).`,
      cause
    )
  }
  if (codes.includes(700016)) {
    return new ActionError(
      `Entra ID has no application with client-id ${settings.clientId} in tenant-id ${settings.tenantId} (AADSTS700016): ` +
        'check both inputs against the app registration\'s "Application (client) ID" and "Directory (tenant) ID".',
      cause
    )
  }
  if (codes.includes(90002)) {
    return new ActionError(
      `Entra ID tenant ${settings.tenantId} was not found at ${settings.authorityHost} (AADSTS90002): check tenant-id, ` +
        `and cloud (${settings.cloud}) / authority-host for a sovereign cloud.`,
      cause
    )
  }
  if (codes.includes(700024)) {
    if (ctx.claims && ctx.claims.exp === undefined) {
      return new ActionError(
        "Entra ID refused the GitHub OIDC token because it has no `exp` claim (AADSTS700024): GitHub's token service always sets one, so check that ACTIONS_ID_TOKEN_REQUEST_URL points at it (https://token.actions.githubusercontent.com on github.com).",
        cause
      )
    }
    return new ActionError(
      "Entra ID says the GitHub OIDC token had expired (AADSTS700024): a fresh one is fetched for each exchange, so check that the runner's clock is in sync.",
      cause
    )
  }
  if (codes.includes(500011)) {
    return new ActionError(
      `Entra ID knows no resource for token-scope ${settings.tokenScope} in tenant ${settings.tenantId} (AADSTS500011): check token-scope and cloud (${settings.cloud}).`,
      cause
    )
  }
  const authority = `${settings.authorityHost}/${settings.tenantId || 'organizations'}`
  const env = ctx.env ?? {}
  const notJson = notJsonStatus(chain)
  if (notJson !== undefined) {
    return new ActionError(
      `Entra ID answered with something that is not JSON (status ${notJson}) at ${authority}: check authority-host / cloud (${settings.cloud}), and any proxy or firewall that may answer in its place${proxyClause(env)}.`,
      cause
    )
  }
  const status = httpStatus(chain)
  if (status === 429 || (status !== undefined && status >= 500)) {
    return new ActionError(
      `Entra ID at ${settings.authorityHost} is unavailable (status ${status}; ${detail}) after retries: this is transient, re-run the job later (https://azure.status.microsoft/status).`,
      cause
    )
  }
  const proxy = failedProxy(error, env)
  if (proxy) {
    return new ActionError(
      `Could not reach Entra ID at ${settings.authorityHost}: ${describeProxyFailure(proxy, new URL(settings.authorityHost).host)}.`,
      cause
    )
  }
  const network = networkFailure(error)
  if (network) {
    return new ActionError(
      `Could not reach Entra ID at ${settings.authorityHost} (${network}): check authority-host / cloud${proxyClause(env) || ', and HTTPS_PROXY / NO_PROXY behind a proxy'}.`,
      cause
    )
  }
  if (
    chain.some(
      (e) =>
        (e as { errorCode?: unknown } | null)?.errorCode === 'endpoints_resolution_error' ||
        /endpoints_resolution_error/.test(String((e as Error | null)?.message))
    )
  ) {
    return new ActionError(
      `Could not read Entra ID's OpenID configuration at ${authority} (endpoints_resolution_error: unreachable, or not an Entra authority): check authority-host / cloud (${settings.cloud})${proxyClause(env)}.`,
      cause
    )
  }
  if (chain.some((e) => e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError'))) {
    return new ActionError(
      `Entra ID did not answer within ${settings.timeoutSeconds} s (auth: ${mode}): check authority-host and any proxy, or raise timeout-seconds.`,
      cause
    )
  }
  switch (mode) {
    case 'azure-cli':
      return new ActionError(
        `Azure CLI gave no token for ${settings.tokenScope} (${detail}): run azure/login before this step, in the same job and cloud, or use auth: oidc.`,
        cause
      )
    case 'managed-identity':
      return new ActionError(
        `No managed identity token for ${settings.tokenScope} (${detail}): auth: managed-identity needs a self-hosted runner in Azure with an identity assigned (client-id for a user-assigned one), or use auth: oidc.`,
        cause
      )
    case 'default':
      return new ActionError(
        `DefaultAzureCredential found no usable credential (${detail}): set client-id and tenant-id for keyless OIDC (with \`permissions: id-token: write\`), or run azure/login before this step.`,
        cause
      )
    default:
      return new ActionError(
        `Entra ID refused a token for ${settings.tokenScope} (auth: ${mode}; ${detail}): check client-id, tenant-id, authority-host and the federated credential.`,
        cause
      )
  }
}

function entraErrorCodes(error: unknown): number[] {
  const codes = new Set<number>()
  for (const e of errorChain(error)) {
    if (typeof e !== 'object' || e === null) continue
    const record = e as { errorResponse?: { errorCodes?: unknown }; errorNo?: unknown; message?: unknown }
    const listed = record.errorResponse?.errorCodes
    if (Array.isArray(listed)) for (const c of listed) if (Number.isInteger(Number(c))) codes.add(Number(c))
    if (record.errorNo !== undefined && Number.isInteger(Number(record.errorNo))) codes.add(Number(record.errorNo))
    if (typeof record.message === 'string') {
      for (const match of record.message.matchAll(/AADSTS(\d+)/g)) codes.add(Number(match[1]))
    }
  }
  return [...codes]
}

/**
 * The status of an answer that was not JSON. @azure/identity's IdentityClient turns such a body into
 * an error description "… Http status code: N / Http status message: <body> / Headers: {…}"
 * (`parseResponseBody` in its client/identityClient.js); body and headers are never repeated.
 */
function notJsonStatus(chain: readonly unknown[]): number | undefined {
  for (const e of chain) {
    const match = e instanceof Error ? /Http status code: (\d{3})\s+Http status message:/.exec(e.message) : null
    if (match) return Number(match[1])
  }
  return undefined
}

/** The HTTP status of Entra's answer: MSAL's ServerError `status`, or `statusCode` of @azure/identity and core-rest-pipeline errors. */
function httpStatus(chain: readonly unknown[]): number | undefined {
  for (const e of chain) {
    const record = (typeof e === 'object' && e !== null ? e : {}) as { status?: unknown; statusCode?: unknown }
    for (const value of [record.status, record.statusCode]) {
      if (typeof value === 'number' && value >= 400 && value <= 599) return value
    }
  }
  return undefined
}

/** ", and the proxy … (HTTPS_PROXY) or NO_PROXY" when one is set: the request to Entra ID went through it. */
function proxyClause(env: NodeJS.ProcessEnv): string {
  const [proxy] = configuredProxies(env)
  return proxy ? `, and the proxy ${proxy.url} set in ${proxy.variable} (or list the host in NO_PROXY)` : ''
}

/** The Entra ID description ("AADSTS…: …") without trace ids, else the first line of the first message. */
function entraDetail(chain: readonly unknown[]): string {
  const messages = chain
    .flatMap((e) => (e instanceof Error ? [e.message] : typeof e === 'string' ? [e] : []))
    // A response's headers and body are never part of a message.
    .map((message) => message.split(/\s*Http status message:|\s*Headers:\s*\{/)[0] ?? '')
  for (const message of messages) {
    const aadsts = /AADSTS\d+:[^\r\n]*/.exec(message)?.[0]
    if (aadsts)
      return oneLine(aadsts.split(/\s+(?:Trace ID|Correlation ID|Timestamp):|\s+-\s+(?:Correlation ID|Trace ID):/)[0] ?? aadsts)
  }
  return oneLine(messages[0] ?? String(chain[0]))
}

/** POSIX single-quoting, so the printed command can be pasted as is. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}
