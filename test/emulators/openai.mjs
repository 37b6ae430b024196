// @ts-check
/**
 * Azure OpenAI emulator: chat completions on the v1 route and the classic dated route, with Azure's
 * auth rules (api-key or an Entra token with the data-plane role), Azure's error bodies, real token
 * counts (o200k_base with chat framing, as `usage.prompt_tokens` is billed) and deterministic answers.
 */
import { createServer } from 'node:http'
import { encodeChat, encode } from 'gpt-tokenizer/model/gpt-4o'
import { FaultQueue, sleep } from './faults.mjs'

/** The audience Azure OpenAI accepts on Entra access tokens. */
export const COGNITIVE_SERVICES_AUDIENCE = 'https://cognitiveservices.azure.com'
const CHAT_DATA_ACTION = 'Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action'
const DEFAULT_CONTEXT_WINDOW = 128_000

/**
 * @typedef {{ path: string, deployment: string | undefined, auth: 'api-key' | 'bearer' | 'none', body: any, status?: number }} RecordedRequest
 * @typedef {{ content: string | null, finish_reason?: string }} Answer
 * @typedef {{ verifyAccessToken(token: string): Record<string, unknown> | undefined, clientId?: string }} EntraLike
 */

/**
 * Starts the emulator on 127.0.0.1 (port 0), plain http.
 * @param {{ entra?: EntraLike, apiKey?: string, deployments?: string[] }} [options]
 */
