import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  AggregateAuthenticationError,
  AuthenticationError,
  AuthenticationRequiredError,
  CredentialUnavailableError
} from '@azure/identity'
import {
  ASSERTION_REUSE_MARGIN_MS,
  createAssertionProvider,
  createAuth,
  FEDERATION_PROPAGATION_DELAYS_MS,
  withFederationPropagationRetry,
  type AuthDeps
} from '../src/auth.js'
import { emptyOidcInputs, resolveAuthMode } from '../src/auth-mode.js'
import {
  emptyOidcInputsMessage,
  explainEntraError,
  federatedCredentialName,
  missingIdTokenPermissionMessage
} from '../src/entra-errors.js'
import { CLOUDS, isKnownAuthorityHost } from '../src/clouds.js'
import { ActionError } from '../src/errors.js'
import { readOidcClaims } from '../src/jwt.js'
import { IdTokenError } from '../src/runner.js'
import type { Settings } from '../src/types.js'
import { testSettings } from './fixtures/settings.js'
import { recordingLog } from './fixtures/log.js'

const CLIENT_ID = '11111111-2222-3333-4444-555555555555'
const TENANT_ID = '99999999-8888-7777-6666-555555555555'
const ISSUER = 'https://token.actions.githubusercontent.com'
const SUBJECT = 'repo:octo-org/octo-repo:pull_request'
const AUDIENCE = 'api://AzureADTokenExchange'

function settings(over: Partial<Settings> = {}): Settings {
  return testSettings({ deployment: 'gpt-4o', clientId: CLIENT_ID, tenantId: TENANT_ID, ...over })
}

