/**
 * `npm run doctor`: the Azure setup checked from a developer's terminal, in the order a run meets it,
 * stopping at the first failure with the fix. The token, the chat request and the fixes for Azure
 * OpenAI's answers come from the action's own modules (auth.ts, model.ts, openai-errors.ts via
 * ModelError, entra-errors.ts for federated credentials); only what a runner never meets (the Azure CLI
 * login, the tenant, the cloud) has texts of its own here.
 */
import { createAuth } from './auth.js'
import {
  CHECKS,
  type CheckResult,
  type DoctorOptions,
  type DoctorTools,
  fail,
  parseJson,
  pass,
  rootMessage
} from './doctor-checks.js'
import { federationChecks } from './doctor-federation.js'
import { ActionError, ModelError } from './errors.js'
import { decodeJwtPayload } from './jwt.js'
import { commandError } from './local.js'
import { createModelClient, modelUrl } from './model.js'
import { configuredProxies, networkFailure, proxyFetch } from './proxy.js'
import { readSettings } from './settings.js'
import type { Settings } from './types.js'

/** Azure OpenAI's `accounts` host names: NAME.openai.azure.com and its cognitiveservices / services.ai forms. */
const ACCOUNT_HOST = /^([^.]+)\.(?:openai|cognitiveservices|services\.ai)\.azure\.(?:com|us|cn)$/i

/** The smallest structured-output request: the answer is a few tokens of JSON. */
const TINY_SCHEMA = {
  name: 'doctor',
  schema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'], additionalProperties: false }
}

/**
 * Runs the checks in order and yields each result as it is known; stops after the first failure,
 * since what follows depends on it.
 */
export async function* runDoctor(options: DoctorOptions, tools: DoctorTools): AsyncGenerator<CheckResult> {
  const settings = doctorSettings(options)
  for await (const result of azureChecks(settings, tools)) {
    yield result
    if (!result.ok) return
  }
  for await (const result of federationChecks(settings, options, tools)) {
    yield result
    if (!result.ok) return
  }
}

function doctorSettings(options: DoctorOptions): Settings {
  const inputs: Record<string, string> = {
    endpoint: options.target.endpoint,
    deployment: options.target.deployment,
    'api-version': options.target.apiVersion,
    auth: 'azure-cli',
    'tenant-id': options.tenantId ?? '',
    // Validated like the input (a GUID); the checks use it only to find the identity's credentials.
    'client-id': options.clientId ?? '',
    cloud: options.cloud ?? ''
  }
  return readSettings({ getInput: (name) => inputs[name] ?? '', env: {}, event: {}, eventName: 'workflow_dispatch' })
}

interface Account {
  readonly tenantId?: string
  readonly tenantDefaultDomain?: string
  readonly environmentName?: string
  readonly name?: string
  readonly user?: { readonly name?: string; readonly type?: string }
}

