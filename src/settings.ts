import { CLOUDS, isKnownAuthorityHost } from './clouds.js'
import { ActionError } from './errors.js'
import type { AuthMode, CloudName, PublishMode, Settings } from './types.js'

/** Where inputs come from: `core.getInput` and `process.env` on a runner, plain objects in tests. */
export interface InputSource {
  getInput(name: string): string
  readonly env: NodeJS.ProcessEnv
  /** The webhook payload (`GITHUB_EVENT_PATH`), used only to find the pull request number. */
  readonly event: Record<string, unknown>
  readonly eventName: string
}

const AUTH_MODES: readonly AuthMode[] = ['auto', 'oidc', 'azure-cli', 'managed-identity', 'api-key']
const PUBLISH_MODES: readonly PublishMode[] = ['comment', 'description', 'none']
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])
/** Azure deployment names: letters, digits, `-`, `_`, `.`; 2 to 64 characters. */
const DEPLOYMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
/** Dated Azure OpenAI api-versions, e.g. `2024-10-21` or `2025-04-01-preview`. */
const DATED_API_VERSION = /^\d{4}-\d{2}-\d{2}(-preview)?$/
/** A login (letters, digits, `-`; apps end in `[bot]`), with `*` and `?` wildcards. */
const LOGIN_GLOB = /^[A-Za-z0-9*?-]+(\[bot\])?$/i
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** A tenant is a GUID or a verified domain such as contoso.onmicrosoft.com. */
const TENANT = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)$/i

/**
 * Reads and validates every input once. Each error names the input, the value and what is allowed.
 */
export function readSettings(source: InputSource): Settings {
  const input = (name: string): string => source.getInput(name).trim()
  const cloud = parseCloud(input('cloud') || 'AzureCloud')
  const defaults = CLOUDS[cloud]
  const authorityHost = parseAuthorityHost(
    input('authority-host') || source.env.AZURE_AUTHORITY_HOST?.trim() || defaults.authorityHost
  )
  const auth = parseChoice('auth', input('auth') || 'auto', AUTH_MODES)
  const clientId = input('client-id') || source.env.AZURE_CLIENT_ID?.trim() || ''
  const tenantId = input('tenant-id') || source.env.AZURE_TENANT_ID?.trim() || ''
  const apiKey = input('api-key')

  if (clientId && !GUID.test(clientId)) {
    throw new ActionError(
      `Invalid client-id '${clientId}'. Expected the application (client) ID, a GUID such as 00000000-0000-0000-0000-000000000000.`
    )
  }
  if (tenantId && !TENANT.test(tenantId)) {
    throw new ActionError(
      `Invalid tenant-id '${tenantId}'. Expected the directory (tenant) ID GUID or a domain such as contoso.onmicrosoft.com.`
    )
  }
  if (auth === 'oidc' && (!clientId || !tenantId)) {
    throw new ActionError(
      `auth 'oidc' needs client-id and tenant-id (missing: ${[!clientId && 'client-id', !tenantId && 'tenant-id'].filter(Boolean).join(', ')}). Set the inputs or the AZURE_CLIENT_ID / AZURE_TENANT_ID variables.`
    )
  }
  if (auth === 'api-key' && !apiKey) {
    throw new ActionError(`auth 'api-key' needs the api-key input (from a secret). Prefer auth 'oidc': no key to store or leak.`)
  }

  return {
    endpoint: parseEndpoint(input('endpoint')),
    deployment: parseDeployment(input('deployment')),
    apiVersion: parseApiVersion(input('api-version')),
    auth,
    clientId,
    tenantId,
    audience: input('audience') || defaults.audience,
    cloud,
    authorityHost,
    customAuthority: !isKnownAuthorityHost(authorityHost),
    tokenScope: parseTokenScope(input('token-scope') || defaults.tokenScope),
    apiKey,
    githubToken: input('github-token'),
    pullNumber: parsePullNumber(input('pull-number'), source),
    publish: parseChoice('publish', input('publish') || 'comment', PUBLISH_MODES),
    include: parseGlobs(source.getInput('include')),
    exclude: parseGlobs(source.getInput('exclude')),
    instructions: input('instructions'),
    instructionsFile: parseInstructionsFile(input('instructions-file')),
    language: input('language') || 'English',
    maxInputTokens: parseInteger('max-input-tokens', input('max-input-tokens'), 32000, 2000, 1_000_000),
    maxOutputTokens: parseInteger('max-output-tokens', input('max-output-tokens'), 1500, 100, 100_000),
    maxConcurrency: parseInteger('max-concurrency', input('max-concurrency'), 4, 1, 32),
    maxModelCalls: parseInteger('max-model-calls', input('max-model-calls'), 12, 1, 200),
    timeoutSeconds: parseInteger('timeout-seconds', input('timeout-seconds'), 300, 10, 3600),
    skipDrafts: parseBoolean('skip-drafts', input('skip-drafts'), true),
    skipAuthors: parseAuthors(source.getInput('skip-authors'))
  }
}