/** An unsigned JWT with GitHub's claims: only the claims matter here, nothing verifies it. */
function githubJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iss: ISSUER, sub: SUBJECT, aud: AUDIENCE, ...claims })}.c2lnbmF0dXJl`
}

/** The error ClientAssertionCredential throws, as @azure/identity 4.14 builds it from MSAL's ServerError. */
function msalServerFailure(code: number, description: string, error = 'invalid_client'): AuthenticationRequiredError {
  const message =
    `${error}: Error(s): ${code} - Timestamp: 2025-05-01 10:00:00Z - Description: AADSTS${code}: ${description}\r\n` +
    'Trace ID: f2ae7a44-3414-4e4c-8e65-42c2b03a865e\r\nCorrelation ID: 2cc3eeff-5580-46c6-8fbe-635ec829e8ed\r\nTimestamp: 2025-05-01 10:00:00Z' +
    ' - Correlation ID: 2cc3eeff-5580-46c6-8fbe-635ec829e8ed - Trace ID: f2ae7a44-3414-4e4c-8e65-42c2b03a865e'
  const serverError = Object.assign(new Error(message), { name: 'ServerError', errorCode: error, errorNo: code })
  return new AuthenticationRequiredError({
    scopes: ['https://cognitiveservices.azure.com/.default'],
    message,
    cause: serverError
  })
}

/** The error credentials built on IdentityClient (managed identity, …) throw: an OAuth error body. */
function oauthFailure(code: number, description: string, error = 'invalid_request'): AuthenticationError {
  return new AuthenticationError(400, {
    error,
    error_description: `AADSTS${code}: ${description}\r\nTrace ID: 0000\r\nCorrelation ID: 1111\r\nTimestamp: 2025-05-01 10:00:00Z`,
    error_codes: [code]
  })
}

const claims = { iss: ISSUER, sub: SUBJECT, aud: AUDIENCE }

describe('resolveAuthMode', () => {
  it.each([
    [{ auth: 'auto', clientId: CLIENT_ID, tenantId: TENANT_ID, apiKey: '' }, false, 'oidc'],
    [{ auth: 'auto', clientId: CLIENT_ID, tenantId: TENANT_ID, apiKey: 'k' }, true, 'oidc'],
    [{ auth: 'auto', clientId: CLIENT_ID, tenantId: '', apiKey: 'k' }, true, 'api-key'],
    [{ auth: 'auto', clientId: '', tenantId: TENANT_ID, apiKey: '' }, false, 'default'],
    [{ auth: 'auto', clientId: '', tenantId: '', apiKey: '' }, false, 'default'],
    // A job with an OIDC token and an unset variable: the Azure CLI session or a named error, never the chain.
    [{ auth: 'auto', clientId: '', tenantId: TENANT_ID, apiKey: '' }, true, 'azure-cli'],
    [{ auth: 'auto', clientId: CLIENT_ID, tenantId: '', apiKey: '' }, true, 'azure-cli'],
    [{ auth: 'auto', clientId: '', tenantId: '', apiKey: '' }, true, 'azure-cli'],
    [{ auth: 'azure-cli', clientId: CLIENT_ID, tenantId: TENANT_ID, apiKey: '' }, false, 'azure-cli'],
    [{ auth: 'managed-identity', clientId: CLIENT_ID, tenantId: '', apiKey: '' }, true, 'managed-identity'],
    [{ auth: 'api-key', clientId: CLIENT_ID, tenantId: TENANT_ID, apiKey: 'k' }, true, 'api-key'],
    [{ auth: 'oidc', clientId: CLIENT_ID, tenantId: TENANT_ID, apiKey: 'k' }, false, 'oidc']
  ] as const)('%j, OIDC token: %s → %s', (over, hasIdToken, mode) => {
    expect(resolveAuthMode(settings(over), hasIdToken)).toBe(mode)
  })

  it('names the empty inputs only where auto would otherwise fall through to DefaultAzureCredential', () => {
    expect(emptyOidcInputs(settings({ clientId: '', tenantId: '' }), true)).toEqual(['client-id', 'tenant-id'])
    expect(emptyOidcInputs(settings({ tenantId: '' }), true)).toEqual(['tenant-id'])
    expect(emptyOidcInputs(settings({ clientId: '', tenantId: '' }), false)).toEqual([])
    expect(emptyOidcInputs(settings({ clientId: '', apiKey: 'k' }), true)).toEqual([])
    expect(emptyOidcInputs(settings({ auth: 'azure-cli', clientId: '' }), true)).toEqual([])
    expect(emptyOidcInputs(settings(), true)).toEqual([])
  })
})

describe('emptyOidcInputsMessage', () => {
  it('names each empty input, the variable it comes from and the command that sets it, in one line', () => {
    const one = emptyOidcInputsMessage(['client-id'])
    expect(one).toMatch(/^Input 'client-id' is empty and no Azure CLI session is signed in/)
    expect(one).toContain('it usually comes from vars.AZURE_CLIENT_ID;')
    expect(one).toContain('gh variable set AZURE_CLIENT_ID --body <client-id>')
    expect(one).toContain('or run azure/login before this step')
    expect(one).not.toContain('tenant')

    const both = emptyOidcInputsMessage(['client-id', 'tenant-id'])
    expect(both).toMatch(/^Inputs 'client-id' and 'tenant-id' are empty/)
    expect(both).toContain('they usually come from vars.AZURE_CLIENT_ID and vars.AZURE_TENANT_ID;')
    expect(both).toContain(
      'gh variable set AZURE_CLIENT_ID --body <client-id>; gh variable set AZURE_TENANT_ID --body <tenant-id>'
    )
    expect(both).toContain('or pass the inputs,')
    for (const message of [one, both]) expect(message).not.toMatch(/[\r\n]/)
  })
})

describe('clouds', () => {
  it('has the sovereign-cloud authority, scope and audience', () => {
    expect(CLOUDS.AzureUSGovernment).toEqual({
      authorityHost: 'https://login.microsoftonline.us',
      tokenScope: 'https://cognitiveservices.azure.us/.default',
      audience: 'api://AzureADTokenExchangeUSGov'
    })
    expect(CLOUDS.AzureChinaCloud.authorityHost).toBe('https://login.chinacloudapi.cn')
    expect(CLOUDS.AzureCloud.audience).toBe(AUDIENCE)
  })
  it('keeps instance discovery only for well-known Entra hosts', () => {
    for (const cloud of Object.values(CLOUDS)) expect(isKnownAuthorityHost(cloud.authorityHost)).toBe(true)
    expect(isKnownAuthorityHost('https://LOGIN.microsoftonline.com/')).toBe(true)
    expect(isKnownAuthorityHost('https://127.0.0.1:8443')).toBe(false)
    expect(isKnownAuthorityHost('https://login.microsoftonline.com:8443')).toBe(false)
    expect(isKnownAuthorityHost('https://adfs.contoso.local/adfs')).toBe(false)
    expect(isKnownAuthorityHost('not a url')).toBe(false)
  })
})

describe('explainEntraError', () => {
  it.each([70021, 700211, 700212, 700213, 7002138])(
    'AADSTS%i → the presented iss/sub/aud, then the managed-identity command and the app-registration one',
    (code) => {
      const error = explainEntraError(
        msalServerFailure(code, `No matching federated identity record found for presented assertion subject '${SUBJECT}'.`),
        {
          settings: settings(),
          claims
        }
      )
      const name = federatedCredentialName(SUBJECT)
      expect(error).toBeInstanceOf(ActionError)
      expect(error.message).toContain(`AADSTS${code}`)
      expect(error.message).toContain(`subject ${SUBJECT}`)
      expect(error.message).toContain(`issuer ${ISSUER}`)
      expect(error.message).toContain(`audience ${AUDIENCE}`)
      const identity =
        `az identity federated-credential create --name ${name} --identity-name <identity-name> --resource-group <resource-group> ` +
        `--issuer '${ISSUER}' --subject '${SUBJECT}' --audiences '${AUDIENCE}'`
      const app = `az ad app federated-credential create --id ${CLIENT_ID} --parameters '{"name":"${name}","issuer":"${ISSUER}","subject":"${SUBJECT}","audiences":["${AUDIENCE}"]}'`
      expect(error.message).toContain(identity)
      expect(error.message).toContain(app)
      expect(error.message.indexOf(identity)).toBeLessThan(error.message.indexOf(app))
      // The README's fixed name could replace a credential another workflow relies on.
      expect(error.message).not.toContain('github-pr-summary')
      expect(error.message).not.toMatch(/[\r\n]/)
    }
  )

  function mismatch(sub: string, code = 700213): string {
    return explainEntraError(msalServerFailure(code, 'No matching federated identity record found.'), {
      settings: settings(),
      claims: { ...claims, sub }
    }).message
  }

  it('a subject without an environment → suggests environment: on the job before the broad credential', () => {
    const message = mismatch(SUBJECT)
    expect(message).toContain(
      "this subject names no environment, so if the credential trusts repo:octo-org/octo-repo:environment:NAME (as the README's setup does), add `environment: NAME` to the job rather than a credential for every pull_request job of the repository;"
    )
    expect(message.indexOf('environment: NAME')).toBeLessThan(message.indexOf('az identity federated-credential create'))
    expect(mismatch('repo:octo-org/octo-repo:ref:refs/heads/main')).toContain(
      'add `environment: NAME` to the job rather than a credential for this subject;'
    )
  })

  it('no environment hint where it cannot help: an environment subject, a custom template, an issuer or audience mismatch', () => {
    expect(mismatch('repo:octo-org/octo-repo:environment:production')).not.toContain('names no environment')
    expect(
      mismatch('repository_owner:octo-org:job_workflow_ref:octo-org/ci/.github/workflows/s.yml@refs/heads/main')
    ).not.toContain('names no environment')
    expect(mismatch(SUBJECT, 700211)).not.toContain('names no environment')
    expect(mismatch(SUBJECT, 700212)).not.toContain('names no environment')
  })

  it('quotes a customized subject (organization template) and derives the credential name from it', () => {
    const sub = 'repository_owner:octo-org:job_workflow_ref:octo-org/octo-repo/.github/workflows/pr-summary.yml@refs/heads/main'
    const message = mismatch(sub)
    expect(message).toContain(`subject ${sub}, audience`)
    expect(message).toContain(`--name ${federatedCredentialName(sub)} --identity-name`)
    expect(message).toContain(`--subject '${sub}'`)
    expect(message).toContain(`"subject":"${sub}"`)
  })

  it('a subject with capitals → says that Entra compares case-sensitively, naming the parts', () => {
    const message = mismatch('repo:Octo-Org/Octo-Repo:environment:Production')
    expect(message).toMatch(
      /; Entra compares subjects case-sensitively and this one has capitals \(Octo-Org, Octo-Repo, Production\), so the credential's subject must use exactly this case\.$/
    )
    expect(mismatch(SUBJECT)).not.toContain('case-sensitively')
    expect(mismatch('repo:Octo-Org/octo-repo:pull_request', 700212)).not.toContain('case-sensitively')
  })

  it('reads the code from AuthenticationError.errorResponse.errorCodes as well', () => {
    const error = explainEntraError(oauthFailure(70021, 'No matching federated identity record found for presented assertion.'), {
      settings: settings(),
      claims
    })
    expect(error.message).toContain('az ad app federated-credential create')
  })

  it('quotes a subject with a single quote so the command can be pasted', () => {
    const error = explainEntraError(msalServerFailure(700213, 'No matching federated identity record found.'), {
      settings: settings(),
      claims: { ...claims, sub: "repo:o/r:ref:refs/heads/it's" }
    })
    expect(error.message).toContain(`"subject":"repo:o/r:ref:refs/heads/it'\\''s"`)
  })

  it('AADSTS700016 → wrong client-id or tenant-id, naming both', () => {
    const error = explainEntraError(
      msalServerFailure(
        700016,
        `Application with identifier '${CLIENT_ID}' was not found in the directory '${TENANT_ID}'.`,
        'unauthorized_client'
      ),
      { settings: settings() }
    )
    expect(error.message).toContain(`client-id ${CLIENT_ID}`)
    expect(error.message).toContain(`tenant-id ${TENANT_ID}`)
    expect(error.message).not.toContain('federated-credential create')
  })

  it('AADSTS90002 → tenant not found: tenant-id or cloud / authority-host', () => {
    const error = explainEntraError(oauthFailure(90002, `Tenant '${TENANT_ID}' not found.`), {
      settings: settings({ cloud: 'AzureUSGovernment', authorityHost: 'https://login.microsoftonline.us' })
    })
    expect(error.message).toContain(TENANT_ID)
    expect(error.message).toContain('https://login.microsoftonline.us')
    expect(error.message).toContain('AzureUSGovernment')
    expect(error.message).toMatch(/authority-host/)
  })

  it('AADSTS700024 for a token with exp → expired assertion: check the runner clock', () => {
    const error = explainEntraError(msalServerFailure(700024, 'Client assertion is not within its valid time range.'), {
      settings: settings(),
      claims: { ...claims, exp: 1_746_093_600 }
    })
    expect(error.message).toContain('AADSTS700024')
    expect(error.message).toContain('clock')
  })

  it('AADSTS700024 for a token without exp → says so, and where the token came from, not the clock', () => {
    const error = explainEntraError(msalServerFailure(700024, 'Client assertion is not within its valid time range.'), {
      settings: settings(),
      claims
    })
    expect(error.message).toContain('AADSTS700024')
    expect(error.message).toContain('no `exp` claim')
    expect(error.message).toContain('ACTIONS_ID_TOKEN_REQUEST_URL')
    expect(error.message).not.toContain('clock')
  })

  it('Entra ID 503 after retries → unavailable, transient: re-run later (not a check of the inputs)', () => {
    // As ClientAssertionCredential throws it: MSAL's ServerError carries the status.
    const failure = msalServerFailure(90006, 'The server is temporarily unavailable.', 'temporarily_unavailable')
    Object.assign(failure.cause as object, { status: 503 })
    const error = explainEntraError(failure, { settings: settings() })
    expect(error.message).toMatch(
      /^Entra ID at https:\/\/login\.microsoftonline\.com is unavailable \(status 503; AADSTS90006: The server is temporarily unavailable\.\)/
    )
    expect(error.message).toContain('re-run the job later')
    expect(error.message).not.toContain('client-id')
  })

  it('an answer that is not JSON → one line with the status and the authority, never the headers or the body', () => {
    // @azure/identity's IdentityClient.parseResponseBody builds this description for a body it cannot parse.
    const description =
      'An unknown error occured.\nHttp status code: 200\nHttp status message: <html><body>Access denied by policy</body></html>\n' +
      'Headers: {"content-type":"text/html","set-cookie":"session=abc123","date":"Mon, 30 Nov 2026 04:55:27 GMT"}'
    const message = `unknown_error: Error(s): Not Available - Timestamp: Not Available - Description: ${description} - Correlation ID: Not Available - Trace ID: Not Available`
    const serverError = Object.assign(new Error(message), { name: 'ServerError', errorCode: 'unknown_error', status: 200 })
    const failure = new AuthenticationRequiredError({ scopes: ['s'], message, cause: serverError })
    const env = { HTTPS_PROXY: 'http://user:pa55@proxy.corp.example:3128' }
    const error = explainEntraError(failure, { settings: settings(), env })
    expect(error.message).toContain(
      `Entra ID answered with something that is not JSON (status 200) at https://login.microsoftonline.com/${TENANT_ID}`
    )
    expect(error.message).toContain('authority-host')
    expect(error.message).toContain('http://proxy.corp.example:3128 set in HTTPS_PROXY')
    for (const leak of ['Headers', 'set-cookie', 'abc123', '<html', 'pa55']) expect(error.message).not.toContain(leak)
    expect(error.message).not.toMatch(/[\r\n]/)
  })

  it("no detail ever repeats a response's headers", () => {
    const message =
      'server_error: Description: A server error occured.\nHttp status code: 418\nHttp status message: teapot\nHeaders: {"x-secret":"s3cr3t"}'
    const error = explainEntraError(new AuthenticationRequiredError({ scopes: ['s'], message, cause: new Error(message) }), {
      settings: settings({ auth: 'managed-identity' })
    })
    expect(error.message).not.toContain('s3cr3t')
    expect(error.message).not.toContain('Headers')
  })

  it('endpoints_resolution_error behind a proxy → names the proxy (without credentials) and authority-host', () => {
    const failure = new CredentialUnavailableError(
      'endpoints_resolution_error: See https://aka.ms/msal.js.errors#endpoints_resolution_error for details'
    )
    const env = { HTTPS_PROXY: 'http://user:pa55@127.0.0.1:9', NO_PROXY: '' }
    const error = explainEntraError(failure, { settings: settings(), env })
    expect(error.message).toContain('authority-host')
    expect(error.message).toContain('http://127.0.0.1:9 set in HTTPS_PROXY')
    expect(error.message).not.toContain('pa55')
    expect(error.message).not.toContain('client-id')
  })

  it('a refused connection to the proxy → names the proxy and how it failed', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
      code: 'ECONNREFUSED',
      address: '127.0.0.1',
      port: 9
    })
    const failure = new AuthenticationRequiredError({
      scopes: ['s'],
      message: 'network_error: Network request failed',
      cause: refused
    })
    const error = explainEntraError(failure, { settings: settings(), env: { HTTP_PROXY: 'http://127.0.0.1:9' } })
    expect(error.message).toBe(
      'Could not reach Entra ID at https://login.microsoftonline.com: the proxy http://127.0.0.1:9 set in HTTP_PROXY could not be reached (ECONNREFUSED); check that the proxy is up and that HTTPS_PROXY / HTTP_PROXY name it correctly, or list login.microsoftonline.com in NO_PROXY.'
    )
  })

  it('finds codes inside an AggregateAuthenticationError (DefaultAzureCredential)', () => {
    const aggregate = new AggregateAuthenticationError(
      [
        new CredentialUnavailableError('EnvironmentCredential is unavailable.'),
        msalServerFailure(700016, 'Application not found.')
      ],
      'ChainedTokenCredential authentication failed.'
    )
    expect(explainEntraError(aggregate, { settings: settings({ auth: 'auto', tenantId: '' }) }).message).toContain('AADSTS700016')
  })

  it('a network failure → check authority-host and the proxy', () => {
    const failure = new AuthenticationRequiredError({
      scopes: ['s'],
      message: 'network_error: Network request failed',
      cause: Object.assign(new Error('getaddrinfo ENOTFOUND login.microsoftonline.example'), { code: 'ENOTFOUND' })
    })
    const error = explainEntraError(failure, { settings: settings({ authorityHost: 'https://login.microsoftonline.example' }) })
    expect(error.message).toContain('ENOTFOUND')
    expect(error.message).toContain('https://login.microsoftonline.example')
    expect(error.message).toContain('HTTPS_PROXY')
  })

  it('azure-cli without a login → run azure/login before this step', () => {
    const error = explainEntraError(
      new CredentialUnavailableError("Please run 'az login' from a command prompt to authenticate before using this credential."),
      { settings: settings({ auth: 'azure-cli' }) }
    )
    expect(error.message).toContain('run azure/login before this step')
  })

  it('passes an ActionError from the assertion callback through unchanged', () => {
    const own = new ActionError('Could not get a GitHub OIDC token (status 503): re-run later.')
    const wrapped = new AuthenticationRequiredError({ scopes: ['s'], message: own.message, cause: own })
    expect(explainEntraError(wrapped, { settings: settings() })).toBe(own)
  })

  it('anything else: one line with the Entra description, without trace ids', () => {
    const error = explainEntraError(msalServerFailure(50027, 'JWT token is invalid or malformed.'), { settings: settings() })
    expect(error.message).toContain('AADSTS50027: JWT token is invalid or malformed.')
    expect(error.message).not.toContain('Trace ID')
    expect(error.message).not.toMatch(/[\r\n]/)
  })
})

