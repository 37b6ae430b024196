// @ts-check
/**
 * Emulator of the GitHub Actions OIDC token endpoint, the one `core.getIDToken(audience)` calls with
 * ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN. Tokens are RS256 JWTs signed with a
 * key generated at start; `verify` is how the Entra emulator checks a presented assertion.
 * Fault route: `oidc.token`.
 */
import { generateKeyPair, randomBytes, randomUUID, sign, verify as verifySignature } from 'node:crypto'
import { createServer } from 'node:http'
import { promisify } from 'node:util'
import { FaultQueue, reply, serve } from './faults.mjs'
/** @typedef {import('./faults.mjs').Reply} Reply */

/** `iss` of real GitHub Actions OIDC tokens. */
export const GITHUB_OIDC_ISSUER = 'https://token.actions.githubusercontent.com'
/** `sub` GitHub gives a job triggered by `pull_request` (no environment). */
export const DEFAULT_SUBJECT = 'repo:octo-org/octo-repo:pull_request'
/** The audience Entra expects for workload identity federation. */
export const AZURE_AUDIENCE = 'api://AzureADTokenExchange'
/** GitHub's OIDC tokens are valid for 5 minutes. */
export const DEFAULT_LIFETIME_SECONDS = 300

/**
 * @typedef {object} OidcState Mutable: tests change it between requests.
 * @property {string} issuer
 * @property {string} sub
 * @property {string} defaultAudience `aud` when the request names none. Real GitHub uses
 *   `https://github.com/<owner>`; the default here is the brief's `api://AzureADTokenExchange`.
 * @property {number} lifetimeSeconds `exp - iat`; negative gives an already expired token.
 * @property {boolean} omitExp Issue tokens without `exp`.
 * @property {string | undefined} environment The `environment` claim, present when set.
 * @property {string} repository
 * @property {string} ref
 * @property {string} eventName
 * @property {string} jobWorkflowRef
 * @property {string[] | undefined} subjectClaimKeys The repository's customized subject template
 *   (`include_claim_keys` of `PUT /repos/{o}/{r}/actions/oidc/customization/sub`): when set, `sub` is built
 *   from these claims, as GitHub does, and `state.sub` is not used.
 * @property {number} issued Tokens issued so far.
 */

/**
 * @typedef {object} OidcOptions
 * @property {string} [issuer]
 * @property {string} [sub]
 * @property {string} [defaultAudience]
 * @property {number} [lifetimeSeconds]
 * @property {string} [environment]
 * @property {string} [repository]
 * @property {string} [jobWorkflowRef]
 * @property {string[]} [subjectClaimKeys]
 */

/**
 * Starts the OIDC token endpoint on 127.0.0.1 (random port).
 * @param {OidcOptions} [options]
 */