/**
 * Accepts the resource URL in the forms users copy from the portal and returns `https://host[/path]`
 * without `/`, `/openai` or `/openai/v1` at the end.
 */
export function parseEndpoint(value: string): string {
  const expected =
    'Expected https://NAME.openai.azure.com, https://NAME.cognitiveservices.azure.com, https://NAME.services.ai.azure.com or an API Management gateway URL.'
  if (!value) {
    throw new ActionError(
      "Input 'endpoint' is empty: it usually comes from vars.AZURE_OPENAI_ENDPOINT; set that variable for the repository or organization (gh variable set AZURE_OPENAI_ENDPOINT --body https://NAME.openai.azure.com; an Actions variable, not a secret) or pass the input."
    )
  }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ActionError(`Invalid endpoint '${value}'. ${expected}`)
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ActionError(
      `Invalid endpoint '${value}': it must use https:// (plain http:// is allowed only for loopback hosts). ${expected}`
    )
  }
  if (url.username || url.password || url.search || url.hash) {
    // Not echoed whole: a query may hold an api-key, and credentials in the URL are secrets too.
    throw new ActionError(
      `Invalid endpoint '${url.protocol}//${url.host}…': remove the credentials, query or fragment (put the api-version in the 'api-version' input). ${expected}`
    )
  }
  let path = url.pathname.replace(/\/+$/, '')
  if (/\/openai\/deployments(\/|$)/i.test(path)) {
    throw new ActionError(
      `Invalid endpoint '${value}': give the resource URL only; the deployment goes in the 'deployment' input. ${expected}`
    )
  }
  if (/\/api\/projects(\/|$)/i.test(path)) {
    throw new ActionError(
      `Invalid endpoint '${value}': that is a Foundry project endpoint; use the resource endpoint https://${url.host} instead.`
    )
  }
  path = path.replace(/\/openai(\/v1)?$/i, '')
  return `${url.protocol}//${url.host}${path}`
}

function parseDeployment(value: string): string {
  if (!value) {
    throw new ActionError(
      "Input 'deployment' is empty: it usually comes from vars.AZURE_OPENAI_DEPLOYMENT; set that variable for the repository or organization (gh variable set AZURE_OPENAI_DEPLOYMENT --body <deployment>, the model deployment name shown under Deployments in the Azure AI Foundry portal; an Actions variable, not a secret) or pass the input."
    )
  }
  if (!DEPLOYMENT_NAME.test(value)) {
    throw new ActionError(
      `Invalid deployment '${value}'. Expected the deployment name (letters, digits, '-', '_', '.'; at most 64 characters), not the model name or a URL.`
    )
  }
  return value
}

function parseApiVersion(value: string): string {
  if (value === '' || value.toLowerCase() === 'v1') return ''
  if (!DATED_API_VERSION.test(value)) {
    throw new ActionError(
      `Invalid api-version '${value}'. Leave it empty for the v1 API, or give a dated version such as 2024-10-21 or 2025-04-01-preview.`
    )
  }
  return value
}