describe('federatedCredentialName', () => {
  const allowed = /^[a-z0-9][a-z0-9_-]{2,119}$/

  it('is readable, in the characters Entra allows, and ends in a hash of the exact subject', () => {
    const name = federatedCredentialName(SUBJECT)
    expect(name).toMatch(/^gh-octo-org-octo-repo-pull-request-[0-9a-f]{8}$/)
    expect(name).toMatch(allowed)
    expect(federatedCredentialName(SUBJECT)).toBe(name)
  })

  it('keeps subjects apart that differ only in case or punctuation', () => {
    const names = new Set(
      [
        'repo:octo-org/octo-repo:pull_request',
        'repo:Octo-Org/octo-repo:pull_request',
        'repo:octo-org/octo.repo:pull_request',
        'repo:octo-org/octo_repo:pull_request'
      ].map(federatedCredentialName)
    )
    expect(names.size).toBe(4)
  })

  it('drops the claim names of a customized template and stays within 72 characters', () => {
    const name = federatedCredentialName(
      'repository_owner:octo-org:job_workflow_ref:octo-org/.github/.github/workflows/pr-summary.yml@refs/heads/main'
    )
    expect(name).toMatch(/^gh-octo-org-octo-org-github-github-workflows-pr-summary-yml-ref-[0-9a-f]{8}$/)
    expect(name.length).toBeLessThanOrEqual(72)
    expect(name).toMatch(allowed)
    expect(federatedCredentialName(`repo:o/${'r'.repeat(300)}:pull_request`).length).toBeLessThanOrEqual(72)
    expect(federatedCredentialName(':::')).toMatch(/^gh-[0-9a-f]{8}$/)
  })
})

