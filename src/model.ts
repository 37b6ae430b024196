/**
 * One chat call to an Azure OpenAI deployment, and HTTP failures turned into fix-it messages.
 * The only importer of `openai`, loaded lazily. Tokens and keys are handed to the SDK and never logged.
 */

import type { AzureAuth } from './auth.js'
import { ModelError } from './errors.js'
import { type AttemptLog, explainModelError, MAX_RETRY_AFTER_MS } from './openai-errors.js'
import { failedProxy, ProxyFailure, proxyFetch } from './proxy.js'
import type { ChatMessage, Log, Settings } from './types.js'

export { MAX_RETRY_AFTER_MS }

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
  const baseFetch = await proxyFetch(process.env)

  // Every option that openai-node would otherwise read from OPENAI_* / AZURE_OPENAI_* variables is
  // set, so nothing from the runner's environment (an admin key, another base URL) reaches Azure.
  const common = {
    organization: null,
    project: null,
    adminAPIKey: null,
    webhookSecret: null,
    maxRetries: options.maxRetries,
    logLevel: 'off' as const
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