async function* azureChecks(settings: Settings, tools: DoctorTools): AsyncGenerator<CheckResult> {
  const tenantFlag = settings.tenantId ? ` --tenant ${settings.tenantId}` : ''
  const cloudFirst = settings.cloud === 'AzureCloud' ? '' : `az cloud set --name ${settings.cloud}, then `

  // 1. The Azure CLI, signed in, in the cloud and tenant of the resource.
  const shown = await tools.run('az', ['account', 'show', '--output', 'json'])
  if (shown.missing) {
    yield fail(
      CHECKS.login,
      'the Azure CLI (az) is not installed',
      `Install it (https://aka.ms/azure-cli), then run \`az login${tenantFlag}\`.`
    )
    return
  }
  if (shown.code !== 0) {
    yield fail(CHECKS.login, `az account show: ${commandError(shown)}`, `Run \`${cloudFirst}az login${tenantFlag}\`.`)
    return
  }
  const account = parseJson<Account>(shown.stdout) ?? {}
  const who = `${account.user?.name ?? 'unknown user'}${account.user?.type ? ` (${account.user.type})` : ''}`
  if (account.environmentName && account.environmentName !== settings.cloud) {
    yield fail(
      CHECKS.login,
      `signed in to ${account.environmentName}, but the endpoint is in ${settings.cloud}`,
      `Run \`az cloud set --name ${settings.cloud}\`, then \`az login${tenantFlag}\` (or pass --cloud ${account.environmentName}).`
    )
    return
  }
  if (settings.tenantId && !sameTenant(account, settings.tenantId)) {
    yield fail(
      CHECKS.login,
      `${who} is signed in to tenant ${account.tenantId ?? 'unknown'}${account.tenantDefaultDomain ? ` (${account.tenantDefaultDomain})` : ''}, not ${settings.tenantId}`,
      `Run \`az login --tenant ${settings.tenantId}\` (or \`az account set --subscription <a subscription of that tenant>\`), or pass the --tenant-id of the resource.`
    )
    return
  }
  yield pass(
    CHECKS.login,
    `${who}, tenant ${account.tenantId ?? 'unknown'}, subscription ${account.name ? `'${account.name}'` : 'unknown'}, cloud ${account.environmentName ?? settings.cloud}`
  )

  // 2. A token for the Cognitive Services scope, through the action's own azure-cli credential.
  const auth = createAuth(settings, {
    hasIdToken: false,
    // Never called: the azure-cli credential does not use a GitHub OIDC token.
    getIDToken: () => Promise.reject(new Error('The doctor has no GitHub OIDC token.')),
    setSecret: () => undefined,
    log: tools.log,
    env: tools.env
  })
  let token: string
  try {
    token = await auth.getToken()
  } catch (error) {
    const resource = settings.tokenScope.replace(/\/\.default$/, '')
    yield fail(
      CHECKS.token,
      `the Azure CLI gave no token for ${settings.tokenScope}: ${rootMessage(error)}`,
      `Run \`az account get-access-token --resource ${resource}${tenantFlag}\` to see the Azure CLI's own error; if it asks you to sign in again, run \`az login --scope ${settings.tokenScope}${tenantFlag}\`.`
    )
    return
  }
  const claims = decodeJwtPayload(token) ?? {}
  const text = (name: string): string | undefined => (typeof claims[name] === 'string' ? (claims[name] as string) : undefined)
  // A user's token names the user in upn; the Azure CLI's own app id (appid) would only confuse.
  const identity =
    text('upn') ?? text('unique_name') ?? text('preferred_username') ?? account.user?.name ?? text('appid') ?? 'unknown'
  const objectId = text('oid')
  const exp = typeof claims.exp === 'number' ? claims.exp : undefined
  const minutes = exp === undefined ? undefined : Math.max(0, Math.round((exp * 1000 - Date.now()) / 60_000))
  yield pass(
    CHECKS.token,
    `${settings.tokenScope} for ${identity}${objectId ? ` (object id ${objectId})` : ''}${minutes === undefined ? '' : `, valid for ${minutes} min`}`
  )

  // 3. The endpoint resolves and answers like Azure OpenAI (an unauthenticated request: no tokens spent).
  const endpoint = await probeEndpoint(settings, tools.env)
  yield endpoint
  if (!endpoint.ok) return

  // 4-6. One tiny chat request with structured output: Azure answers a missing role (401/403) before
  // an unknown deployment (404), and both before a response_format it does not support (400).
  // The role fix names the signed-in identity, which is what the request was made as.
  const asSignedIn: Settings = { ...settings, clientId: objectId ?? '' }
  const api = settings.apiVersion ? `api-version ${settings.apiVersion}` : 'the v1 API'
  try {
    const client = await createModelClient(asSignedIn, auth, { log: tools.log, timeoutMs: 60_000, maxRetries: 1 })
    const answer = await client.chat({
      messages: [
        { role: 'system', content: 'Answer with the JSON object {"ok": true}.' },
        { role: 'user', content: 'ok?' }
      ],
      maxOutputTokens: 16,
      jsonSchema: TINY_SCHEMA
    })
    yield pass(CHECKS.role, `${identity} may call chat completions on ${settings.endpoint}`)
    yield pass(CHECKS.deployment, `'${settings.deployment}' answered (${answer.promptTokens + answer.completionTokens} tokens)`)
    yield pass(CHECKS.structured, `${api} accepts response_format json_schema`)
  } catch (error) {
    const kind = error instanceof ModelError ? error.kind : undefined
    const message = error instanceof ActionError ? error.message : rootMessage(error)
    if (kind === undefined || kind === 'network' || kind === 'timeout') {
      yield fail(CHECKS.chat, `no answer to a 16-token request to '${settings.deployment}'`, message)
      return
    }
    if (kind === 'auth') {
      yield fail(CHECKS.role, `Azure OpenAI refused ${identity}'s token`, message)
      return
    }
    yield pass(CHECKS.role, `${identity} passed Azure OpenAI's role check`)
    if (kind === 'not-found') {
      yield fail(CHECKS.deployment, `no deployment '${settings.deployment}' on ${settings.endpoint}`, message)
      return
    }
    if (kind === 'json-schema-unsupported') {
      yield pass(CHECKS.deployment, `'${settings.deployment}' exists`)
      yield fail(CHECKS.structured, `${api} or the model rejected response_format json_schema`, message)
      return
    }
    yield fail(CHECKS.chat, `a 16-token request to '${settings.deployment}' failed`, message)
  }
}

