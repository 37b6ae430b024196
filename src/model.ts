/**
 * One chat call to an Azure OpenAI deployment, and HTTP failures turned into fix-it messages.
 * The only importer of `openai`, loaded lazily. Tokens and keys are handed to the SDK and never logged.
 */

import type { ClientOptions } from 'openai'
import type { AzureAuth } from './auth.js'
import { ActionError, oneLine } from './errors.js'
import { configuredProxies, describeProxyFailure, errorChain, failedProxy, networkFailure, ProxyFailure } from './proxy.js'
import type { Log, Settings } from './types.js'

/** One message of a chat request. */
export interface ChatMessage {
  readonly role: 'system' | 'user'
  readonly content: string
}

/** One chat completion to ask for. */
export interface ChatRequest {
  readonly messages: readonly ChatMessage[]
  /** Sent as `max_completion_tokens`: reasoning models reject `max_tokens`. */
  readonly maxOutputTokens: number
  /** Ask for structured output (`response_format: json_schema`, strict). */
  readonly jsonSchema?: { readonly name: string; readonly schema: Record<string, unknown> }
}

/** The model's answer to one chat request, and the tokens it used. */
export interface ChatResult {
  /** '' when the answer was empty or withheld by a content filter. */
  readonly content: string
  readonly finishReason: string
  readonly promptTokens: number
  readonly completionTokens: number
  /** The service's content filter (or a model refusal) withheld the answer. */
  readonly filtered: boolean
}

/** A chat client for one Azure OpenAI deployment (createModelClient). */
export interface ModelClient {
  chat(request: ChatRequest): Promise<ChatResult>
}

/** Why a chat call failed, as far as summarize needs to know. */
export type ModelErrorKind =
  | 'context-length'
  | 'json-schema-unsupported'
  | 'content-filter'
  | 'auth'
  | 'not-found'
  | 'rate-limit'
  | 'network'
  | 'timeout'
  | 'other'

/** A failed chat call; `kind` lets summarize react (shrink, drop json_schema, neutral notice). */
export class ModelError extends ActionError {
  constructor(
    readonly kind: ModelErrorKind,
    message: string,
    options?: { cause?: unknown }
  ) {
    super(message, options)
  }
}

/**
 * openai-node honours `retry-after(-ms)` only up to 60 s; a longer ask is replaced by its own short
 * back-off (0.5–8 s), which would just spend the retries against a server that said "not yet". A
 * longer ask ends the call at once as `rate-limit` instead.
 */
export const MAX_RETRY_AFTER_MS = 60_000

/**
 * Longest wait for one attempt. A hung connection must leave time for a retry, yet a reasoning model
 * may think for a minute or more before its first byte (non-streaming requests answer only when done),
 * so the cap is generous; below it, an attempt gets ATTEMPT_SHARE of the time left.
 */
export const MAX_ATTEMPT_MS = 120_000

/** Share of the remaining time one attempt may use: half, so a hung first attempt still leaves room for a second. */
export const ATTEMPT_SHARE = 0.5

/** The per-attempt timeout when `remainingMs` are left for the call: see MAX_ATTEMPT_MS. */
export function attemptTimeoutMs(remainingMs: number): number {
  return Math.max(1, Math.min(MAX_ATTEMPT_MS, Math.floor(remainingMs * ATTEMPT_SHARE)))
}

/** The chat completions URL that requests go to, for messages. */
export function modelUrl(settings: Settings): string {
  return settings.apiVersion
    ? `${settings.endpoint}/openai/deployments/${encodeURIComponent(settings.deployment)}/chat/completions?api-version=${encodeURIComponent(settings.apiVersion)}`
    : `${settings.endpoint}/openai/v1/chat/completions`
}

/**
 * A client for the deployment in `settings`: the v1 API when api-version is empty, else the dated
 * deployments API. Every `chat()` of this client ends within `timeoutMs` of its creation, retries
 * included (the run's remaining budget). openai-node retries 408/409/429/5xx, connection errors and
 * attempts that time out (attemptTimeoutMs) up to `maxRetries` times, honouring `retry-after-ms` /
 * `retry-after` up to MAX_RETRY_AFTER_MS; an answer that asks to wait past the deadline is not retried.
 */