export async function startOpenAI({ entra, apiKey, deployments = ['gpt-4o-mini'] } = {}) {
  const faults = new FaultQueue()
  /** @type {RecordedRequest[]} */
  const requests = []
  /** How long a request waits, within its latency, for the requests sent with it to arrive. */
  const RECEIVE_TOGETHER_MS = 20
  const state = {
    deployments: new Set(deployments),
    /** Principals (appid / azp / oid) holding "Cognitive Services OpenAI User". */
    roleHolders: /** @type {Set<string>} */ (new Set(entra?.clientId ? [entra.clientId] : [])),
    contextWindow: DEFAULT_CONTEXT_WINDOW,
    rejectJsonSchema: false,
    /** @type {((body: any) => Answer) | undefined} */
    respond: undefined,
    latencyMs: 0,
    nextId: 1
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({
          error: { code: 'InternalServerError', message: `emulator error: ${error instanceof Error ? error.message : error}` }
        })
      )
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)))
  const address = /** @type {import('node:net').AddressInfo} */ (server.address())
  const url = `http://127.0.0.1:${address.port}`

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  async function handle(req, res) {
    const target = new URL(req.url ?? '/', url)
    const raw = await readBody(req)
    const v1 = req.method === 'POST' && target.pathname === '/openai/v1/chat/completions'
    const classic = req.method === 'POST' ? /^\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(target.pathname) : null
    /** @type {any} */
    let body
    try {
      body = raw ? JSON.parse(raw) : {}
    } catch {
      body = undefined
    }
    const deployment = classic ? decodeURIComponent(classic[1] ?? '') : v1 ? body?.model : undefined
    const { kind, token } = credentials(req, v1)
    /** @type {RecordedRequest} */
    const record = { path: target.pathname + target.search, deployment, auth: kind, body }
    requests.push(record)
    res.setHeader('apim-request-id', `emu-${state.nextId}`)
    res.setHeader('x-ms-region', 'Emulated Region')
    // The emulated latency runs from receipt, as a real service's does: the emulator's own work on the
    // request (counting its prompt tokens, in this process, one request after another) happens within
    // it, not after it, so that concurrent requests are answered together, as Azure would answer them.
    const latencyEndsAt = performance.now() + state.latencyMs
    const waitOutLatency = () => {
      const left = latencyEndsAt - performance.now()
      return left > 0 ? sleep(left) : undefined
    }
    /** @param {number} status @param {unknown} json @param {Record<string, string>} [headers] */
    const reply = async (status, json, headers = {}) => {
      await waitOutLatency()
      record.status = status
      res.writeHead(status, { 'content-type': 'application/json', ...headers })
      res.end(JSON.stringify(json))
    }

    // Azure answers an unknown path, or the classic path without api-version, with a bare 404.
    if (!v1 && !(classic && target.searchParams.get('api-version'))) {
      return reply(404, { error: { code: '404', message: 'Resource not found' } })
    }
    const fault = faults.take('openai.chat')
    // A fault's own delay starts once the latency has passed.
    if (fault) await waitOutLatency()
    if (fault?.delayMs) await sleep(fault.delayMs)
    if (fault && !fault.after && faults.respond(fault, req, res)) {
      record.status = fault.status
      return
    }

    const denied = authorize(kind, token)
    if (denied) return reply(denied.status, denied.json)
    if (body === undefined) {
      return reply(
        400,
        invalidRequest(
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
          null
        )
      )
    }
    if (typeof deployment !== 'string' || !state.deployments.has(deployment)) {
      return reply(404, {
        error: {
          code: 'DeploymentNotFound',
          message:
            'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.'
        }
      })
    }
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      return reply(400, invalidRequest("'messages' is a required property", 'messages'))
    }
    // Requests sent together are all received (their latency started) before the first one is counted:
    // counting is CPU in this process and would hold back the others' arrival.
    if (state.latencyMs > 0) await sleep(Math.min(state.latencyMs / 2, RECEIVE_TOGETHER_MS))
    const promptTokens = countPromptTokens(body.messages)
    const completionBudget = Number(body.max_completion_tokens ?? body.max_tokens ?? 0)
    if (promptTokens + completionBudget > state.contextWindow) {
      return reply(400, {
        error: {
          message: `This model's maximum context length is ${state.contextWindow} tokens. However, you requested ${promptTokens + completionBudget} tokens (${promptTokens} in the messages, ${completionBudget} in the completion). Please reduce the length of the messages or completion.`,
          type: 'invalid_request_error',
          param: 'messages',
          code: 'context_length_exceeded'
        }
      })
    }
    const wantsSchema = body.response_format?.type === 'json_schema'
    if (wantsSchema && state.rejectJsonSchema) {
      return reply(400, {
        error: {
          message: "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.",
          type: 'invalid_request_error',
          param: 'response_format',
          code: null
        }
      })
    }

    const answer = state.respond
      ? state.respond(body)
      : wantsSchema
        ? { content: JSON.stringify(fromSchema(body.response_format.json_schema?.schema ?? {}, filePathsIn(body.messages))) }
        : { content: markdownAnswer(filePathsIn(body.messages)) }
    const content = answer.content
    const completionTokens = content ? encode(content).length : 0
    const json = {
      id: `chatcmpl-emu${state.nextId++}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: deployment,
      system_fingerprint: 'fp_emulated',
      prompt_filter_results: [{ prompt_index: 0, content_filter_results: safeFilterResults() }],
      choices: [
        {
          index: 0,
          finish_reason: answer.finish_reason ?? 'stop',
          logprobs: null,
          message: { role: 'assistant', content, refusal: null },
          content_filter_results: safeFilterResults()
        }
      ],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens }
    }
    if (fault?.after && faults.respond(fault, req, res)) {
      record.status = fault.status
      return
    }
    return reply(200, json)
  }

  /**
   * Which credential the request carries. The v1 API also takes the key as a bearer token (that is
   * what the plain OpenAI SDK sends); the classic API only reads the `api-key` header.
   * @param {import('node:http').IncomingMessage} req @param {boolean} v1
   * @returns {{ kind: RecordedRequest['auth'], token?: string }}
   */
  function credentials(req, v1) {
    const key = req.headers['api-key']
    if (typeof key === 'string') return { kind: 'api-key', token: key }
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1]
    if (!bearer) return { kind: 'none' }
    if (v1 && apiKey !== undefined && bearer === apiKey) return { kind: 'api-key', token: bearer }
    return { kind: 'bearer', token: bearer }
  }

  /**
   * Azure's answer to a missing or wrong credential, or undefined when the caller may chat.
   * @param {RecordedRequest['auth']} kind @param {string | undefined} token
   * @returns {{ status: number, json: unknown } | undefined}
   */
  function authorize(kind, token) {
    if (kind === 'api-key') {
      if (apiKey !== undefined && token === apiKey) return undefined
      return {
        status: 401,
        json: {
          error: {
            code: '401',
            message:
              'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.'
          }
        }
      }
    }
    const claims = kind === 'bearer' && token ? entra?.verifyAccessToken(token) : undefined
    if (!claims || claims.aud !== COGNITIVE_SERVICES_AUDIENCE) {
      return {
        status: 401,
        json: {
          error: {
            code: '401',
            message: `Unauthorized. Access token is missing, invalid, audience is incorrect (${COGNITIVE_SERVICES_AUDIENCE}), or have expired.`
          }
        }
      }
    }
    const ids = [claims.appid, claims.azp, claims.oid].filter((id) => typeof id === 'string')
    if (ids.some((id) => state.roleHolders.has(/** @type {string} */ (id)))) return undefined
    const principal = String(claims.oid ?? claims.appid ?? claims.azp ?? 'unknown')
    return {
      status: 403,
      json: {
        error: {
          code: 'PermissionDenied',
          message: `The principal \`${principal}\` lacks the required data action \`${CHAT_DATA_ACTION}\` to perform \`POST /openai/deployments/{deployment-id}/chat/completions\` operation.`
        }
      }
    }
  }

  return {
    /** Resource URL to use as the action's `endpoint`. */
    url,
    state,
    faults,
    requests,
    async close() {
      faults.releaseAll()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(() => resolve(undefined)))
    }
  }
}