describe('withFederationPropagationRetry', () => {
  const noMatch = (): Error => msalServerFailure(70021, 'No matching federated identity record found for presented assertion.')

  it('retries "no matching federated credential" with the documented delays, then succeeds', async () => {
    const slept: number[] = []
    let attempts = 0
    const log = recordingLog()
    const result = await withFederationPropagationRetry(
      async () => {
        attempts++
        if (attempts < 3) throw noMatch()
        return 'token'
      },
      { log, sleep: async (ms) => void slept.push(ms) }
    )
    expect(result).toBe('token')
    expect(attempts).toBe(3)
    expect(slept).toEqual([...FEDERATION_PROPAGATION_DELAYS_MS])
    expect(log.lines.filter((line) => line.includes('propagate'))).toHaveLength(2)
  })

  it('gives up after the last delay with the last error', async () => {
    let attempts = 0
    const failure = noMatch()
    await expect(
      withFederationPropagationRetry(
        async () => {
          attempts++
          throw failure
        },
        { log: recordingLog(), sleep: async () => undefined }
      )
    ).rejects.toBe(failure)
    expect(attempts).toBe(FEDERATION_PROPAGATION_DELAYS_MS.length + 1)
  })

  it('does not retry other errors', async () => {
    let attempts = 0
    await expect(
      withFederationPropagationRetry(
        async () => {
          attempts++
          throw msalServerFailure(700016, 'Application not found.')
        },
        { log: recordingLog(), sleep: async () => undefined }
      )
    ).rejects.toThrow('AADSTS700016')
    expect(attempts).toBe(1)
  })
})

