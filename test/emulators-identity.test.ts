import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { request } from 'node:https'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

// The emulators are plain JavaScript (no build step, so the demo can run them); these are the parts used here.
interface FaultQueue {
  add(route: string, fault: Record<string, unknown>, times?: number): void
  clear(route?: string): void
  hits: Map<string, number>
}
interface OidcEmulator {
  requestUrl: string
  requestToken: string
  faults: FaultQueue
  state: {
    sub: string
    issuer: string
    lifetimeSeconds: number
    omitExp: boolean
    environment?: string
    repository: string
    jobWorkflowRef: string
    subjectClaimKeys?: string[]
    issued: number
  }
  verify(jwt: string): Record<string, unknown> | undefined
  close(): Promise<void>
}
interface IssuedToken {
  token: string
  clientId: string
  tenantId: string
  aud: string
  scope: string
  via: string
}
interface FederatedCredential {
  issuer: string
  subject: string
  audience: string
}
interface EntraEmulator {
  authorityHost: string
  caCertPath: string
  msiEndpoint: string
  msiHeader: string
  tenantId: string
  clientId: string
  faults: FaultQueue
  issued: IssuedToken[]
  state: { tenants: Record<string, { apps: Record<string, { federated: FederatedCredential[] }> }> }
  mintAccessToken(grant: { clientId?: string; tenantId?: string; aud: string }): string
  verifyAccessToken(token: string): Record<string, unknown> | undefined
  close(): Promise<void>
}
type ProbeResult =
  { ok: true; token: string; expiresOnTimestamp: number } | { ok: false; name: string; message: string; statusCode?: number }

const here = dirname(fileURLToPath(import.meta.url))
const NODE_24 = join(here, '..', 'node_modules', '.bin', 'node')
const PROBE = join(here, 'emulators', 'probe', 'credential.mjs')
const SCOPE = 'https://cognitiveservices.azure.com/.default'
const AUDIENCE = 'api://AzureADTokenExchange'
const DEFAULT_SUBJECT = 'repo:octo-org/octo-repo:pull_request'
const DEFAULT_JOB_WORKFLOW_REF = 'octo-org/octo-repo/.github/workflows/pr-summary.yml@refs/pull/1/merge'
/** The job_workflow_ref of a job in the organization's central reusable workflow, called at main. */
const CENTRAL_WORKFLOW_REF = 'octo-org/.github/.github/workflows/pr-summary.yml@refs/heads/main'

let oidc: OidcEmulator
let entra: EntraEmulator

beforeAll(async () => {
  const { startOidc } = await import(join(here, 'emulators', 'oidc.mjs'))
  const { startEntra } = await import(join(here, 'emulators', 'entra.mjs'))
  oidc = await startOidc()
  entra = await startEntra({ oidc })
})

afterAll(async () => {
  await entra?.close()
  await oidc?.close()
})

afterEach(() => {
  oidc.state.sub = DEFAULT_SUBJECT
  oidc.state.subjectClaimKeys = undefined
  oidc.state.environment = undefined
  oidc.state.jobWorkflowRef = DEFAULT_JOB_WORKFLOW_REF
  entra.state.tenants[entra.tenantId]!.apps[entra.clientId]!.federated.splice(1)
  oidc.state.lifetimeSeconds = 300
  oidc.state.omitExp = false
  oidc.faults.clear()
  entra.faults.clear()
})

/** Runs a real @azure/identity credential in a Node 24 child that trusts the emulator CA. */
function probe(env: Record<string, string>): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE_24, [PROBE], {
      // A clean environment: the runner's own AZURE_* / IDENTITY_* variables must not leak in.
      env: {
        PATH: process.env.PATH ?? '',
        NODE_EXTRA_CA_CERTS: entra.caCertPath,
        ACTIONS_ID_TOKEN_REQUEST_URL: oidc.requestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken,
        PROBE_CREDENTIAL: 'client-assertion',
        PROBE_SCOPE: SCOPE,
        PROBE_AUDIENCE: AUDIENCE,
        PROBE_AUTHORITY_HOST: entra.authorityHost,
        AZURE_TENANT_ID: entra.tenantId,
        AZURE_CLIENT_ID: entra.clientId,
        ...env
      },
      timeout: 45_000
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('PROBE_RESULT '))
      if (line) resolve(JSON.parse(line.slice('PROBE_RESULT '.length)) as ProbeResult)
      else reject(new Error(`probe exited ${code} without a result: ${stderr}`))
    })
  })
}

