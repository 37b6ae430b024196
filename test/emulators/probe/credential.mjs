// @ts-check
/**
 * Child-process probe: asks a real @azure/identity credential for a token and prints one line
 * `PROBE_RESULT {json}`. A child process because NODE_EXTRA_CA_CERTS (the Entra emulator's CA) is read
 * only at process start.
 *
 * Environment:
 *   PROBE_CREDENTIAL  `client-assertion` (the OIDC exchange) or `managed-identity`
 *   PROBE_SCOPE       scope to ask for
 *   client-assertion: AZURE_TENANT_ID, AZURE_CLIENT_ID, PROBE_AUTHORITY_HOST, PROBE_AUDIENCE; the assertion
 *     comes from `core.getIDToken(PROBE_AUDIENCE)` (ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN), or is
 *     PROBE_ASSERTION verbatim when set.
 *   managed-identity: IDENTITY_ENDPOINT, IDENTITY_HEADER (read by MSAL), PROBE_CLIENT_ID optional.
 */
import { getIDToken } from '@actions/core'
import { ClientAssertionCredential, ManagedIdentityCredential } from '@azure/identity'

const env = process.env
const scope = env.PROBE_SCOPE ?? 'https://cognitiveservices.azure.com/.default'

function credential() {
  if (env.PROBE_CREDENTIAL === 'managed-identity') {
    return env.PROBE_CLIENT_ID
      ? new ManagedIdentityCredential({ clientId: env.PROBE_CLIENT_ID })
      : new ManagedIdentityCredential()
  }
  return new ClientAssertionCredential(
    env.AZURE_TENANT_ID ?? '',
    env.AZURE_CLIENT_ID ?? '',
    async () => env.PROBE_ASSERTION ?? (await getIDToken(env.PROBE_AUDIENCE)),
    { authorityHost: env.PROBE_AUTHORITY_HOST, disableInstanceDiscovery: true }
  )
}

let result
try {
  const token = await credential().getToken(scope)
  result = { ok: true, token: token.token, expiresOnTimestamp: token.expiresOnTimestamp }
} catch (error) {
  const err = /** @type {Error & { statusCode?: number }} */ (error)
  result = { ok: false, name: err.name, message: err.message, statusCode: err.statusCode }
}
process.stdout.write(`PROBE_RESULT ${JSON.stringify(result)}\n`)