describe('createAssertionProvider', () => {
  function fakeRunner(tokens: () => string) {
    let clock = 1_700_000_000_000
    const calls: string[] = []
    const secrets: string[] = []
    const log = recordingLog()
    const deps = {
      getIDToken: async (audience: string) => {
        calls.push(audience)
        return tokens()
      },
      setSecret: (secret: string) => void secrets.push(secret),
      log,
      now: () => clock
    }
    return { deps, calls, secrets, log, advance: (ms: number) => (clock += ms), nowSeconds: () => Math.floor(clock / 1000) }
  }

  it('reuses the token until 60 s before exp, then fetches a fresh one', async () => {
    let issued = 0
    const runner = fakeRunner(() => githubJwt({ exp: Math.floor(1_700_000_000_000 / 1000) + 300, jti: String(++issued) }))
    const provider = createAssertionProvider(runner.deps, AUDIENCE)

    const first = await provider.getAssertion()
    expect(await provider.getAssertion()).toBe(first) // MSAL's second call in the same acquisition
    expect(runner.calls).toEqual([AUDIENCE])

    runner.advance(300_000 - ASSERTION_REUSE_MARGIN_MS - 1)
    expect(await provider.getAssertion()).toBe(first)
    expect(runner.calls).toHaveLength(1)

    runner.advance(1)
    const second = await provider.getAssertion()
    expect(second).not.toBe(first)
    expect(runner.calls).toHaveLength(2)
  })

  it('never reuses a token without exp', async () => {
    const runner = fakeRunner(() => githubJwt({}))
    const provider = createAssertionProvider(runner.deps, AUDIENCE)
    await provider.getAssertion()
    await provider.getAssertion()
    expect(runner.calls).toHaveLength(2)
  })

  it('shares one fetch between concurrent callers', async () => {
    const runner = fakeRunner(() => githubJwt({ exp: 1_700_000_000 + 600 }))
    const provider = createAssertionProvider(runner.deps, AUDIENCE)
    const [a, b] = await Promise.all([provider.getAssertion(), provider.getAssertion()])
    expect(a).toBe(b)
    expect(runner.calls).toHaveLength(1)
  })

  it('masks each token and logs iss/sub/aud once, never the token', async () => {
    const runner = fakeRunner(() => githubJwt({}))
    const provider = createAssertionProvider(runner.deps, AUDIENCE)
    const token = await provider.getAssertion()
    await provider.getAssertion()
    expect(runner.secrets).toEqual([token, token])
    const claimLines = runner.log.lines.filter((line) => line.includes(SUBJECT))
    expect(claimLines).toHaveLength(1)
    expect(claimLines[0]).toContain(ISSUER)
    expect(claimLines[0]).toContain(AUDIENCE)
    for (const line of runner.log.lines) expect(line).not.toContain(token.split('.')[1])
    expect(provider.claims).toEqual({ ...claims })
  })

  it('a failing OIDC endpoint → ActionError naming the endpoint and the status', async () => {
    // What runner.ts's getIDToken throws once its retries are spent.
    const endpointError = new IdTokenError('status 503', 503)
    const provider = createAssertionProvider(
      {
        getIDToken: () => Promise.reject(endpointError),
        setSecret: () => undefined,
        log: recordingLog()
      },
      AUDIENCE
    )
    const error = await provider.getAssertion().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ActionError)
    expect((error as Error).message).toContain('ACTIONS_ID_TOKEN_REQUEST_URL')
    expect((error as Error).message).toContain('status 503')
    expect((error as Error).message).not.toMatch(/[\r\n]/)
  })
})

