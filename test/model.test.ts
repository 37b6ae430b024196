import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import http from 'node:http'
import net from 'node:net'
import type { Duplex } from 'node:stream'
import type { AddressInfo } from 'node:net'
import type { AzureAuth } from '../src/auth.js'
import { ActionError } from '../src/errors.js'
import {
  attemptTimeoutMs,
  createModelClient,
  MAX_ATTEMPT_MS,
  MAX_RETRY_AFTER_MS,
  modelUrl,
  type ChatRequest
} from '../src/model.js'
import { ModelError } from '../src/errors.js'
import type { Settings } from '../src/types.js'
import { testSettings } from './fixtures/settings.js'
import { recordingLog } from './fixtures/log.js'

interface Recorded {
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  body: Record<string, unknown>
}
interface Reply {
  status: number
  headers?: Record<string, string>
  json?: unknown
  hang?: boolean
}

/** A stand-in for Azure OpenAI: records every request and answers from a queue (default: 200). */
class FakeAzureOpenAI {
  readonly requests: Recorded[] = []
  private readonly replies: Reply[] = []
  private readonly hanging: http.ServerResponse[] = []
  private readonly server = http.createServer((req, res) => {
    let raw = ''
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')))
    req.on('end', () => {
      this.requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {}
      })
      const reply = this.replies.shift() ?? { status: 200, json: completion('Summary text') }
      if (reply.hang) {
        this.hanging.push(res)
        return
      }
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers })
      res.end(JSON.stringify(reply.json ?? {}))
    })
  })
  url = ''

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }
  queue(...replies: Reply[]): void {
    this.replies.push(...replies)
  }
  reset(): void {
    this.requests.length = 0
    this.replies.length = 0
    for (const res of this.hanging.splice(0)) res.destroy()
  }
  async stop(): Promise<void> {
    this.reset()
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}

function completion(content: string | null, finishReason = 'stop'): unknown {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o',
    choices: [{ index: 0, finish_reason: finishReason, message: { role: 'assistant', content } }],
    usage: { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 }
  }
}

const CLIENT_ID = '11111111-2222-3333-4444-555555555555'
const TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.azure-access-token.sig'
const API_KEY = 'azure-api-key-0123456789abcdef'

function settings(endpoint: string, over: Partial<Settings> = {}): Settings {
  return testSettings({
    endpoint,
    deployment: 'gpt-4o-summary',
    clientId: CLIENT_ID,
    tenantId: '99999999-8888-7777-6666-555555555555',
    ...over
  })
}

const tokenAuth: AzureAuth = { mode: 'oidc', label: 'keyless (OIDC)', getToken: async () => TOKEN }
const keyAuth: AzureAuth = {
  mode: 'api-key',
  label: 'API key',
  apiKey: API_KEY,
  getToken: () => Promise.reject(new Error('api-key mode has no token'))
}

const request: ChatRequest = {
  messages: [
    { role: 'system', content: 'You summarize pull requests.' },
    { role: 'user', content: 'diff --git a/x b/x' }
  ],
  maxOutputTokens: 900
}

const server = new FakeAzureOpenAI()
beforeAll(() => server.start())
afterEach(() => server.reset())
afterAll(() => server.stop())

async function chatError(promise: Promise<unknown>): Promise<ModelError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(ModelError)
  return error as ModelError
}

describe('modelUrl', () => {
  it('names the v1 URL, or the deployment URL with its api-version', () => {
    expect(modelUrl(settings('https://res.openai.azure.com'))).toBe('https://res.openai.azure.com/openai/v1/chat/completions')
    expect(modelUrl(settings('https://res.openai.azure.com', { apiVersion: '2024-10-21' }))).toBe(
      'https://res.openai.azure.com/openai/deployments/gpt-4o-summary/chat/completions?api-version=2024-10-21'
    )
  })
})