/**
 * Prompt tokens as Azure bills them: o200k_base over the chat-formatted messages (gpt-4o framing).
 * Array contents count their text parts.
 * @param {any[]} messages
 */
export function countPromptTokens(messages) {
  const chat = messages.map((m) => ({ role: m.role, content: textOf(m.content), ...(m.name ? { name: m.name } : {}) }))
  return encodeChat(chat, 'gpt-4o').length
}

/** A 429 as Azure sends it for a token-rate limit. @param {number} [retryAfterMs] */
export function rateLimitFault(retryAfterMs = 50) {
  return {
    status: 429,
    headers: { 'retry-after-ms': String(retryAfterMs), 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
    json: {
      error: {
        code: '429',
        message:
          'Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current AIServices S0 pricing tier. Please retry after 1 second.'
      }
    }
  }
}

/** A 400 for a filtered prompt, in Azure's shape (`code: content_filter`, innererror with the result). */
export function contentFilterFault() {
  return {
    status: 400,
    json: {
      error: {
        message:
          "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
        type: null,
        param: 'prompt',
        code: 'content_filter',
        status: 400,
        innererror: {
          code: 'ResponsibleAIPolicyViolation',
          content_filter_result: {
            hate: { filtered: false, severity: 'safe' },
            jailbreak: { filtered: true, detected: true },
            self_harm: { filtered: false, severity: 'safe' },
            sexual: { filtered: false, severity: 'safe' },
            violence: { filtered: false, severity: 'safe' }
          }
        }
      }
    }
  }
}

/** @param {unknown} content */
function textOf(content) {
  if (typeof content === 'string') return content
  if (Array.isArray(content)) return content.map((part) => (part?.type === 'text' ? String(part.text ?? '') : '')).join('')
  return ''
}

/**
 * Paths named by the prompt writer's `File: <path>` lines in user messages (up to the first ` (`).
 * @param {any[]} messages
 */
export function filePathsIn(messages) {
  /** @type {string[]} */
  const paths = []
  for (const message of messages) {
    if (message?.role !== 'user') continue
    for (const line of textOf(message.content).split('\n')) {
      const match = /^File: (.+)$/.exec(line.trimEnd())
      if (!match) continue
      const rest = /** @type {string} */ (match[1])
      const cut = rest.indexOf(' (')
      const path = (cut >= 0 ? rest.slice(0, cut) : rest).trim()
      if (path && !paths.includes(path)) paths.push(path)
    }
  }
  return paths
}

/** @param {string[]} paths */
function markdownAnswer(paths) {
  const named =
    paths.length > 0
      ? paths.map((p) => `- \`${p}\`: emulated summary of the change.`).join('\n')
      : '- No files were named in the prompt.'
  return `### Overview\n\nEmulated summary of a pull request that touches ${paths.length} file(s).\n\n### Files\n\n${named}\n`
}

/**
 * A deterministic value that validates against `schema` (the subset structured outputs allow).
 * @param {any} schema @param {string[]} paths
 */
export function fromSchema(schema, paths) {
  const root = schema
  /** @param {any} node @param {string} name @param {number} depth @returns {unknown} */
  const gen = (node, name, depth) => {
    if (node && typeof node.$ref === 'string') {
      const parts = node.$ref.replace(/^#\//, '').split('/')
      return gen(
        parts.reduce((/** @type {any} */ at, /** @type {string} */ p) => at?.[p], root),
        name,
        depth
      )
    }
    if (node?.const !== undefined) return node.const
    if (Array.isArray(node?.enum)) return node.enum[0]
    const variants = node?.anyOf ?? node?.oneOf
    if (Array.isArray(variants)) return gen(variants.find((v) => v?.type !== 'null') ?? variants[0], name, depth)
    const type = Array.isArray(node?.type) ? (node.type.find((/** @type {string} */ t) => t !== 'null') ?? 'null') : node?.type
    switch (type) {
      case 'object': {
        /** @type {Record<string, unknown>} */
        const out = {}
        for (const [prop, sub] of Object.entries(node.properties ?? {})) out[prop] = gen(sub, prop, depth + 1)
        return out
      }
      case 'array': {
        const items = node.items ?? {}
        if (name === 'files' && items?.properties?.path) {
          return paths.map((path) => ({
            .../** @type {object} */ (gen(items, 'file', depth + 1)),
            path,
            ...(items.properties.summary ? { summary: `Emulated summary of ${path}.` } : {})
          }))
        }
        const min = Number(node.minItems ?? 0)
        const max = Number(node.maxItems ?? 3)
        const count = Math.min(Math.max(1 + (stableHash(`${name}:${depth}`) % 3), min), max)
        return Array.from({ length: count }, (_, i) => gen(items, `${name}[${i}]`, depth + 1))
      }
      case 'string': {
        const text = `Emulated ${name.replace(/\[(\d+)\]/, (_, i) => ` item ${Number(i) + 1}`)}.`
        const padded = text.length < Number(node.minLength ?? 0) ? text.padEnd(Number(node.minLength), '.') : text
        return node.maxLength !== undefined ? padded.slice(0, Number(node.maxLength)) : padded
      }
      case 'integer':
      case 'number':
        return Number(node.minimum ?? 1)
      case 'boolean':
        return false
      default:
        return null
    }
  }
  return gen(schema, 'answer', 0)
}

/** @param {string} text */
function stableHash(text) {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0
  return hash
}

function safeFilterResults() {
  const safe = { filtered: false, severity: 'safe' }
  return { hate: safe, self_harm: safe, sexual: safe, violence: safe }
}

/** @param {string} message @param {string | null} param */
function invalidRequest(message, param) {
  return { error: { message, type: 'invalid_request_error', param, code: null } }
}

/** @param {import('node:http').IncomingMessage} req @returns {Promise<string>} */
async function readBody(req) {
  const chunks = []
  for await (const chunk of req) chunks.push(chunk)
  return Buffer.concat(chunks).toString('utf8')
}