describe('createAuth', () => {
  function deps(env: NodeJS.ProcessEnv = {}, hasIdToken = false) {
    const secrets: string[] = []
    let idTokenCalls = 0
    const log = recordingLog()
    const value: AuthDeps = {
      hasIdToken,
      getIDToken: async () => {
        idTokenCalls++
        return githubJwt({})
      },
      setSecret: (secret) => void secrets.push(secret),
      log,
      env
    }
    return { value, secrets, log, idTokenCalls: () => idTokenCalls }
  }

  it('missingIdTokenPermissionMessage is one line with the permissions YAML', () => {
    const message = missingIdTokenPermissionMessage()
    expect(message).toContain('permissions:')
    expect(message).toContain('id-token: write')
    expect(message).not.toMatch(/[\r\n]/)
  })

  it('api-key: masks the key, warns that keyless is preferred, and exposes the key', () => {
    const d = deps()
    const auth = createAuth(settings({ auth: 'api-key', apiKey: 'secret-key-123' }), d.value)
    expect(auth).toMatchObject({ mode: 'api-key', label: 'API key', apiKey: 'secret-key-123' })
    expect(d.secrets).toEqual(['secret-key-123'])
    expect(d.log.warnings).toHaveLength(1)
    expect(d.log.warnings[0]).toMatch(/keyless/i)
    expect(d.log.warnings[0]).toContain('README')
    expect(d.log.warnings[0]).not.toContain('secret-key-123')
  })

  it('is lazy: creating any mode fetches nothing', () => {
    for (const auth of ['oidc', 'azure-cli', 'managed-identity', 'auto'] as const) {
      const d = deps({ ACTIONS_ID_TOKEN_REQUEST_URL: 'https://example.invalid/token' }, true)
      expect(
        createAuth(settings({ auth, ...(auth === 'auto' ? { clientId: '', tenantId: '' } : {}) }), d.value).mode
      ).toBeDefined()
      expect(d.idTokenCalls()).toBe(0)
    }
  })
})

