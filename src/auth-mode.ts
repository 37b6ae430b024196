/** Which Azure credential a run uses: the `auth` input with `auto` resolved. Pure. */
import type { Settings } from './types.js'

/** The auth mode that runs, once `auto` is resolved. */
export type ResolvedAuthMode = 'oidc' | 'azure-cli' | 'managed-identity' | 'api-key' | 'default'

/** The inputs keyless OIDC needs, as the workflow names them. */
export type OidcInput = 'client-id' | 'tenant-id'

/**
 * The inputs that `auth: auto` needed for OIDC but found empty, in a job that can get a GitHub OIDC
 * token and has no api-key; [] otherwise. Such a job uses an Azure CLI session (azure/login) if one is
 * signed in, and otherwise fails naming these inputs: it never falls through to DefaultAzureCredential,
 * which would probe managed identity and blame the authority for what is an unset variable.
 */
export function emptyOidcInputs(settings: Settings, hasIdToken: boolean): OidcInput[] {
  if (settings.auth !== 'auto' || !hasIdToken || settings.apiKey) return []
  const empty: OidcInput[] = []
  if (!settings.clientId) empty.push('client-id')
  if (!settings.tenantId) empty.push('tenant-id')
  return empty
}

/**
 * The auth mode that will run. `auto`: oidc when client-id and tenant-id are known, else api-key when
 * an api-key is given, else the Azure CLI session in a job that can get an OIDC token (see
 * emptyOidcInputs), else DefaultAzureCredential.
 */
export function resolveAuthMode(settings: Settings, hasIdToken: boolean): ResolvedAuthMode {
  if (settings.auth !== 'auto') return settings.auth
  if (settings.clientId && settings.tenantId) return 'oidc'
  if (settings.apiKey) return 'api-key'
  if (emptyOidcInputs(settings, hasIdToken).length > 0) return 'azure-cli'
  return 'default'
}

/** How each mode is named in the log, the footer and the job summary. */
export const AUTH_LABELS: Readonly<Record<ResolvedAuthMode, string>> = {
  oidc: 'keyless (OIDC)',
  'azure-cli': 'Azure CLI',
  'managed-identity': 'managed identity',
  'api-key': 'API key',
  default: 'DefaultAzureCredential'
}
