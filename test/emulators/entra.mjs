// @ts-check
/**
 * Emulator of Microsoft Entra ID, close enough for the real @azure/identity (MSAL underneath):
 *  - HTTPS authority (MSAL refuses http): OpenID discovery and the v2.0 token endpoint, which
 *    exchanges a GitHub OIDC assertion (client_credentials + client_assertion) for an access token
 *    and answers bad requests with Entra's own error bodies and AADSTS codes;
 *  - an App Service managed identity endpoint (plain http, as on App Service), which MSAL picks when
 *    IDENTITY_ENDPOINT and IDENTITY_HEADER are set.
 * The certificate is signed by a CA generated at start; processes that call the emulator trust it with
 * NODE_EXTRA_CA_CERTS=<caCertPath>. Fault routes: `entra.openid`, `entra.token`, `entra.msi`.
 */
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer as createHttpServer } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FaultQueue, reply, serve } from './faults.mjs'
import { generateCertificates } from './tls.mjs'
/** @typedef {import('./faults.mjs').Reply} Reply */
import { AZURE_AUDIENCE, DEFAULT_SUBJECT, GITHUB_OIDC_ISSUER } from './oidc.mjs'

export const DEFAULT_TENANT_ID = '11111111-1111-1111-1111-111111111111'
export const DEFAULT_CLIENT_ID = '22222222-2222-2222-2222-222222222222'
/** `expires_in` of Entra's client-credential tokens. */
export const ACCESS_TOKEN_LIFETIME_SECONDS = 3599
/** App Service's managed identity API version; MSAL always sends it (msal-node AppService.ts). */
const APP_SERVICE_MSI_API_VERSION = '2019-08-01'
const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
/** Suffix that client-credential scopes must carry (AADSTS1002012 otherwise). */
const DEFAULT_SCOPE_SUFFIX = '/.default'

/**
 * @typedef {{ issuer: string, subject: string, audience: string }} FederatedCredential
 * @typedef {{ federated: FederatedCredential[] }} AppRegistration
 * @typedef {Record<string, { apps: Record<string, AppRegistration> }>} Tenants
 * @typedef {{ token: string, clientId: string, tenantId: string, aud: string, scope: string,
 *   via: 'client_assertion' | 'managed_identity' | 'minted' }} IssuedToken
 * @typedef {{ tenantId: string, clientId: string }} ManagedIdentity
 * @typedef {{ tenants: Tenants, managedIdentity: ManagedIdentity }} EntraState
 * @typedef {{ verify(jwt: string): Record<string, unknown> | undefined }} AssertionVerifier
 */

/** @returns {Tenants} The default tenant and app, federated with the default GitHub OIDC subject. */
export function defaultTenants() {
  return {
    [DEFAULT_TENANT_ID]: {
      apps: {
        [DEFAULT_CLIENT_ID]: {
          federated: [{ issuer: GITHUB_OIDC_ISSUER, subject: DEFAULT_SUBJECT, audience: AZURE_AUDIENCE }]
        }
      }
    }
  }
}

/**
 * What Entra says for each AADSTS code the emulator produces. `ctx` carries what the message quotes.
 * Texts follow the ones Entra returns (see learn.microsoft.com/entra/identity-platform/reference-error-codes).
 * @type {Record<number, (ctx: Record<string, string>) => { status: number, error: string, message: string }>}
 */
const AADSTS = {
  90002: (c) => ({
    status: 400,
    error: 'invalid_request',
    message: `Tenant '${c.tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`
  }),
  900144: (c) => ({
    status: 400,
    error: 'invalid_request',
    message: `The request body must contain the following parameter: '${c.parameter}'.`
  }),
  700016: (c) => ({
    status: 400,
    error: 'unauthorized_client',
    message: `Application with identifier '${c.clientId}' was not found in the directory '${c.tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`
  }),
  50027: () => ({
    status: 401,
    error: 'invalid_client',
    message: 'JWT token is invalid or malformed. External ID token from issuer failed signature verification.'
  }),
  700024: (c) => ({
    status: 400,
    error: 'invalid_client',
    message: `Client assertion is not within its valid time range. Current time: ${c.now}, assertion valid from ${c.nbf}, expiry time of assertion ${c.exp}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .`
  }),
  70021: (c) => ({
    status: 400,
    error: 'invalid_request',
    message: `No matching federated identity record found for presented assertion. Assertion Issuer: '${c.issuer}'. Assertion Subject: '${c.subject}'. Assertion Audience: '${c.audience}'. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`
  }),
  700211: (c) => ({
    status: 400,
    error: 'invalid_client',
    message: `No matching federated identity record found for presented assertion issuer '${c.issuer}'. Please note that the matching is done using a case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`
  }),
  700212: (c) => ({
    status: 400,
    error: 'invalid_client',
    message: `No matching federated identity record found for presented assertion audience '${c.audience}'. Please note that the matching is done using a case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`
  }),
  700213: (c) => ({
    status: 400,
    error: 'invalid_client',
    message: `No matching federated identity record found for presented assertion subject '${c.subject}'. Please note that the matching is done using a case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`
  }),
  1002012: (c) => ({
    status: 400,
    error: 'invalid_scope',
    message: `The provided value for scope ${c.scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`
  })
}