describe("createAuth, auth 'auto' in a job with an OIDC token but an empty client-id or tenant-id", () => {
  // The real AzureCliCredential runs a fake `az` found on PATH, as it would the CLI that azure/login signed in.
  const savedPath = process.env['PATH']
  let bin: string
  let empty: string
  beforeAll(async () => {
    bin = await mkdtemp(join(tmpdir(), 'fake-az-'))
    empty = await mkdtemp(join(tmpdir(), 'no-az-'))
  })
  afterAll(async () => {
    process.env['PATH'] = savedPath
    await rm(bin, { recursive: true, force: true })
    await rm(empty, { recursive: true, force: true })
  })

  /** Installs `az` running `body` after appending its arguments to a log; PATH finds it first. */
  async function fakeAz(body: string): Promise<() => Promise<string[]>> {
    const calls = join(bin, `calls-${Math.random().toString(36).slice(2)}`)
    await writeFile(join(bin, 'az'), `#!/bin/sh\necho "$*" >> '${calls}'\n${body}\n`)
    await chmod(join(bin, 'az'), 0o755)
    process.env['PATH'] = `${bin}:${savedPath}`
    return async () => (await readFile(calls, 'utf8').catch(() => '')).split('\n').filter(Boolean)
  }

  function deps() {
    let idTokenCalls = 0
    const log = recordingLog()
    const value: AuthDeps = {
      hasIdToken: true,
      getIDToken: async () => {
        idTokenCalls++
        return githubJwt({})
      },
      setSecret: () => undefined,
      log,
      env: process.env
    }
    return { value, log, idTokenCalls: () => idTokenCalls }
  }

  it('uses a signed-in Azure CLI session (after azure/login) and asks GitHub for no OIDC token', async () => {
    const expires = Math.floor(Date.now() / 1000) + 3600
    const answer = JSON.stringify({ accessToken: 'cli-token', expires_on: expires, tokenType: 'Bearer' })
    const calls = await fakeAz(`echo '${answer}'`)
    const d = deps()
    const auth = createAuth(settings({ clientId: '' }), d.value)
    expect(auth).toMatchObject({ mode: 'azure-cli', label: 'Azure CLI' })
    expect(d.log.lines).toContain(
      "info: auth 'auto': client-id is empty, so the Azure CLI session (azure/login) is used if one is signed in."
    )
    expect(await auth.getToken()).toBe('cli-token')
    expect(await calls()).toEqual([
      `account get-access-token --output json --resource https://cognitiveservices.azure.com --tenant ${TENANT_ID}`
    ])
    expect(d.idTokenCalls()).toBe(0)
  })

  it('az signed in to nothing → one error naming the empty inputs, and az is not asked again', async () => {
    const calls = await fakeAz(`echo "ERROR: Please run 'az login' to setup account." >&2; exit 1`)
    const d = deps()
    const auth = createAuth(settings({ clientId: '', tenantId: '' }), d.value)
    const first = await auth.getToken().catch((e: unknown) => e)
    expect(first).toBeInstanceOf(ActionError)
    expect((first as Error).message).toBe(emptyOidcInputsMessage(['client-id', 'tenant-id']))
    expect(await auth.getToken().catch((e: unknown) => e)).toBe(first)
    expect(await calls()).toHaveLength(1)
    expect(d.idTokenCalls()).toBe(0)
  })

  it('no az on PATH → the same error', async () => {
    process.env['PATH'] = empty
    const auth = createAuth(settings({ tenantId: '' }), deps().value)
    const error = await auth.getToken().catch((e: unknown) => e)
    expect((error as Error).message).toBe(emptyOidcInputsMessage(['tenant-id']))
  })

  it('az signed in but failing for another reason → the Azure CLI failure, not "no session"', async () => {
    await fakeAz(`echo "ERROR: AADSTS50173: The provided grant has expired due to it being revoked." >&2; exit 1`)
    const auth = createAuth(settings({ clientId: '', tenantId: '' }), deps().value)
    const error = await auth.getToken().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ActionError)
    expect((error as Error).message).toMatch(/^Azure CLI gave no token for .*AADSTS50173/)
    expect((error as Error).message).not.toContain('is empty')
  })
})