describe('createModelClient: requests', () => {
  it('v1 API: POST /openai/v1/chat/completions, deployment as model, bearer token, max_completion_tokens', async () => {
    const client = await createModelClient(settings(server.url), tokenAuth, {
      log: recordingLog(),
      timeoutMs: 10_000,
      maxRetries: 0
    })
    const result = await client.chat(request)

    expect(result).toEqual({
      content: 'Summary text',
      finishReason: 'stop',
      promptTokens: 120,
      completionTokens: 30,
      filtered: false
    })
    expect(server.requests).toHaveLength(1)
    const [sent] = server.requests
    expect(sent?.method).toBe('POST')
    expect(sent?.url).toBe('/openai/v1/chat/completions')
    expect(sent?.headers.authorization).toBe(`Bearer ${TOKEN}`)
    expect(sent?.headers['api-key']).toBeUndefined()
    expect(sent?.body).toEqual({
      model: 'gpt-4o-summary',
      messages: request.messages,
      max_completion_tokens: 900
    })
  })

  it('sends response_format json_schema (strict) when a schema is given', async () => {
    const client = await createModelClient(settings(server.url), tokenAuth, {
      log: recordingLog(),
      timeoutMs: 10_000,
      maxRetries: 0
    })
    const schema = {
      type: 'object',
      properties: { overview: { type: 'string' } },
      required: ['overview'],
      additionalProperties: false
    }
    await client.chat({ ...request, jsonSchema: { name: 'pr_summary', schema } })
    expect(server.requests[0]?.body['response_format']).toEqual({
      type: 'json_schema',
      json_schema: { name: 'pr_summary', strict: true, schema }
    })
    expect(server.requests[0]?.body).not.toHaveProperty('max_tokens')
    expect(server.requests[0]?.body).not.toHaveProperty('temperature')
  })

  it('dated api-version: POST /openai/deployments/{deployment}/chat/completions?api-version=…', async () => {
    const client = await createModelClient(settings(server.url, { apiVersion: '2024-10-21' }), tokenAuth, {
      log: recordingLog(),
      timeoutMs: 10_000,
      maxRetries: 0
    })
    await client.chat(request)
    expect(server.requests[0]?.url).toBe('/openai/deployments/gpt-4o-summary/chat/completions?api-version=2024-10-21')
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`)
    expect(server.requests[0]?.body['max_completion_tokens']).toBe(900)
  })

  it.each([[''], ['2024-10-21']])(
    'api-key mode (api-version %p) sends the api-key header and no Authorization',
    async (apiVersion) => {
      const client = await createModelClient(settings(server.url, { apiVersion }), keyAuth, {
        log: recordingLog(),
        timeoutMs: 10_000,
        maxRetries: 0
      })
      await client.chat(request)
      expect(server.requests[0]?.headers['api-key']).toBe(API_KEY)
      expect(server.requests[0]?.headers.authorization).toBeUndefined()
    }
  )

  it('ignores OPENAI_* / AZURE_OPENAI_* variables of the runner (no admin key or other base URL sent)', async () => {
    const saved = { ...process.env }
    Object.assign(process.env, {
      OPENAI_ADMIN_KEY: 'admin-secret',
      OPENAI_BASE_URL: 'http://127.0.0.1:9/elsewhere',
      AZURE_OPENAI_API_KEY: 'env-key',
      OPENAI_ORG_ID: 'org-x'
    })
    try {
      const client = await createModelClient(settings(server.url, { apiVersion: '2024-10-21' }), tokenAuth, {
        log: recordingLog(),
        timeoutMs: 10_000,
        maxRetries: 0
      })
      await client.chat(request)
      const v1 = await createModelClient(settings(server.url), tokenAuth, {
        log: recordingLog(),
        timeoutMs: 10_000,
        maxRetries: 0
      })
      await v1.chat(request)
    } finally {
      process.env = saved
    }
    expect(server.requests).toHaveLength(2)
    for (const sent of server.requests) {
      expect(sent.headers.authorization).toBe(`Bearer ${TOKEN}`)
      expect(sent.headers['api-key']).toBeUndefined()
      expect(sent.headers['openai-organization']).toBeUndefined()
    }
  })
})

describe('createModelClient: answers', () => {
  it('finish_reason content_filter → filtered, empty content, no throw', async () => {
    server.queue({ status: 200, json: completion('partial text that was cut', 'content_filter') })
    const client = await createModelClient(settings(server.url), tokenAuth, {
      log: recordingLog(),
      timeoutMs: 10_000,
      maxRetries: 0
    })
    expect(await client.chat(request)).toMatchObject({ content: '', filtered: true, finishReason: 'content_filter' })
  })

  it('null content → empty string, not filtered', async () => {
    server.queue({ status: 200, json: completion(null) })
    const client = await createModelClient(settings(server.url), tokenAuth, {
      log: recordingLog(),
      timeoutMs: 10_000,
      maxRetries: 0
    })
    expect(await client.chat(request)).toMatchObject({ content: '', filtered: false, finishReason: 'stop' })
  })

  it('waits as retry-after-ms says on a 429, then succeeds', async () => {
    server.queue({
      status: 429,
      headers: { 'retry-after-ms': '10' },
      json: { error: { code: '429', message: 'Rate limit reached' } }
    })
    const log = recordingLog()
    const client = await createModelClient(settings(server.url), tokenAuth, { log, timeoutMs: 10_000, maxRetries: 2 })
    const result = await client.chat(request)
    expect(result.content).toBe('Summary text')
    expect(server.requests).toHaveLength(2)
    expect(log.lines.some((line) => line.includes('429'))).toBe(true)
  })

  it('gives up at once, as rate-limit, when retry-after exceeds the cap', async () => {
    server.queue({
      status: 429,
      headers: { 'retry-after': String((MAX_RETRY_AFTER_MS / 1000) * 60) },
      json: { error: { code: '429', message: 'Requests have exceeded token rate limit of your current pricing tier.' } }
    })
    const client = await createModelClient(settings(server.url), tokenAuth, {
      log: recordingLog(),
      timeoutMs: 10_000,
      maxRetries: 3
    })
    const error = await chatError(client.chat(request))
    expect(error.kind).toBe('rate-limit')
    expect(error.message).toContain('gpt-4o-summary')
    expect(error.message).toContain('quota')
    expect(server.requests).toHaveLength(1)
  })

  it('a 429 that never ends stops after maxRetries', async () => {
    const limited: Reply = {
      status: 429,
      headers: { 'retry-after-ms': '1' },
      json: { error: { code: '429', message: 'Rate limit' } }
    }
    server.queue(limited, limited, limited, limited, limited)
    const client = await createModelClient(settings(server.url), tokenAuth, {
      log: recordingLog(),
      timeoutMs: 10_000,
      maxRetries: 2
    })
    expect((await chatError(client.chat(request))).kind).toBe('rate-limit')
    expect(server.requests).toHaveLength(3)
  })

  it('a token the log saw never: the bearer token and api-key appear in no log line or message', async () => {
    server.queue({
      status: 401,
      json: { error: { code: '401', message: 'Access denied due to invalid subscription key or wrong API endpoint.' } }
    })
    const log = recordingLog()
    const client = await createModelClient(settings(server.url), keyAuth, { log, timeoutMs: 10_000, maxRetries: 0 })
    const error = await chatError(client.chat(request))
    for (const text of [...log.lines, error.message]) {
      expect(text).not.toContain(API_KEY)
      expect(text).not.toContain(TOKEN)
    }
  })
})

describe('createModelClient: errors → fixes', () => {
  const cases: Array<{ name: string; reply: Reply; kind: ModelError['kind']; contains: string[] }> = [
    {
      name: '401 with a token → the role assignment command and the scope',
      reply: {
        status: 401,
        json: { error: { code: 'PermissionDenied', message: 'Principal does not have access to API/Operation.' } }
      },
      kind: 'auth',
      contains: [
        `az role assignment create --assignee ${CLIENT_ID} --role "Cognitive Services OpenAI User"`,
        '/providers/Microsoft.CognitiveServices/accounts/',
        'https://cognitiveservices.azure.com/.default'
      ]
    },
    {
      name: '403 → the role assignment command',
      reply: {
        status: 403,
        json: { error: { code: 'PermissionDenied', message: 'The principal lacks the required data action.' } }
      },
      kind: 'auth',
      contains: ['Cognitive Services OpenAI User', 'The principal lacks the required data action.']
    },
    {
      name: '404 → the deployment that was not found',
      reply: {
        status: 404,
        json: { error: { code: 'DeploymentNotFound', message: 'The API deployment for this resource does not exist.' } }
      },
      kind: 'not-found',
      contains: ["Deployment 'gpt-4o-summary' not found", 'v1 API', 'Foundry portal']
    },
    {
      name: '400 content_filter → content-filter',
      reply: {
        status: 400,
        json: {
          error: {
            code: 'content_filter',
            message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
            param: 'prompt',
            status: 400,
            innererror: {
              code: 'ResponsibleAIPolicyViolation',
              content_filter_result: { hate: { filtered: true, severity: 'high' } }
            }
          }
        }
      },
      kind: 'content-filter',
      contains: ['content filter']
    },
    {
      name: '400 context_length_exceeded → context-length',
      reply: {
        status: 400,
        json: {
          error: {
            message:
              "This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens. Please reduce the length of the messages.",
            type: 'invalid_request_error',
            param: 'messages',
            code: 'context_length_exceeded'
          }
        }
      },
      kind: 'context-length',
      contains: ['max-input-tokens']
    },
    {
      name: '400 about response_format → json-schema-unsupported',
      reply: {
        status: 400,
        json: {
          error: {
            code: 'BadRequest',
            message: "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.",
            param: 'response_format'
          }
        }
      },
      kind: 'json-schema-unsupported',
      contains: ['json_schema']
    },
    {
      name: '500 after retries → other, re-run later',
      reply: { status: 500, json: { error: { code: 'InternalServerError', message: 'The server had an error.' } } },
      kind: 'other',
      contains: ['500', 're-run']
    }
  ]

  it.each(cases)('$name', async ({ reply, kind, contains }) => {
    server.queue(reply)
    const client = await createModelClient(settings(server.url), tokenAuth, {
      log: recordingLog(),
      timeoutMs: 10_000,
      maxRetries: 0
    })
    const error = await chatError(client.chat(request))
    expect(error.kind).toBe(kind)
    for (const text of contains) expect(error.message).toContain(text)
    expect(error.message).not.toContain('\n')
  })

  it('404 on a dated api-version names that version', async () => {
    server.queue({ status: 404, json: { error: { code: '404', message: 'Resource not found' } } })
    const client = await createModelClient(settings(server.url, { apiVersion: '2024-10-21' }), tokenAuth, {
      log: recordingLog(),
      timeoutMs: 10_000,
      maxRetries: 0
    })
    const error = await chatError(client.chat(request))
    expect(error.kind).toBe('not-found')
    expect(error.message).toContain('api-version 2024-10-21')
  })

  it('401 with an api-key → check the key, not a role', async () => {
    server.queue({
      status: 401,
      json: { error: { code: '401', message: 'Access denied due to invalid subscription key or wrong API endpoint.' } }
    })
    const client = await createModelClient(settings(server.url), keyAuth, {
      log: recordingLog(),
      timeoutMs: 10_000,
      maxRetries: 0
    })
    const error = await chatError(client.chat(request))
    expect(error.kind).toBe('auth')
    expect(error.message).toContain('api-key')
    expect(error.message).not.toContain('az role assignment')
  })

  it('connection refused → network, check the endpoint', async () => {
    const closed = http.createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))

    const client = await createModelClient(settings(`http://127.0.0.1:${port}`), tokenAuth, {
      log: recordingLog(),
      timeoutMs: 10_000,
      maxRetries: 0
    })
    const error = await chatError(client.chat(request))
    expect(error.kind).toBe('network')
    expect(error.message).toContain('ECONNREFUSED')
    expect(error.message).toContain('endpoint')
  })

  it('no answer within timeoutMs → timeout', async () => {
    server.queue({ status: 0, hang: true })
    const client = await createModelClient(settings(server.url), tokenAuth, {
      log: recordingLog(),
      timeoutMs: 300,
      maxRetries: 0
    })
    const error = await chatError(client.chat(request))
    expect(error.kind).toBe('timeout')
    expect(error.message).toContain('timeout-seconds')
  })

  it('the deadline covers retries: a server that always hangs ends as timeout, not after maxRetries × timeout', async () => {
    server.queue({ status: 0, hang: true }, { status: 0, hang: true }, { status: 0, hang: true })
    const client = await createModelClient(settings(server.url), tokenAuth, {
      log: recordingLog(),
      timeoutMs: 300,
      maxRetries: 2
    })
    const error = await chatError(client.chat(request))
    expect(error.kind).toBe('timeout')
    expect(error.message).toMatch(/^Azure OpenAI did not answer in time for deployment 'gpt-4o-summary'.*timeout-seconds/)
    // Half of 300 ms per attempt, then a back-off of at least 375 ms: the deadline leaves no third try.
    expect(server.requests.length).toBeLessThanOrEqual(2)
  })

  it('a hung attempt is cut off and retried while time remains', async () => {
    server.queue({ status: 0, hang: true })
    const client = await createModelClient(settings(server.url), tokenAuth, {
      log: recordingLog(),
      timeoutMs: 3_000,
      maxRetries: 2
    })
    const result = await client.chat(request)
    expect(result.content).toBe('Summary text')
    expect(server.requests).toHaveLength(2)
  })

  it('every call of one client shares its deadline: once it has passed, no request is sent', async () => {
    server.queue({ status: 0, hang: true }, { status: 0, hang: true })
    // The first call's back-off after its cut-off attempt (at least 375 ms) outlasts the 200 ms deadline.
    const client = await createModelClient(settings(server.url), tokenAuth, {
      log: recordingLog(),
      timeoutMs: 200,
      maxRetries: 3
    })
    expect((await chatError(client.chat(request))).kind).toBe('timeout')
    const sent = server.requests.length
    const late = await chatError(client.chat(request))
    expect(late.kind).toBe('timeout')
    expect(late.message).toContain('timeout-seconds')
    expect(server.requests).toHaveLength(sent)
  })

  it('a 429 whose retry-after reaches past the deadline ends as rate-limit, naming timeout-seconds and quota', async () => {
    // Wide margins (a 2 s wait against a 3 s deadline) so that a loaded machine cannot change the count.
    const limited: Reply = {
      status: 429,
      headers: { 'retry-after-ms': '2000' },
      json: { error: { code: '429', message: 'Rate limit reached' } }
    }
    server.queue(...Array.from({ length: 10 }, () => limited))
    const client = await createModelClient(settings(server.url, { timeoutSeconds: 20 }), tokenAuth, {
      log: recordingLog(),
      timeoutMs: 3_000,
      maxRetries: 10
    })
    const error = await chatError(client.chat(request))
    expect(error.kind).toBe('rate-limit')
    expect(error.message).toMatch(/429/)
    expect(error.message).toContain('past the end of timeout-seconds (20 s)')
    expect(error.message).toContain("deployment 'gpt-4o-summary'")
    expect(error.message).toContain('quota')
    // At 0 and 2,000 ms; the second answer's wait would end after the 3 s deadline, so it is the last.
    expect(server.requests).toHaveLength(2)
  })

  it('a 429 without retry-after, when the time runs out during the back-off, still ends as rate-limit', async () => {
    const limited: Reply = { status: 429, json: { error: { code: '429', message: 'Rate limit reached' } } }
    server.queue(limited, limited, limited)
    const client = await createModelClient(settings(server.url), tokenAuth, {
      log: recordingLog(),
      timeoutMs: 250,
      maxRetries: 5
    })
    const error = await chatError(client.chat(request))
    expect(error.kind).toBe('rate-limit')
    expect(error.message).toContain('kept answering 429')
    expect(error.message).toContain('timeout-seconds')
  })

  it('an auth failure passes through as the ActionError auth made', async () => {
    const refused = new ActionError(
      'Entra ID has no federated credential …: add one with `az ad app federated-credential create …`'
    )
    const failingAuth: AzureAuth = { mode: 'oidc', label: 'keyless (OIDC)', getToken: () => Promise.reject(refused) }
    const client = await createModelClient(settings(server.url), failingAuth, {
      log: recordingLog(),
      timeoutMs: 10_000,
      maxRetries: 0
    })
    await expect(client.chat(request)).rejects.toBe(refused)
    expect(server.requests).toHaveLength(0)
  })
})

