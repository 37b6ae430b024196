/**
 * Azure credentials, one per auth mode, behind a single `getToken()`. The only importer of
 * @azure/identity, and it loads it lazily so the run can start reading the PR first.
 *
 * Proxies: @azure/identity sends its requests through @azure/core-rest-pipeline, whose default
 * pipeline has `proxyPolicy`, which reads HTTPS_PROXY / HTTP_PROXY / NO_PROXY itself.
 */

import type { AccessToken, TokenCredential } from '@azure/identity'
import { AUTH_LABELS, emptyOidcInputs, resolveAuthMode, type OidcInput, type ResolvedAuthMode } from './auth-mode.js'
import { emptyOidcInputsMessage, entraErrorCodes, explainEntraError, NO_MATCHING_FEDERATED_CREDENTIAL } from './entra-errors.js'
import { ActionError, oneLine } from './errors.js'
import { readOidcClaims, type OidcClaims } from './jwt.js'
import type { Log, Settings } from './types.js'

/** What auth needs from the runner; production passes runner.ts's functions. */
export interface AuthDeps {
  /** The job can request a GitHub OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL is set): it decides what `auto` means. */
  readonly hasIdToken: boolean
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
 * The credential for the resolved auth mode. Nothing is loaded or fetched until `getToken()`. For
 * oidc the caller first checks that the job has an OIDC token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL):
 * only it can choose between a fork skip and missingIdTokenPermissionMessage.
 */
export function createAuth(settings: Settings, deps: AuthDeps): AzureAuth {
  const mode = resolveAuthMode(settings, deps.hasIdToken)
  const label = AUTH_LABELS[mode]
  const empty = emptyOidcInputs(settings, deps.hasIdToken)
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
    case 'azure-cli': {
      const cli = async (): Promise<TokenCredential> =>
        new (await loadIdentity()).AzureCliCredential({
          ...(settings.tenantId ? { tenantId: settings.tenantId } : {}),
          processTimeoutInMs: settings.timeoutSeconds * 1000
        })
      if (empty.length === 0) return tokenAuth(mode, label, settings, deps, undefined, cli)
      deps.log.info(
        `auth 'auto': ${empty.join(' and ')} ${empty.length > 1 ? 'are' : 'is'} empty, so the Azure CLI session (azure/login) is used if one is signed in.`
      )
      return tokenAuth(mode, label, settings, deps, undefined, async () => signedInOrFail(await cli(), empty))
    }
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

/**
 * The Azure CLI credential of `auth: auto` in a job whose client-id / tenant-id are `empty`: when `az`
 * is missing or signed in to nothing, the run fails at once naming those inputs, and never asks again.
 * `az account get-access-token` tells that from its local profile, without a request to Entra ID.
 */
function signedInOrFail(cli: TokenCredential, empty: readonly OidcInput[]): TokenCredential {
  let notSignedIn: ActionError | undefined
  return {
    async getToken(scopes, options) {
      if (notSignedIn) throw notSignedIn
      try {
        return await cli.getToken(scopes, options)
      } catch (error) {
        if (!isNoAzureCliSession(error)) throw error
        notSignedIn = new ActionError(emptyOidcInputsMessage(empty), { cause: error })
        throw notSignedIn
      }
    }
  }
}

/**
 * AzureCliCredential's "not installed" and "not signed in" failures. It throws CredentialUnavailableError
 * for every failure, so these two are told apart by the texts it uses for them (azureCliPublicErrorMessages
 * in @azure/identity, not exported; test/auth.test.ts runs the real credential against a fake `az`).
 */
function isNoAzureCliSession(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== 'CredentialUnavailableError') return false
  return error.message.startsWith('Azure CLI could not be found') || error.message.includes("Please run 'az login'")
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
      throw explainEntraError(error, { settings, env: deps.env, mode, ...(claims ? { claims } : {}) })
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

/** "status 503" when the OIDC endpoint answered with an error (runner.ts, IdTokenError), else the error's first line. */
function describeOidcFailure(error: unknown): string {
  const status = (error as { status?: unknown } | null)?.status
  if (typeof status === 'number') return `status ${status}`
  return oneLine(error instanceof Error ? error.message : String(error))
}
