/**
 * Sovereign-cloud defaults, kept apart from src/auth.ts so that settings can read them without
 * loading @azure/identity.
 */

import type { CloudName } from './types.js'

/** What an Azure cloud decides for keyless auth: where Entra ID lives, which token, which audience. */
export interface CloudDefaults {
  /** Entra ID authority host, `https://…` without a trailing slash. */
  readonly authorityHost: string
  /** Scope of the access token that Azure OpenAI accepts in this cloud. */
  readonly tokenScope: string
  /** Audience Entra ID expects in a GitHub OIDC token it exchanges (workload identity federation). */
  readonly audience: string
}

/**
 * Per-cloud defaults. Authority hosts as in @azure/identity's `AzureAuthorityHosts`; audiences as in
 * https://learn.microsoft.com/entra/workload-id/workload-identity-federation-create-trust
 * (and Azure/login's defaults); scopes as in the Azure OpenAI docs for each cloud.
 */
export const CLOUDS: Readonly<Record<CloudName, CloudDefaults>> = {
  AzureCloud: {
    authorityHost: 'https://login.microsoftonline.com',
    tokenScope: 'https://cognitiveservices.azure.com/.default',
    audience: 'api://AzureADTokenExchange'
  },
  AzureUSGovernment: {
    authorityHost: 'https://login.microsoftonline.us',
    tokenScope: 'https://cognitiveservices.azure.us/.default',
    audience: 'api://AzureADTokenExchangeUSGov'
  },
  AzureChinaCloud: {
    authorityHost: 'https://login.chinacloudapi.cn',
    tokenScope: 'https://cognitiveservices.azure.cn/.default',
    audience: 'api://AzureADTokenExchangeChina'
  }
}

/**
 * Entra ID hosts that MSAL's instance discovery knows (the aliases in @azure/msal-common's
 * AuthorityMetadata.ts). Any other authority host (Azure Stack, a private cloud, a local emulator)
 * needs instance discovery turned off, or MSAL rejects it.
 */
const KNOWN_AUTHORITY_HOSTS: ReadonlySet<string> = new Set([
  'login.microsoftonline.com',
  'login.windows.net',
  'login.microsoft.com',
  'sts.windows.net',
  'login.partner.microsoftonline.cn',
  'login.chinacloudapi.cn',
  'login.microsoftonline.de',
  'login.microsoftonline.us',
  'login.usgovcloudapi.net',
  'login-us.microsoftonline.com',
  'login.sovcloud-identity.fr',
  'login.sovcloud-identity.de',
  'login.sovcloud-identity.sg'
])

/** True when `authorityHost` (an https URL) is a well-known Entra ID host, so instance discovery can stay on. */
export function isKnownAuthorityHost(authorityHost: string): boolean {
  let url: URL
  try {
    url = new URL(authorityHost)
  } catch {
    return false
  }
  return url.protocol === 'https:' && url.port === '' && KNOWN_AUTHORITY_HOSTS.has(url.hostname.toLowerCase())
}