describe('attemptTimeoutMs', () => {
  it('gives one attempt half of the time left, at most MAX_ATTEMPT_MS', () => {
    expect(attemptTimeoutMs(10_000)).toBe(5_000)
    expect(attemptTimeoutMs(2 * MAX_ATTEMPT_MS)).toBe(MAX_ATTEMPT_MS)
    expect(attemptTimeoutMs(3_600_000)).toBe(MAX_ATTEMPT_MS)
    expect(attemptTimeoutMs(1)).toBe(1)
  })
})

describe('createModelClient: proxy', () => {
  it('a proxy that is down → network, naming the variable and the proxy without its credentials', async () => {
    const closed = http.createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const saved = { ...process.env }
    process.env['HTTP_PROXY'] = `http://proxy-user:proxy-secret@127.0.0.1:${port}`
    delete process.env['NO_PROXY']
    delete process.env['no_proxy']
    let error: ModelError
    try {
      const client = await createModelClient(settings('http://contoso-ai.openai.azure.com'), tokenAuth, {
        log: recordingLog(),
        timeoutMs: 5_000,
        maxRetries: 0
      })
      error = await chatError(client.chat(request))
    } finally {
      process.env = saved
    }
    expect(error.kind).toBe('network')
    expect(error.message).toContain(`the proxy http://127.0.0.1:${port} set in HTTP_PROXY could not be reached (ECONNREFUSED)`)
    expect(error.message).toContain('NO_PROXY')
    expect(error.message).not.toContain('proxy-secret')
    expect(error.message).not.toContain('proxy-user')
  })

  it('tunnels through HTTP(S)_PROXY, and reads the account name for the role command', async () => {
    // undici's proxy agent opens a CONNECT tunnel even for http:// targets; this proxy records the
    // target and connects every tunnel to the fake service.
    const tunnels: string[] = []
    const proxy = http.createServer((_req, res) => res.writeHead(405).end())
    proxy.on('connect', (req: http.IncomingMessage, client: Duplex) => {
      tunnels.push(req.url ?? '')
      const upstream = net.connect(Number(new URL(server.url).port), '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
        upstream.pipe(client)
        client.pipe(upstream)
      })
      upstream.on('error', () => client.destroy())
      client.on('error', () => upstream.destroy())
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    server.queue({
      status: 403,
      json: { error: { code: 'PermissionDenied', message: 'Principal does not have access to API/Operation.' } }
    })
    const saved = { ...process.env }
    process.env['HTTP_PROXY'] = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
    delete process.env['NO_PROXY']
    delete process.env['no_proxy']
    try {
      // Only the proxy can reach this host: a request that bypassed it would fail with ENOTFOUND.
      const client = await createModelClient(settings('http://contoso-ai.openai.azure.com'), tokenAuth, {
        log: recordingLog(),
        timeoutMs: 5_000,
        maxRetries: 0
      })
      const error = await chatError(client.chat(request))
      expect(error.kind).toBe('auth')
      expect(error.message).toContain('/providers/Microsoft.CognitiveServices/accounts/contoso-ai')
    } finally {
      process.env = saved
      proxy.closeAllConnections()
      await new Promise<void>((resolve) => proxy.close(() => resolve()))
    }
    expect(tunnels).toEqual(['contoso-ai.openai.azure.com:80'])
    expect(server.requests[0]?.headers.host).toBe('contoso-ai.openai.azure.com')
    expect(server.requests[0]?.url).toBe('/openai/v1/chat/completions')
  })
})
