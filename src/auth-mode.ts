/** Which Azure credential a run uses: the `auth` input with `auto` resolved. Pure. */
import type { Settings } from './types.js'

/** The auth mode that runs, once `auto` is resolved. */
export type ResolvedAuthMode = 'oidc' | 'azure-cli' | 'managed-identity' | 'api-key' | 'default'

/**
 * The auth mode that will run. `auto`: oidc when client-id and tenant-id are known, else api-key when
 * an api-key is given, else DefaultAzureCredential.
 */
export function resolveAuthMode(settings: Settings): ResolvedAuthMode {
  if (settings.auth !== 'auto') return settings.auth
  if (settings.clientId && settings.tenantId) return 'oidc'
  if (settings.apiKey) return 'api-key'
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