function expectFailure(result: ProbeResult): string {
  if (result.ok) throw new Error('expected the credential to fail, but it got a token')
  return result.message
}

function expectToken(result: ProbeResult): string {
  if (!result.ok) throw new Error(`expected a token, got ${result.name}: ${result.message}`)
  return result.token
}

async function fetchIdToken(
  audience: string | undefined,
  bearer = oidc.requestToken
): Promise<{ status: number; body: { value?: string } }> {
  const url = audience === undefined ? oidc.requestUrl : `${oidc.requestUrl}&audience=${encodeURIComponent(audience)}`
  const response = await fetch(url, { headers: { authorization: `Bearer ${bearer}` } })
  return { status: response.status, body: (await response.json()) as { value?: string } }
}

/** POSTs a form to the emulator's token endpoint, trusting its CA only for this request. */
async function postToken(
  tenant: string,
  form: Record<string, string>,
  headers: Record<string, string> = {}
): Promise<{ status: number; json: Record<string, unknown> }> {
  const ca = await readFile(entra.caCertPath, 'utf8')
  const body = new URLSearchParams(form).toString()
  return new Promise((resolve, reject) => {
    const req = request(
      `${entra.authorityHost}/${tenant}/oauth2/v2.0/token`,
      { method: 'POST', ca, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } },
      (res) => {
        let text = ''
        res.on('data', (chunk: Buffer) => (text += chunk.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }))
      }
    )
    req.on('error', reject)
    req.end(body)
  })
}

describe('OIDC token endpoint emulator', () => {
  it('rejects a missing or wrong bearer with 401', async () => {
    expect((await fetchIdToken(AUDIENCE, 'wrong')).status).toBe(401)
    const response = await fetch(`${oidc.requestUrl}&audience=x`)
    expect(response.status).toBe(401)
  })

  it('issues an RS256 token for the audience asked for, verifiable with its key', async () => {
    const { status, body } = await fetchIdToken('api://custom-audience')
    expect(status).toBe(200)
    const claims = oidc.verify(body.value ?? '')
    expect(claims).toMatchObject({
      aud: 'api://custom-audience',
      iss: 'https://token.actions.githubusercontent.com',
      sub: DEFAULT_SUBJECT,
      repository: 'octo-org/octo-repo',
      event_name: 'pull_request'
    })
    expect(Number(claims?.exp) - Number(claims?.iat)).toBe(300)
  })

  it('defaults the audience, follows state changes and refuses tampered tokens', async () => {
    oidc.state.sub = 'repo:octo-org/octo-repo:environment:prod'
    oidc.state.omitExp = true
    const token = (await fetchIdToken(undefined)).body.value ?? ''
    const claims = oidc.verify(token)
    expect(claims).toMatchObject({ aud: AUDIENCE, sub: 'repo:octo-org/octo-repo:environment:prod' })
    expect(claims).not.toHaveProperty('exp')
    const [header, , signature] = token.split('.')
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'repo:evil/repo:pull_request' })).toString('base64url')
    expect(oidc.verify(`${header}.${forged}.${signature}`)).toBeUndefined()
  })

  it('builds the subject from a customized template, in the order of its claim keys', async () => {
    oidc.state.subjectClaimKeys = ['repository_owner', 'job_workflow_ref']
    oidc.state.jobWorkflowRef = CENTRAL_WORKFLOW_REF
    const claims = oidc.verify((await fetchIdToken(AUDIENCE)).body.value ?? '')
    expect(claims).toMatchObject({
      sub: `repository_owner:octo-org:job_workflow_ref:${CENTRAL_WORKFLOW_REF}`,
      repository_owner: 'octo-org',
      job_workflow_ref: CENTRAL_WORKFLOW_REF
    })

    oidc.state.subjectClaimKeys = ['repo', 'context', 'job_workflow_ref']
    oidc.state.environment = 'prod:eastus'
    const withContext = oidc.verify((await fetchIdToken(AUDIENCE)).body.value ?? '')
    // GitHub writes a ':' inside a value as %3A, so the pairs stay separable.
    expect(withContext?.sub).toBe(`repo:octo-org/octo-repo:environment:prod%3Aeastus:job_workflow_ref:${CENTRAL_WORKFLOW_REF}`)

    oidc.state.subjectClaimKeys = ['repo', 'context']
    oidc.state.environment = undefined
    // The template GitHub documents for "reset to the default format" gives the default subject back.
    expect(oidc.verify((await fetchIdToken(AUDIENCE)).body.value ?? '')?.sub).toBe(DEFAULT_SUBJECT)
  })

  it('serves queued faults on oidc.token before answering normally', async () => {
    oidc.faults.add('oidc.token', { status: 503, json: { message: 'unavailable' } })
    const issuedBefore = oidc.state.issued
    expect((await fetchIdToken(AUDIENCE)).status).toBe(503)
    expect((await fetchIdToken(AUDIENCE)).status).toBe(200)
    expect(oidc.state.issued).toBe(issuedBefore + 1)
  })
})