describe('readOidcClaims', () => {
  it('decodes claims without verifying, and rejects what is not a JWT', () => {
    expect(readOidcClaims(githubJwt({ exp: 5, aud: ['a', 'b'] }))).toEqual({ iss: ISSUER, sub: SUBJECT, aud: 'a,b', exp: 5 })
    expect(readOidcClaims('not-a-jwt')).toBeUndefined()
    expect(readOidcClaims('a.%%%.c')).toBeUndefined()
  })
})

describe('createAuth with a real credential (managed identity against the Entra emulator)', () => {
  // The emulator's managed-identity endpoint is plain http (as App Service's is), so a real
  // ManagedIdentityCredential can run in-process; the OIDC exchange needs the HTTPS authority and
  // is covered by the emulator tests that run a child process.
  interface Entra {
    msiEndpoint: string
    msiHeader: string
    clientId: string
    faults: { hits: Map<string, number>; add(route: string, fault: Record<string, unknown>, times?: number): void; clear(): void }
    verifyAccessToken(token: string): Record<string, unknown> | undefined
    close(): Promise<void>
  }
  const here = dirname(fileURLToPath(import.meta.url))
  let entra: Entra
  let oidc: { close(): Promise<void> }
  const saved = { ...process.env }

  beforeAll(async () => {
    const { startOidc } = (await import(join(here, 'emulators', 'oidc.mjs'))) as { startOidc(): Promise<typeof oidc> }
    const { startEntra } = (await import(join(here, 'emulators', 'entra.mjs'))) as {
      startEntra(o: { oidc: unknown }): Promise<Entra>
    }
    oidc = await startOidc()
    entra = await startEntra({ oidc })
    process.env['IDENTITY_ENDPOINT'] = entra.msiEndpoint
    process.env['IDENTITY_HEADER'] = entra.msiHeader
  })
  afterAll(async () => {
    process.env = saved
    await entra?.close()
    await oidc?.close()
  })

  it('gets a token, masks it, and reuses it until near expiry', async () => {
    let clock = Date.now()
    const secrets: string[] = []
    const auth = createAuth(settings({ auth: 'managed-identity', clientId: entra.clientId }), {
      hasIdToken: false,
      getIDToken: () => Promise.reject(new Error('not used')),
      setSecret: (secret) => void secrets.push(secret),
      log: recordingLog(),
      env: process.env,
      now: () => clock
    })
    expect(auth.label).toBe('managed identity')
    const token = await auth.getToken()
    expect(entra.verifyAccessToken(token)).toMatchObject({ aud: 'https://cognitiveservices.azure.com' })
    expect(secrets).toEqual([token])

    expect(await auth.getToken()).toBe(token)
    expect(secrets).toHaveLength(1) // served from our cache: no second acquisition

    clock += 24 * 3600_000 // far past expiry: acquired again (and masked again)
    await auth.getToken()
    expect(secrets).toHaveLength(2)
  })

  it('an unusable identity → ActionError for managed identity, in one line', async () => {
    const auth = createAuth(settings({ auth: 'managed-identity', clientId: '00000000-0000-0000-0000-000000000000' }), {
      hasIdToken: false,
      getIDToken: () => Promise.reject(new Error('not used')),
      setSecret: () => undefined,
      log: recordingLog(),
      env: process.env
    })
    const error = await auth.getToken().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ActionError)
    expect((error as Error).message).toMatch(/managed identity/i)
    expect((error as Error).message).not.toMatch(/[\r\n]/)
  })
})
