/**
 * Azure OpenAI failures turned into one-line fixes: the role to assign, the deployment that was not
 * found, quota and retry-after, proxies and timeouts. Pure: it reads the error and what the call met.
 */
import type { AzureAuth } from './auth.js'
import { ActionError, ModelError, oneLine } from './errors.js'
import { describeProxyFailure, errorChain, networkFailure, ProxyFailure } from './proxy.js'
import type { Settings } from './types.js'

/**
 * openai-node honours `retry-after(-ms)` only up to 60 s; a longer ask is replaced by its own short
 * back-off (0.5–8 s), which would just spend the retries against a server that said "not yet". A
 * longer ask ends the call at once as `rate-limit` instead.
 */
export const MAX_RETRY_AFTER_MS = 60_000

/** What one chat call's attempts met, for the message when it fails. */
export interface AttemptLog {
  count: number
  /** Status of the last answer the service gave, if any. */
  lastStatus?: number
  /** The last attempt was cut off by its timeout before any answer came. */
  lastCutOff?: boolean
  /** The last answer asked to wait this long: past MAX_RETRY_AFTER_MS or past the deadline, so it ended the call. */
  refusedWaitMs?: number
}

/** What a failed chat call met, beside the error itself. */
export interface ModelErrorContext {
  readonly settings: Settings
  readonly auth: Pick<AzureAuth, 'mode' | 'label'>
  /** Longest wait for one attempt (attemptTimeoutMs). */
  readonly attemptMs: number
  /** An attempt timed out, or the call's deadline fired (which the SDK reports as a user abort). */
  readonly timedOut: boolean
  readonly attempts: Readonly<AttemptLog>
}