describe('Entra ID emulator with the real @azure/identity', () => {
  it('exchanges the GitHub OIDC token for an access token (ClientAssertionCredential)', async () => {
    const token = expectToken(await probe({}))
    expect(entra.verifyAccessToken(token)).toMatchObject({
      aud: 'https://cognitiveservices.azure.com',
      tid: entra.tenantId,
      appid: entra.clientId,
      azp: entra.clientId
    })
    expect(entra.issued.find((entry) => entry.token === token)).toMatchObject({ via: 'client_assertion', scope: SCOPE })
    expect(entra.faults.hits.get('entra.openid')).toBeGreaterThanOrEqual(1)
  })

  it('accepts the tokens it minted and refuses tampered ones', () => {
    const minted = entra.mintAccessToken({ aud: 'https://cognitiveservices.azure.com' })
    expect(entra.verifyAccessToken(minted)).toMatchObject({ aud: 'https://cognitiveservices.azure.com' })
    const [header, payload] = minted.split('.')
    expect(entra.verifyAccessToken(`${header}.${payload}.AAAA`)).toBeUndefined()
    expect(entra.verifyAccessToken('not-a-jwt')).toBeUndefined()
  })

  it('names the presented subject when no federated credential matches (AADSTS700213)', async () => {
    oidc.state.sub = 'repo:octo-org/octo-repo:ref:refs/heads/main'
    const message = expectFailure(await probe({}))
    expect(message).toContain('AADSTS700213')
    expect(message).toContain("presented assertion subject 'repo:octo-org/octo-repo:ref:refs/heads/main'")
  })

  it('admits a customized subject only through a credential on exactly that subject', async () => {
    oidc.state.subjectClaimKeys = ['repository_owner', 'job_workflow_ref']
    oidc.state.jobWorkflowRef = CENTRAL_WORKFLOW_REF
    const subject = `repository_owner:octo-org:job_workflow_ref:${CENTRAL_WORKFLOW_REF}`
    // Opting the repository in changes its subject: the credential on the default subject no longer matches.
    expect(expectFailure(await probe({}))).toContain(`presented assertion subject '${subject}'`)

    const federated = entra.state.tenants[entra.tenantId]!.apps[entra.clientId]!.federated
    federated.push({ issuer: 'https://token.actions.githubusercontent.com', subject: subject.toUpperCase(), audience: AUDIENCE })
    expect(expectFailure(await probe({}))).toContain('AADSTS700213')
    federated.push({ issuer: 'https://token.actions.githubusercontent.com', subject, audience: AUDIENCE })
    expect(entra.verifyAccessToken(expectToken(await probe({})))).toMatchObject({ appid: entra.clientId })

    // Another ref of the central workflow (a branch, a tag, a SHA) is another subject.
    oidc.state.jobWorkflowRef = 'octo-org/.github/.github/workflows/pr-summary.yml@refs/heads/feature'
    expect(expectFailure(await probe({}))).toContain('AADSTS700213')
  })

  it('names the presented audience when it is not the federated one (AADSTS700212)', async () => {
    // What GitHub issues when the action forgets to ask for an audience.
    const message = expectFailure(await probe({ PROBE_AUDIENCE: 'https://github.com/octo-org' }))
    expect(message).toContain(
      "AADSTS700212: No matching federated identity record found for presented assertion audience 'https://github.com/octo-org'"
    )
  })

  it('reports an unknown tenant (AADSTS90002)', async () => {
    expect(expectFailure(await probe({ AZURE_TENANT_ID: '33333333-3333-3333-3333-333333333333' }))).toMatch(
      /AADSTS90002: Tenant '33333333-3333-3333-3333-333333333333' not found/
    )
  })

  it('reports an unknown client in the tenant (AADSTS700016)', async () => {
    expect(expectFailure(await probe({ AZURE_CLIENT_ID: '44444444-4444-4444-4444-444444444444' }))).toMatch(
      /AADSTS700016: Application with identifier '44444444-4444-4444-4444-444444444444' was not found/
    )
  })

  it('reports an expired assertion (AADSTS700024)', async () => {
    oidc.state.lifetimeSeconds = -60
    expect(expectFailure(await probe({}))).toContain('AADSTS700024: Client assertion is not within its valid time range')
  })

  it('reports an assertion whose signature does not verify (AADSTS50027)', async () => {
    const token = (await fetchIdToken(AUDIENCE)).body.value ?? ''
    const [header, payload] = token.split('.')
    expect(expectFailure(await probe({ PROBE_ASSERTION: `${header}.${payload}.AAAA` }))).toContain('AADSTS50027')
  })

  it('fails with a queued AADSTS70021 quoting the presented assertion', async () => {
    entra.faults.add('entra.token', { aadsts: 70021 })
    const message = expectFailure(await probe({}))
    expect(message).toContain(
      `AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: 'https://token.actions.githubusercontent.com'. Assertion Subject: '${DEFAULT_SUBJECT}'. Assertion Audience: '${AUDIENCE}'.`
    )
  })

  it('is retried by the SDK after a 503 and then succeeds', async () => {
    const hitsBefore = entra.faults.hits.get('entra.token') ?? 0
    entra.faults.add('entra.token', { status: 503, json: { error: 'temporarily_unavailable' } })
    const token = expectToken(await probe({}))
    expect(entra.verifyAccessToken(token)).toBeDefined()
    expect((entra.faults.hits.get('entra.token') ?? 0) - hitsBefore).toBe(2)
  })

  it('is retried by the SDK after a 429 with retry-after', async () => {
    const hitsBefore = entra.faults.hits.get('entra.token') ?? 0
    entra.faults.add('entra.token', { status: 429, headers: { 'retry-after': '1' }, json: { error: 'too_many_requests' } })
    expectToken(await probe({}))
    expect((entra.faults.hits.get('entra.token') ?? 0) - hitsBefore).toBe(2)
  })

  it('makes the SDK fail, not hang, on a token response that is not JSON', async () => {
    entra.faults.add('entra.token', { status: 200, body: '<html>proxy error</html>' }, Infinity)
    expect(expectFailure(await probe({}))).toContain('network_error')
  })

  it('gets a token through the App Service managed identity endpoint (ManagedIdentityCredential)', async () => {
    const token = expectToken(
      await probe({
        PROBE_CREDENTIAL: 'managed-identity',
        IDENTITY_ENDPOINT: entra.msiEndpoint,
        IDENTITY_HEADER: entra.msiHeader
      })
    )
    expect(entra.verifyAccessToken(token)).toMatchObject({ aud: 'https://cognitiveservices.azure.com', appid: entra.clientId })
    expect(entra.issued.find((entry) => entry.token === token)?.via).toBe('managed_identity')
  })

  it('refuses the managed identity endpoint without the right X-IDENTITY-HEADER', async () => {
    const result = await probe({
      PROBE_CREDENTIAL: 'managed-identity',
      IDENTITY_ENDPOINT: entra.msiEndpoint,
      IDENTITY_HEADER: 'wrong'
    })
    expect(expectFailure(result)).toContain('X-IDENTITY-HEADER')
  })

  it("answers with Entra's error body shape and echoes the client-request-id", async () => {
    const { status, json } = await postToken(
      '55555555-5555-5555-5555-555555555555',
      { client_id: entra.clientId },
      { 'client-request-id': 'abc-123' }
    )
    expect(status).toBe(400)
    expect(json).toMatchObject({ error: 'invalid_request', error_codes: [90002], correlation_id: 'abc-123' })
    expect(json.error_description).toMatch(
      /^AADSTS90002: .*\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: abc-123\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/s
    )
    expect(json.trace_id).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/))
  })
})
