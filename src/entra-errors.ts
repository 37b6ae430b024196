/**
 * Entra ID failures turned into one-line fixes: AADSTS codes, MSAL and @azure/identity error shapes,
 * proxies and timeouts. Pure: it reads the error chain and the settings, never the network.
 */
import { createHash } from 'node:crypto'
import { resolveAuthMode, type OidcInput, type ResolvedAuthMode } from './auth-mode.js'
import { ActionError, oneLine } from './errors.js'
import type { OidcClaims } from './jwt.js'
import { configuredProxies, describeProxyFailure, errorChain, failedProxy, networkFailure } from './proxy.js'
import type { Settings } from './types.js'

/**
 * AADSTS codes for a GitHub token that matches no federated credential (70021 generic, 700211
 * issuer, 700212 audience, 700213 subject; 7002138 is handled like 700213).
 */
export const NO_MATCHING_FEDERATED_CREDENTIAL = new Set([70021, 700211, 700212, 700213, 7002138])

/** One-line fix for a job that cannot request a GitHub OIDC token; run.ts checks for one before createAuth. */
export function missingIdTokenPermissionMessage(): string {
  return (
    'This job cannot get a GitHub OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL is not set): add ' +
    '`permissions: { id-token: write, contents: read, pull-requests: write }` to the job ' +
    '(pull requests from forks never get one under `pull_request`).'
  )
}

/** The repository or organization variable that the README's workflows pass to each input. */
const INPUT_VARIABLES: Readonly<Record<OidcInput, string>> = { 'client-id': 'AZURE_CLIENT_ID', 'tenant-id': 'AZURE_TENANT_ID' }

/**
 * One-line fix for `auth: auto` in a job that can get an OIDC token but has `empty` client-id /
 * tenant-id and no signed-in Azure CLI session: almost always a variable that was never set (or was
 * stored as a secret, which `vars.` does not read). Nothing was sent to Entra ID.
 */
export function emptyOidcInputsMessage(empty: readonly OidcInput[]): string {
  const both = empty.length > 1
  const inputs = empty.map((input) => `'${input}'`).join(' and ')
  const variables = empty.map((input) => `vars.${INPUT_VARIABLES[input]}`).join(' and ')
  const commands = empty.map((input) => `gh variable set ${INPUT_VARIABLES[input]} --body <${input}>`).join('; ')
  return (
    `Input${both ? 's' : ''} ${inputs} ${both ? 'are' : 'is'} empty and no Azure CLI session is signed in, so auth 'auto' cannot sign in to Azure in this job: ` +
    `${both ? 'they usually come from' : 'it usually comes from'} ${variables}; set ${both ? 'those variables' : 'that variable'} ` +
    `for the repository or organization (${commands}; ${both ? 'Actions variables, not secrets' : 'an Actions variable, not a secret'}) or pass the input${both ? 's' : ''}, ` +
    'or run azure/login before this step to use its Azure CLI session.'
  )
}

/**
 * A federated-credential name for `subject`, for the command the mismatch error prints: readable (the
 * subject's values, lower case, in Entra's allowed characters), at most 72 characters (Entra allows
 * 120), and ending in a hash of the exact subject. The hash keeps subjects that differ only in case or
 * punctuation apart: `az identity federated-credential create` replaces a credential of the same name,
 * so a fixed or lossy name could overwrite one that another workflow relies on.
 */
export function federatedCredentialName(subject: string): string {
  const readable = subject
    // The claim names of GitHub's subject templates say nothing the values do not.
    .replace(
      /(^|:)(repo|repository|repository_id|repository_owner|repository_owner_id|job_workflow_ref|workflow_ref|context):/g,
      '$1'
    )
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 60)
    .replace(/^-+|-+$/g, '')
  const hash = createHash('sha256').update(subject).digest('hex').slice(0, 8)
  return readable ? `gh-${readable}-${hash}` : `gh-${hash}`
}

/** Where a failed token request is explained: the settings, and the GitHub token's claims when known. */
export interface EntraErrorContext {
  readonly settings: Settings
  /** Claims of the GitHub OIDC token that was sent; `exp` is absent when the token had none. */
  readonly claims?: OidcClaims
  /** For the proxy variables, named when the connection to a proxy failed. */
  readonly env?: NodeJS.ProcessEnv
  /** The auth mode that ran (createAuth knows it); without it, `auth` as it resolves in a job without an OIDC token. */
  readonly mode?: ResolvedAuthMode
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