export async function createModelClient(
  settings: Settings,
  auth: AzureAuth,
  options: { log: Log; timeoutMs: number; maxRetries: number }
): Promise<ModelClient> {
  const { OpenAI, AzureOpenAI, APIConnectionTimeoutError } = await import('openai')
  const deadlineAt = Date.now() + options.timeoutMs
  const transport = await proxyTransport(process.env)
  const baseFetch = transport?.fetch ?? globalThis.fetch

  // Every option that openai-node would otherwise read from OPENAI_* / AZURE_OPENAI_* variables is
  // set, so nothing from the runner's environment (an admin key, another base URL) reaches Azure.
  const common = {
    organization: null,
    project: null,
    adminAPIKey: null,
    webhookSecret: null,
    maxRetries: options.maxRetries,
    logLevel: 'off' as const,
    ...(transport ? { fetchOptions: transport.fetchOptions } : {})
  }
  const apiKey = auth.mode === 'api-key' ? auth.apiKey : undefined
  const tokenProvider = (): Promise<string> => auth.getToken()

  // One client per call: its fetch records that call's attempts, for the message if it fails.
  const clientFor = (fetch: Fetch) =>
    settings.apiVersion
      ? new AzureOpenAI({
          ...common,
          fetch,
          baseURL: `${settings.endpoint}/openai`,
          apiVersion: settings.apiVersion,
          deployment: settings.deployment,
          // '' rather than undefined: undefined would let AzureOpenAI fall back to AZURE_OPENAI_API_KEY.
          ...(apiKey ? { apiKey } : { apiKey: '', azureADTokenProvider: tokenProvider })
        })
      : new OpenAI({
          ...common,
          fetch,
          baseURL: `${settings.endpoint}/openai/v1`,
          // Azure's key goes in its `api-key` header; the Authorization header is dropped so the key
          // is not also sent as a bearer token.
          ...(apiKey ? { apiKey, defaultHeaders: { 'api-key': apiKey, Authorization: null } } : { apiKey: tokenProvider })
        })

  return {
    async chat(request: ChatRequest): Promise<ChatResult> {
      const remainingMs = deadlineAt - Date.now()
      if (remainingMs <= 0) {
        throw new ModelError(
          'timeout',
          `No time was left to ask Azure OpenAI (deployment '${settings.deployment}'): timeout-seconds (${settings.timeoutSeconds} s) ran out on earlier requests; raise timeout-seconds, or lower max-model-calls.`
        )
      }
      const deadline = AbortSignal.timeout(remainingMs)
      const attempts: AttemptLog = { count: 0 }
      const attemptMs = attemptTimeoutMs(remainingMs)
      let completion
      try {
        completion = await clientFor(
          observeAttempts(baseFetch, { log: options.log, deadlineAt, attempts })
        ).chat.completions.create(
          {
            model: settings.deployment,
            messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
            max_completion_tokens: request.maxOutputTokens,
            ...(request.jsonSchema
              ? {
                  response_format: {
                    type: 'json_schema' as const,
                    json_schema: { name: request.jsonSchema.name, strict: true, schema: request.jsonSchema.schema }
                  }
                }
              : {})
          },
          { signal: deadline, timeout: attemptMs }
        )
      } catch (error) {
        const timedOut = deadline.aborted || error instanceof APIConnectionTimeoutError || attempts.lastCutOff === true
        throw explainModelError(error, { settings, auth, attemptMs, timedOut, attempts })
      }
      const choice = completion.choices[0]
      const finishReason = choice?.finish_reason ?? ''
      const filtered = finishReason === 'content_filter' || Boolean(choice?.message.refusal)
      return {
        content: filtered ? '' : (choice?.message.content ?? ''),
        finishReason,
        promptTokens: completion.usage?.prompt_tokens ?? 0,
        completionTokens: completion.usage?.completion_tokens ?? 0,
        filtered
      }
    }
  }
}

type Fetch = typeof globalThis.fetch
type FetchOptions = NonNullable<ClientOptions['fetchOptions']>