/**
 * The endpoint answers an unauthenticated chat request the way Azure OpenAI does (401 with Azure's
 * error body or request-id headers). A failure to connect names the cause: DNS, TLS, a proxy.
 */
async function probeEndpoint(settings: Settings, env: NodeJS.ProcessEnv): Promise<CheckResult> {
  const host = new URL(settings.endpoint).host
  const account = ACCOUNT_HOST.exec(new URL(settings.endpoint).hostname)?.[1]
  const kind = account
    ? `Azure OpenAI resource '${account}'`
    : `${host} (not an *.openai.azure.com name: taken as a gateway or private endpoint)`
  const portal =
    'copy the resource endpoint from the Azure portal (the resource → Keys and Endpoint) or the Foundry portal (Overview)'
  let response: Response
  try {
    const fetcher = await proxyFetch(env)
    response = await fetcher(modelUrl(settings), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(30_000)
    })
  } catch (error) {
    const network = networkFailure(error) ?? rootMessage(error)
    const proxies = configuredProxies(env)
    return fail(
      CHECKS.endpoint,
      `cannot reach ${settings.endpoint} (${network})`,
      /ENOTFOUND|EAI_AGAIN/.test(network)
        ? `The host ${host} does not resolve: ${portal}; for a private endpoint, run this where its private DNS zone resolves.`
        : `Check --endpoint (${portal})${proxies.length > 0 ? `, and the proxy ${proxies[0]?.url} (${proxies[0]?.variable}) or NO_PROXY` : ', and HTTPS_PROXY / NO_PROXY behind a proxy'}.`
    )
  }
  const body = await response.text().catch(() => '')
  const azureLike =
    response.headers.has('apim-request-id') || response.headers.has('x-ms-region') || /"error"\s*:\s*\{/.test(body)
  if ((response.status === 401 || response.status === 403) && azureLike) {
    return pass(CHECKS.endpoint, `${settings.endpoint} is ${kind} and asks for a credential`)
  }
  return fail(
    CHECKS.endpoint,
    `${settings.endpoint} answered ${response.status} to an unauthenticated chat request, not Azure OpenAI's 401`,
    `Use the resource endpoint, such as https://NAME.openai.azure.com (not a Foundry project, deployment or other service URL): ${portal}.`
  )
}

/** A tenant id matches the account's GUID, or its default domain. */
function sameTenant(account: Account, tenant: string): boolean {
  const wanted = tenant.toLowerCase()
  return account.tenantId?.toLowerCase() === wanted || account.tenantDefaultDomain?.toLowerCase() === wanted
}