/** Maps whatever the SDK threw to a ModelError with the fix, or passes an auth ActionError through. */
export function explainModelError(error: unknown, ctx: ModelErrorContext): ActionError {
  const { settings, attempts } = ctx
  // A failed token request arrives wrapped by the SDK ("Failed to get token from 'apiKey' function").
  const own = errorChain(error).find((e): e is ActionError => e instanceof ActionError)
  if (own) return own

  const cause = { cause: error }
  const api = apiDetails(error)
  const where = `deployment '${settings.deployment}' on ${settings.endpoint} (${settings.apiVersion ? `api-version ${settings.apiVersion}` : 'v1 API'})`
  const tried = `${attempts.count} ${attempts.count === 1 ? 'attempt' : 'attempts'}`
  const budget = `timeout-seconds (${settings.timeoutSeconds} s)`
  const raiseQuota =
    "raise the deployment's tokens-per-minute quota in the Foundry portal, raise timeout-seconds, or lower max-concurrency / max-input-tokens"

  // Checked first: the SDK may file a proxy's ETIMEDOUT under timeouts.
  const proxy = errorChain(error).find((e): e is ProxyFailure => e instanceof ProxyFailure)
  if (proxy) {
    return new ModelError(
      'network',
      `Could not reach Azure OpenAI at ${settings.endpoint}: ${describeProxyFailure(proxy.proxy, new URL(settings.endpoint).host)}.`,
      cause
    )
  }
  if (ctx.timedOut) {
    // The time ran out while waiting to retry an answer: say what the service kept answering.
    if (attempts.lastStatus === 429) {
      return new ModelError(
        'rate-limit',
        `Azure OpenAI kept answering 429 (rate limited) for ${where} until ${budget} ran out (${tried}): ${raiseQuota}.`,
        cause
      )
    }
    if (attempts.lastStatus !== undefined && attempts.lastStatus >= 500) {
      return new ModelError(
        'other',
        `Azure OpenAI kept failing with ${attempts.lastStatus} for ${where} until ${budget} ran out (${tried}): re-run the job later.`,
        cause
      )
    }
    return new ModelError(
      'timeout',
      `Azure OpenAI did not answer in time for ${where} (${tried} of up to ${Math.ceil(ctx.attemptMs / 1000)} s each, within ${budget}): raise timeout-seconds, or lower max-input-tokens / max-output-tokens.`,
      cause
    )
  }
  if (api.status === undefined) {
    const network = networkFailure(error)
    return new ModelError(
      'network',
      `Could not connect to Azure OpenAI at ${settings.endpoint} (${network ?? oneLine(error instanceof Error ? error.message : String(error))}): check the endpoint input, DNS, and HTTPS_PROXY / NO_PROXY` +
        (network && /CERT|SELF_SIGNED|SIGNATURE/.test(network) ? ' (for a TLS-inspecting proxy, NODE_EXTRA_CA_CERTS).' : '.'),
      cause
    )
  }

  // Why retrying stopped: the service asked for a wait too long to honour, or the retries ran out.
  const refused = attempts.refusedWaitMs
  const stopped =
    refused === undefined
      ? `gave up after ${tried}`
      : refused > MAX_RETRY_AFTER_MS
        ? `it asked to wait ${Math.ceil(refused / 1000)} s, longer than the ${MAX_RETRY_AFTER_MS / 1000} s this action waits`
        : `it asked to wait ${Math.ceil(refused / 1000)} s, past the end of ${budget}`
  const detail = `${api.status}${api.code ? ` ${api.code}` : ''}: ${oneLine(api.message)}`
  if (api.code === 'content_filter' || api.innerCode === 'ResponsibleAIPolicyViolation') {
    return new ModelError('content-filter', `Azure OpenAI's content filter blocked the request (${detail}).`, cause)
  }
  if (api.code === 'context_length_exceeded' || /maximum context length/i.test(api.message)) {
    return new ModelError(
      'context-length',
      `The prompt is longer than the model behind ${where} accepts (${detail}): lower max-input-tokens.`,
      cause
    )
  }
  if (api.status === 404 || api.code === 'DeploymentNotFound') {
    return new ModelError(
      'not-found',
      `Deployment '${settings.deployment}' not found on ${settings.endpoint} (${settings.apiVersion ? `api-version ${settings.apiVersion}` : 'v1 API'}; ${detail}): check the deployment name in the Foundry portal (Deployments) and that endpoint is the resource that holds it.`,
      cause
    )
  }
  if (api.status === 401 || api.status === 403) {
    if (ctx.auth.mode === 'api-key') {
      return new ModelError(
        'auth',
        `Azure OpenAI refused the api-key for ${where} (${detail}): copy a current key of ${accountName(settings.endpoint)} (Keys and Endpoint), or switch to keyless auth (auth: oidc).`,
        cause
      )
    }
    const assignee = settings.clientId || '<principal-id of the identity>'
    return new ModelError(
      'auth',
      `Azure OpenAI refused the ${ctx.auth.label} token (scope ${settings.tokenScope}) for ${where} (${detail}): give the identity the "Cognitive Services OpenAI User" role with ` +
        `\`az role assignment create --assignee ${assignee} --role "Cognitive Services OpenAI User" --scope /subscriptions/<subscription-id>/resourceGroups/<resource-group>/providers/Microsoft.CognitiveServices/accounts/${accountName(settings.endpoint)}\`` +
        ' (a new assignment can take a few minutes to apply).',
      cause
    )
  }
  if (api.status === 429) {
    return new ModelError('rate-limit', `Azure OpenAI kept rate-limiting ${where} (${detail}; ${stopped}): ${raiseQuota}.`, cause)
  }
  if (api.status === 400 && (api.param === 'response_format' || /response_format|json_schema/i.test(api.message))) {
    return new ModelError(
      'json-schema-unsupported',
      `${where} does not accept structured output (response_format json_schema; ${detail}): use a model and api-version that support it (2024-08-01-preview or later, or the v1 API).`,
      cause
    )
  }
  if (api.status === 400 && /max_completion_tokens/.test(api.message)) {
    return new ModelError(
      'other',
      `${where} does not accept max_completion_tokens (${detail}): use api-version 2024-10-21 or later, or leave api-version empty for the v1 API.`,
      cause
    )
  }
  if (api.status >= 500) {
    return new ModelError('other', `Azure OpenAI failed for ${where} (${detail}; ${stopped}): re-run the job later.`, cause)
  }
  return new ModelError('other', `Azure OpenAI rejected the request for ${where} (${detail}).`, cause)
}

/** What an openai-node APIError carries; Azure puts its own `innererror.code` for content filtering. */
function apiDetails(error: unknown): { status?: number; code?: string; param?: string; innerCode?: string; message: string } {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    status?: unknown
    code?: unknown
    param?: unknown
    error?: { message?: unknown; innererror?: { code?: unknown } }
    message?: unknown
  }
  const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined)
  return {
    ...(typeof e.status === 'number' ? { status: e.status } : {}),
    ...(text(e.code) ? { code: text(e.code) } : {}),
    ...(text(e.param) ? { param: text(e.param) } : {}),
    ...(text(e.error?.innererror?.code) ? { innerCode: text(e.error?.innererror?.code) } : {}),
    message: text(e.error?.message) ?? text(e.message) ?? ''
  }
}

/**
 * The resource name in https://NAME.openai.azure.com (and the cognitiveservices / services.ai
 * hosts); an API Management gateway does not reveal it.
 */
function accountName(endpoint: string): string {
  const host = new URL(endpoint).hostname
  const match = /^([^.]+)\.(?:openai|cognitiveservices|services\.ai)\.azure\.(?:com|us|cn)$/i.exec(host)
  return match?.[1] ?? '<account-name>'
}