/**
 * undici's fetch with an EnvHttpProxyAgent when a proxy is configured: Node's built-in fetch
 * ignores HTTPS_PROXY / NO_PROXY. Loaded only then, so runs without a proxy do not pay for it.
 */
async function proxyTransport(env: NodeJS.ProcessEnv): Promise<{ fetch: Fetch; fetchOptions: FetchOptions } | undefined> {
  if (configuredProxies(env).length === 0) return undefined
  const undici = await import('undici')
  // undici's own fetch must carry its own dispatcher; the casts bridge undici@6's types to the
  // ones @types/node declares for the global fetch.
  const fetchOptions = { dispatcher: new undici.EnvHttpProxyAgent() } as unknown as FetchOptions
  return { fetch: undici.fetch as unknown as Fetch, fetchOptions }
}

/** What one chat call's attempts met, for the message when it fails. */
interface AttemptLog {
  count: number
  /** Status of the last answer the service gave, if any. */
  lastStatus?: number
  /** The last attempt was cut off by its timeout before any answer came. */
  lastCutOff?: boolean
  /** The last answer asked to wait this long: past MAX_RETRY_AFTER_MS or past the deadline, so it ended the call. */
  refusedWaitMs?: number
}

/** Statuses openai-node retries (its `shouldRetry`): timeouts, lock conflicts, rate limits, server errors. */
function isRetried(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500
}

/**
 * Wraps fetch to record each attempt of one call, log each answer the SDK is about to retry, and stop
 * the retries (openai-node obeys `x-should-retry: false`) when the answer asks to wait longer than
 * MAX_RETRY_AFTER_MS or past the call's deadline: sleeping into the deadline would only turn a clear
 * "rate limited" into a vague "did not answer". A connection to a proxy that failed is named.
 */
function observeAttempts(fetch: Fetch, call: { log: Log; deadlineAt: number; attempts: AttemptLog }): Fetch {
  const { log, deadlineAt, attempts } = call
  return async (input, init) => {
    attempts.count++
    attempts.lastStatus = undefined
    attempts.lastCutOff = false
    let response: Response
    try {
      response = await fetch(input, init)
    } catch (error) {
      attempts.lastCutOff = init?.signal?.aborted === true
      const proxy = failedProxy(error, process.env)
      throw proxy ? new ProxyFailure(proxy, { cause: error }) : error
    }
    attempts.lastStatus = response.status
    if (!isRetried(response.status)) return response
    const waitMs = retryAfterMs(response.headers)
    if (waitMs !== undefined && (waitMs > MAX_RETRY_AFTER_MS || Date.now() + waitMs >= deadlineAt)) {
      attempts.refusedWaitMs = waitMs
      const headers = new Headers(response.headers)
      headers.set('x-should-retry', 'false')
      return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
    }
    log.info(
      `Azure OpenAI answered ${response.status}${waitMs === undefined ? '' : ` (retry after ${Math.ceil(waitMs / 1000)} s)`}; retrying if retries remain.`
    )
    return response
  }
}

/** `retry-after-ms`, else `retry-after` in seconds or as an HTTP date, in ms. */
function retryAfterMs(headers: Headers): number | undefined {
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '')
  if (Number.isFinite(ms)) return ms
  const value = headers.get('retry-after')
  if (!value) return undefined
  const seconds = Number.parseFloat(value)
  if (Number.isFinite(seconds)) return seconds * 1000
  const date = Date.parse(value)
  return Number.isFinite(date) ? date - Date.now() : undefined
}

interface ModelErrorContext {
  readonly settings: Settings
  readonly auth: Pick<AzureAuth, 'mode' | 'label'>
  /** Longest wait for one attempt (attemptTimeoutMs). */
  readonly attemptMs: number
  /** An attempt timed out, or the call's deadline fired (which the SDK reports as a user abort). */
  readonly timedOut: boolean
  readonly attempts: Readonly<AttemptLog>
}

/** Maps whatever the SDK threw to a ModelError with the fix, or passes an auth ActionError through. */
function explainModelError(error: unknown, ctx: ModelErrorContext): ActionError {
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