/**
 * Starts the Entra ID emulator: HTTPS authority and http managed identity endpoint, both on 127.0.0.1.
 * A fault on `entra.token` may also be `{ aadsts: <code> }`: the token endpoint then fails with that
 * code, its message filled from the presented request (e.g. 70021 quoting the assertion's claims).
 * @param {{ oidc: AssertionVerifier, tenants?: Tenants }} options
 */
export async function startEntra({ oidc, tenants }) {
  const faults = new FaultQueue()
  /** @type {EntraState} */
  const state = {
    tenants: tenants ?? defaultTenants(),
    managedIdentity: { tenantId: DEFAULT_TENANT_ID, clientId: DEFAULT_CLIENT_ID }
  }
  /** @type {IssuedToken[]} */
  const issued = []
  const signingKey = randomBytes(32)
  const msiHeader = randomBytes(24).toString('base64url')

  const { caCert, serverKey, serverCert } = await generateCertificates('Entra emulator test CA', ['localhost', '127.0.0.1'])
  const certDir = await mkdtemp(join(tmpdir(), 'entra-emulator-'))
  const caCertPath = join(certDir, 'ca.pem')
  await writeFile(caCertPath, caCert)

  /** @param {{ clientId: string, tenantId: string, aud: string, scope: string, via: IssuedToken['via'] }} grant */
  function mint({ clientId, tenantId, aud, scope, via }) {
    const iat = Math.floor(Date.now() / 1000)
    const oid = objectIdOf(tenantId, clientId)
    const claims = {
      aud,
      iss: `https://sts.windows.net/${tenantId}/`,
      iat,
      nbf: iat,
      exp: iat + ACCESS_TOKEN_LIFETIME_SECONDS,
      appid: clientId,
      azp: clientId,
      idtyp: 'app',
      oid,
      sub: oid,
      tid: tenantId,
      uti: randomBytes(16).toString('base64url'),
      ver: '1.0'
    }
    const signingInput = `${base64urlJson({ typ: 'JWT', alg: 'HS256' })}.${base64urlJson(claims)}`
    const token = `${signingInput}.${hmac(signingKey, signingInput)}`
    issued.push({ token, clientId, tenantId, aud, scope, via })
    return token
  }

  /**
   * @param {number} code
   * @param {Record<string, string>} ctx
   * @param {string | undefined} correlationId MSAL's `client-request-id`, which Entra echoes.
   * @returns {Reply}
   */
  function entraError(code, ctx, correlationId) {
    const { status, error, message } = AADSTS[code]?.(ctx) ?? { status: 400, error: 'invalid_request', message: `Error ${code}.` }
    const traceId = randomUUID()
    const correlation = correlationId ?? randomUUID()
    const timestamp = new Date()
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, 'Z')
    return {
      status,
      json: {
        error,
        // Entra separates these trailers with CRLF, which is why callers must flatten messages.
        error_description: `AADSTS${code}: ${message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlation}\r\nTimestamp: ${timestamp}`,
        error_codes: [code],
        timestamp,
        trace_id: traceId,
        correlation_id: correlation,
        error_uri: `${authorityHost}/error?code=${code}`
      }
    }
  }

  /**
   * The token endpoint's checks: tenant, request, app, federated match (issuer, subject, audience),
   * signature, lifetime, scope. Entra's own order is not documented; this one names the likeliest cause first.
   * @param {string} tenantId
   * @param {URLSearchParams} form
   * @param {string | undefined} correlationId
   * @param {number | undefined} forcedCode AADSTS code queued as a fault.
   * @returns {Reply}
   */
  function exchange(tenantId, form, correlationId, forcedCode) {
    const fail = (/** @type {number} */ code, /** @type {Record<string, string>} */ ctx = {}) =>
      entraError(code, ctx, correlationId)
    const tenant = state.tenants[tenantId]
    if (!tenant) return fail(90002, { tenant: tenantId })
    for (const parameter of ['client_id', 'scope', 'client_assertion']) {
      if (!form.get(parameter)) return fail(900144, { parameter })
    }
    const clientId = /** @type {string} */ (form.get('client_id'))
    const scope = /** @type {string} */ (form.get('scope'))
    const assertion = /** @type {string} */ (form.get('client_assertion'))
    if (form.get('client_assertion_type') !== CLIENT_ASSERTION_TYPE) return fail(900144, { parameter: 'client_assertion_type' })
    const app = tenant.apps[clientId]
    if (!app) return fail(700016, { clientId, tenant: tenantId })
    const claims = decodeJwtPayload(assertion)
    if (!claims) return fail(50027)
    const presented = {
      issuer: String(claims.iss ?? ''),
      subject: String(claims.sub ?? ''),
      audience: [claims.aud ?? ''].flat().map(String).join(',')
    }
    if (forcedCode !== undefined) return fail(forcedCode, { ...presented, tenant: tenantId, clientId, scope })
    const audiences = [claims.aud].flat()
    const byIssuer = app.federated.filter((f) => f.issuer === presented.issuer)
    if (byIssuer.length === 0) return fail(700211, presented)
    const bySubject = byIssuer.filter((f) => f.subject === presented.subject)
    if (bySubject.length === 0) return fail(700213, presented)
    if (!bySubject.some((f) => audiences.includes(f.audience))) return fail(700212, presented)
    if (!oidc.verify(assertion)) return fail(50027)
    const now = Math.floor(Date.now() / 1000)
    const exp = typeof claims.exp === 'number' ? claims.exp : undefined
    const nbf = typeof claims.nbf === 'number' ? claims.nbf : undefined
    if (exp === undefined || now >= exp || (nbf !== undefined && now < nbf)) {
      return fail(700024, { now: isoSeconds(now), nbf: isoSeconds(nbf), exp: isoSeconds(exp) })
    }
    if (!scope.endsWith(DEFAULT_SCOPE_SUFFIX)) return fail(1002012, { scope })
    const aud = scope.slice(0, -DEFAULT_SCOPE_SUFFIX.length)
    const token = mint({ clientId, tenantId, aud, scope, via: 'client_assertion' })
    return {
      status: 200,
      json: {
        token_type: 'Bearer',
        expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
        ext_expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
        access_token: token
      }
    }
  }

  const authority = createHttpsServer({ key: serverKey, cert: serverCert }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1')
    const discovery = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname)
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname)
    if (req.method === 'GET' && discovery) {
      // Served for any tenant: for the public clouds MSAL has this document built in and never asks, so a
      // wrong tenant surfaces at the token endpoint (AADSTS90002); the emulator keeps that behaviour.
      const base = `${authorityHost}/${discovery[1]}`
      void serve(faults, 'entra.openid', req, res, () => ({
        status: 200,
        json: {
          issuer: `${base}/v2.0`,
          token_endpoint: `${base}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          // Required by MSAL's discovery check, never fetched for client credentials: not served.
          jwks_uri: `${base}/discovery/v2.0/keys`,
          token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          subject_types_supported: ['pairwise'],
          id_token_signing_alg_values_supported: ['RS256'],
          tenant_region_scope: 'NA',
          cloud_instance_name: 'microsoftonline.com'
        }
      }))
    } else if (req.method === 'POST' && token) {
      const tenantId = decodeURIComponent(/** @type {string} */ (token[1]))
      const correlationId = header(req, 'client-request-id')
      void serve(
        faults,
        'entra.token',
        req,
        res,
        async () => exchange(tenantId, new URLSearchParams(await readBody(req)), correlationId, undefined),
        async (code) => exchange(tenantId, new URLSearchParams(await readBody(req)), correlationId, code)
      )
    } else {
      reply(res, { status: 404, json: { error: 'not_found', error_description: `No route ${req.method} ${url.pathname}` } })
    }
  })

  const msi = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (req.method !== 'GET' || url.pathname !== '/msi/token') {
      reply(res, { status: 404, json: { statusCode: 404, message: 'Not found' } })
      return
    }
    void serve(faults, 'entra.msi', req, res, () => {
      const presentedHeader = Buffer.from(header(req, 'x-identity-header') ?? '')
      if (presentedHeader.length !== msiHeader.length || !timingSafeEqual(presentedHeader, Buffer.from(msiHeader))) {
        return {
          status: 401,
          json: { statusCode: 401, message: 'X-IDENTITY-HEADER is missing or does not match IDENTITY_HEADER.' }
        }
      }
      const resource = url.searchParams.get('resource')
      if (url.searchParams.get('api-version') !== APP_SERVICE_MSI_API_VERSION || !resource) {
        return {
          status: 400,
          json: { statusCode: 400, message: `Expected api-version=${APP_SERVICE_MSI_API_VERSION} and a resource.` }
        }
      }
      const { tenantId } = state.managedIdentity
      const clientId = url.searchParams.get('client_id') ?? state.managedIdentity.clientId
      if (!state.tenants[tenantId]?.apps[clientId]) {
        return {
          status: 400,
          json: { statusCode: 400, message: 'Unable to load the proper Managed Identity.', correlationId: randomUUID() }
        }
      }
      const accessToken = mint({
        clientId,
        tenantId,
        aud: resource,
        scope: `${resource}${DEFAULT_SCOPE_SUFFIX}`,
        via: 'managed_identity'
      })
      return {
        status: 200,
        json: {
          access_token: accessToken,
          // App Service sends seconds since the epoch as a string.
          expires_on: String(Math.floor(Date.now() / 1000) + ACCESS_TOKEN_LIFETIME_SECONDS),
          resource,
          token_type: 'Bearer',
          client_id: clientId
        }
      }
    })
  })

  await Promise.all([listen(authority), listen(msi)])
  const authorityHost = `https://127.0.0.1:${port(authority)}`

  return {
    /** `https://127.0.0.1:PORT`, to pass as `authorityHost` with `disableInstanceDiscovery: true`. */
    authorityHost,
    /** PEM of the CA that signed the authority's certificate, for NODE_EXTRA_CA_CERTS. */
    caCertPath,
    /** Value for IDENTITY_ENDPOINT. */
    msiEndpoint: `http://127.0.0.1:${port(msi)}/msi/token`,
    /** Value for IDENTITY_HEADER. */
    msiHeader,
    tenantId: DEFAULT_TENANT_ID,
    clientId: DEFAULT_CLIENT_ID,
    state,
    faults,
    issued,
    /**
     * Issues an access token as if `az account get-access-token` had fetched it (recorded, via 'minted').
     * It expires ACCESS_TOKEN_LIFETIME_SECONDS from now.
     * @param {{ clientId?: string, tenantId?: string, aud: string }} grant
     */
    mintAccessToken({ clientId = DEFAULT_CLIENT_ID, tenantId = DEFAULT_TENANT_ID, aud }) {
      return mint({ clientId, tenantId, aud, scope: `${aud}${DEFAULT_SCOPE_SUFFIX}`, via: 'minted' })
    },
    /**
     * Claims of `token` when this emulator issued it and it has not expired, else undefined.
     * @param {string} token
     * @returns {Record<string, unknown> | undefined}
     */
    verifyAccessToken(token) {
      if (!issued.some((entry) => entry.token === token)) return undefined
      const claims = decodeJwtPayload(token)
      return claims && typeof claims.exp === 'number' && claims.exp > Date.now() / 1000 ? claims : undefined
    },
    async close() {
      faults.releaseAll()
      for (const server of [authority, msi]) server.closeAllConnections()
      await Promise.all([authority, msi].map((server) => new Promise((resolve) => server.close(() => resolve(undefined)))))
      await rm(certDir, { recursive: true, force: true })
    }
  }
}

/** A stable object id per app, as Entra keeps one per service principal. */
function objectIdOf(/** @type {string} */ tenantId, /** @type {string} */ clientId) {
  const hex = createHash('sha256').update(`${tenantId}/${clientId}`).digest('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`
}

/** @param {string} jwt @returns {Record<string, any> | undefined} */
function decodeJwtPayload(jwt) {
  const payload = jwt.split('.')[1]
  if (jwt.split('.').length !== 3 || !payload) return undefined
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
    return claims && typeof claims === 'object' ? claims : undefined
  } catch {
    return undefined
  }
}

const isoSeconds = (/** @type {number | undefined} */ seconds) =>
  seconds === undefined ? '(none)' : new Date(seconds * 1000).toISOString()
const hmac = (/** @type {Buffer} */ key, /** @type {string} */ input) =>
  createHmac('sha256', key).update(input).digest('base64url')
const base64urlJson = (/** @type {unknown} */ value) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** @param {import('node:http').IncomingMessage} req @param {string} name */
function header(req, name) {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** @param {import('node:http').IncomingMessage} req @returns {Promise<string>} */
async function readBody(req) {
  const chunks = []
  for await (const chunk of req) chunks.push(chunk)
  return Buffer.concat(chunks).toString()
}

/** @param {import('node:http').Server} server */
const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)))
/** @param {import('node:http').Server} server */
const port = (server) => /** @type {import('node:net').AddressInfo} */ (server.address()).port