export async function startOidc(options = {}) {
  const { privateKey, publicKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 })
  const kid = randomBytes(8).toString('hex')
  const requestToken = randomBytes(24).toString('base64url')
  const faults = new FaultQueue()
  /** @type {OidcState} */
  const state = {
    issuer: options.issuer ?? GITHUB_OIDC_ISSUER,
    sub: options.sub ?? DEFAULT_SUBJECT,
    defaultAudience: options.defaultAudience ?? AZURE_AUDIENCE,
    lifetimeSeconds: options.lifetimeSeconds ?? DEFAULT_LIFETIME_SECONDS,
    omitExp: false,
    environment: options.environment,
    repository: options.repository ?? 'octo-org/octo-repo',
    ref: 'refs/pull/1/merge',
    eventName: 'pull_request',
    jobWorkflowRef: options.jobWorkflowRef ?? 'octo-org/octo-repo/.github/workflows/pr-summary.yml@refs/pull/1/merge',
    subjectClaimKeys: options.subjectClaimKeys,
    issued: 0
  }

  /** @param {string} audience */
  function issue(audience) {
    const iat = Math.floor(Date.now() / 1000)
    /** @type {Record<string, unknown>} */
    const claims = {
      jti: randomUUID(),
      sub: '',
      aud: audience,
      ref: state.ref,
      repository: state.repository,
      repository_owner: state.repository.split('/')[0],
      event_name: state.eventName,
      job_workflow_ref: state.jobWorkflowRef,
      runner_environment: 'github-hosted',
      iss: state.issuer,
      nbf: iat,
      iat
    }
    if (state.environment !== undefined) claims.environment = state.environment
    claims.sub = state.subjectClaimKeys ? customizedSubject(state.subjectClaimKeys, claims) : state.sub
    if (!state.omitExp) claims.exp = iat + state.lifetimeSeconds
    const header = { typ: 'JWT', alg: 'RS256', kid }
    const signingInput = `${base64urlJson(header)}.${base64urlJson(claims)}`
    const signature = sign('sha256', Buffer.from(signingInput), privateKey).toString('base64url')
    state.issued++
    return `${signingInput}.${signature}`
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (req.method !== 'GET' || url.pathname !== '/token') {
      reply(res, { status: 404, json: { message: 'Not Found' } })
      return
    }
    void serve(faults, 'oidc.token', req, res, () => {
      if (req.headers.authorization !== `Bearer ${requestToken}`) {
        return { status: 401, json: { message: 'Bad credentials' } }
      }
      return { status: 200, json: { value: issue(url.searchParams.get('audience') || state.defaultAudience) } }
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)))
  const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port

  return {
    /** Already holds a `?`: `core.getIDToken` appends `&audience=…`. */
    requestUrl: `http://127.0.0.1:${port}/token?api-version=2.0`,
    requestToken,
    faults,
    state,
    /** The issuer the emulator started with (tests may change `state.issuer` later). */
    issuer: state.issuer,
    publicKeyPem: /** @type {string} */ (publicKey.export({ type: 'spki', format: 'pem' })),
    /**
     * Claims of `jwt` when its RS256 signature verifies with this emulator's key, else undefined.
     * Times are not checked: that is the relying party's job (and its error to report).
     * @param {string} jwt
     * @returns {Record<string, unknown> | undefined}
     */
    verify(jwt) {
      const parts = jwt.split('.')
      if (parts.length !== 3) return undefined
      const [header, payload, signature] = /** @type {[string, string, string]} */ (parts)
      try {
        if (JSON.parse(Buffer.from(header, 'base64url').toString()).alg !== 'RS256') return undefined
        const valid = verifySignature(
          'sha256',
          Buffer.from(`${header}.${payload}`),
          publicKey,
          Buffer.from(signature, 'base64url')
        )
        return valid ? JSON.parse(Buffer.from(payload, 'base64url').toString()) : undefined
      } catch {
        return undefined
      }
    },
    async close() {
      faults.releaseAll()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(() => resolve(undefined)))
    }
  }
}

/**
 * The `sub` GitHub builds from a customized template: `key:value` pairs in the template's order, joined
 * by `:`, with `:` inside a value written `%3A`. `repo` is the repository, and `context` is what follows
 * the repository in the default subject (`environment:NAME`, `pull_request` or `ref:REF`)
 * (https://docs.github.com/en/actions/reference/security/oidc#customizing-the-subject-claims-for-an-organization-or-repository).
 * @param {readonly string[]} keys `include_claim_keys`
 * @param {Record<string, unknown>} claims The token's other claims.
 */
export function customizedSubject(keys, claims) {
  const escape = (/** @type {unknown} */ value) => String(value ?? '').replaceAll(':', '%3A')
  return keys
    .map((key) => {
      if (key === 'repo') return `repo:${escape(claims.repository)}`
      if (key === 'context') {
        if (claims.environment !== undefined) return `environment:${escape(claims.environment)}`
        return claims.event_name === 'pull_request' ? 'pull_request' : `ref:${escape(claims.ref)}`
      }
      return `${key}:${escape(claims[key])}`
    })
    .join(':')
}

/** @param {unknown} value */
const base64urlJson = (value) => Buffer.from(JSON.stringify(value)).toString('base64url')