function parseCloud(value: string): CloudName {
  const match = (Object.keys(CLOUDS) as CloudName[]).find((name) => name.toLowerCase() === value.toLowerCase())
  if (!match) throw new ActionError(`Invalid cloud '${value}'. Allowed: ${Object.keys(CLOUDS).join(', ')}.`)
  return match
}

function parseAuthorityHost(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ActionError(`Invalid authority-host '${value}'. Expected an https URL such as https://login.microsoftonline.com.`)
  }
  if (url.protocol !== 'https:') {
    throw new ActionError(
      `Invalid authority-host '${value}': Entra ID authorities must use https:// (MSAL refuses anything else).`
    )
  }
  return `https://${url.host}${url.pathname.replace(/\/+$/, '')}`
}

function parseTokenScope(value: string): string {
  if (!/^(https:\/\/|api:\/\/)\S+$/.test(value)) {
    throw new ActionError(
      `Invalid token-scope '${value}'. Expected a resource scope such as https://cognitiveservices.azure.com/.default.`
    )
  }
  return value
}

function parseChoice<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  const match = allowed.find((choice) => choice === value.toLowerCase())
  if (!match) throw new ActionError(`Invalid ${name} '${value}'. Allowed: ${allowed.join(', ')}.`)
  return match
}

function parseInteger(name: string, value: string, fallback: number, min: number, max: number): number {
  if (value === '') return fallback
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    throw new ActionError(`Invalid ${name} '${value}'. Expected a whole number from ${min} to ${max} (default ${fallback}).`)
  }
  return number
}

function parseBoolean(name: string, value: string, fallback: boolean): boolean {
  if (value === '') return fallback
  if (/^(true|yes|on|1)$/i.test(value)) return true
  if (/^(false|no|off|0)$/i.test(value)) return false
  throw new ActionError(`Invalid ${name} '${value}'. Expected true or false.`)
}

/** Globs, newline- or comma-separated; blank entries and `#` comments are ignored. */
export function parseGlobs(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((glob) => glob.trim())
    .filter((glob) => glob !== '' && !glob.startsWith('#'))
}

/**
 * skip-authors: GitHub logins, newline- or comma-separated, with `*` and `?` as wildcards; a leading
 * `@` is dropped. Anything else (a path, a team) is refused rather than silently matching nobody.
 */
function parseAuthors(value: string): string[] {
  return parseGlobs(value).map((entry) => {
    const login = entry.replace(/^@/, '')
    if (!LOGIN_GLOB.test(login)) {
      throw new ActionError(
        `Invalid skip-authors entry '${entry}'. Expected GitHub logins such as dependabot[bot] or renovate[bot], with * and ? as wildcards (*[bot] skips every app); leave skip-authors empty to skip nobody.`
      )
    }
    return login
  })
}

/**
 * instructions-file: a path relative to the repository root. It is read through the API at the PR's
 * base commit, so it needs no checkout; `..` and absolute paths would name nothing there.
 */
function parseInstructionsFile(value: string): string {
  if (value === '') return ''
  const path = value.replace(/^(\.\/)+/, '')
  // An empty segment is a leading, trailing or doubled `/`.
  if (path.includes('\\') || path.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new ActionError(
      `Invalid instructions-file '${value}'. Expected a file path relative to the repository root, such as .github/pr-summary.md (it is read at the PR's base commit, not from a checkout).`
    )
  }
  return path
}

/** The PR number from the `pull-number` input, else from the event payload. */
function parsePullNumber(value: string, source: InputSource): number | undefined {
  if (value !== '') {
    if (!/^[1-9]\d{0,9}$/.test(value))
      throw new ActionError(`Invalid pull-number '${value}'. Expected a pull request number such as 42.`)
    return Number(value)
  }
  const event = source.event as {
    pull_request?: { number?: number }
    issue?: { number?: number; pull_request?: unknown }
    number?: number
  }
  if (typeof event.pull_request?.number === 'number') return event.pull_request.number
  if (event.issue?.pull_request && typeof event.issue.number === 'number') return event.issue.number
  return undefined
}