  const mode = ctx.mode ?? resolveAuthMode(settings, false)
  const codes = entraErrorCodes(error)
  const detail = entraDetail(chain)
  const cause = { cause: error }

  if (codes.some((code) => NO_MATCHING_FEDERATED_CREDENTIAL.has(code))) {
    const iss = ctx.claims?.iss || 'https://token.actions.githubusercontent.com'
    const sub = ctx.claims?.sub || '<subject from the log line "GitHub OIDC token: …">'
    const aud = ctx.claims?.aud || settings.audience
    const code = codes.find((c) => NO_MATCHING_FEDERATED_CREDENTIAL.has(c))
    const add = federatedCredentialCommands({ clientId: settings.clientId, issuer: iss, subject: sub, audience: aud })
    // 700211 and 700212 blame the issuer or the audience: the subject is not the problem there.
    const subjectMayDiffer = code !== 700211 && code !== 700212
    // Only GitHub's default template (repo:OWNER/REPO:…) puts the environment in the subject.
    const repo = /^repo:[^:]+/.exec(ctx.claims?.sub ?? '')?.[0]
    const environmentHint = subjectMayDiffer && repo !== undefined && !/:environment:/.test(sub)
    const capitals = sub.split(/[:/@]/).filter((part) => /[A-Z]/.test(part))
    return new ActionError(
      `Entra ID has no federated credential on client-id ${settings.clientId} that matches this job's GitHub OIDC token ` +
        `(AADSTS${code}; issuer ${iss}, subject ${sub}, audience ${aud}): ` +
        (environmentHint
          ? `this subject names no environment, so if the credential trusts ${repo}:environment:NAME (as the README's setup does), ` +
            `add \`environment: NAME\` to the job rather than a credential for ` +
            (sub.endsWith(':pull_request') ? 'every pull_request job of the repository; ' : 'this subject; ')
          : '') +
        `to trust this exact subject, add a credential to the user-assigned managed identity with \`${add.managedIdentity}\`` +
        ` (for an app registration: \`${add.app}\`)` +
        (subjectMayDiffer && capitals.length > 0
          ? `; Entra compares subjects case-sensitively and this one has capitals (${capitals.slice(0, 3).join(', ')}), so the credential's subject must use exactly this case`
          : '') +
        '.',
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

/** Every AADSTS code along the error chain. */
export function entraErrorCodes(error: unknown): number[] {
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

/** What a federated credential for GitHub Actions must hold, and where it goes. */
export interface FederatedCredentialTarget {
  readonly clientId: string
  readonly issuer: string
  readonly subject: string
  readonly audience: string
  /** The user-assigned managed identity behind client-id, when known; placeholders otherwise. */
  readonly identity?: { readonly name: string; readonly resourceGroup: string }
}

/**
 * The Azure CLI commands that add a federated credential admitting `subject`: on an app registration,
 * and on a user-assigned managed identity. Shared by the action's AADSTS70021 message and `npm run doctor`.
 */
export function federatedCredentialCommands(target: FederatedCredentialTarget): { app: string; managedIdentity: string } {
  const { clientId, issuer, subject, audience } = target
  // A name derived from the subject: a fixed one could overwrite another workflow's credential.
  const name = subject.startsWith('<') ? '<credential-name>' : federatedCredentialName(subject)
  const parameters = JSON.stringify({ name, issuer, subject, audiences: [audience] })
  return {
    app: `az ad app federated-credential create --id ${clientId} --parameters ${shellQuote(parameters)}`,
    managedIdentity:
      `az identity federated-credential create --name ${name} ` +
      `--identity-name ${target.identity?.name ?? '<identity-name>'} --resource-group ${target.identity?.resourceGroup ?? '<resource-group>'} ` +
      `--issuer ${shellQuote(issuer)} --subject ${shellQuote(subject)} --audiences ${shellQuote(audience)}`
  }
}

/** POSIX single-quoting, so the printed command can be pasted as is. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}
