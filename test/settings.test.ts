import { describe, expect, it } from '@jest/globals'
import { parseEndpoint, parseGlobs, readSettings, type InputSource } from '../src/settings.js'

const CLIENT = '22222222-2222-2222-2222-222222222222'
const TENANT = '11111111-1111-1111-1111-111111111111'

function source(inputs: Record<string, string>, extra: Partial<InputSource> = {}): InputSource {
  return {
    getInput: (name) => inputs[name] ?? '',
    env: {},
    event: { pull_request: { number: 7 } },
    eventName: 'pull_request',
    ...extra
  }
}

const minimal = { endpoint: 'https://contoso.openai.azure.com', deployment: 'gpt-4o-mini', 'github-token': 'ghs_x' }

describe('readSettings', () => {
  it('applies the contract defaults', () => {
    const settings = readSettings(source(minimal))
    expect(settings).toMatchObject({
      endpoint: 'https://contoso.openai.azure.com',
      deployment: 'gpt-4o-mini',
      apiVersion: '',
      auth: 'auto',
      cloud: 'AzureCloud',
      authorityHost: 'https://login.microsoftonline.com',
      customAuthority: false,
      audience: 'api://AzureADTokenExchange',
      tokenScope: 'https://cognitiveservices.azure.com/.default',
      publish: 'comment',
      language: 'English',
      maxInputTokens: 32000,
      maxOutputTokens: 1500,
      maxConcurrency: 4,
      maxModelCalls: 12,
      timeoutSeconds: 300,
      skipDrafts: true,
      pullNumber: 7,
      include: [],
      exclude: []
    })
  })

  it('takes client and tenant from AZURE_* variables when the inputs are empty', () => {
    const settings = readSettings(source(minimal, { env: { AZURE_CLIENT_ID: CLIENT, AZURE_TENANT_ID: TENANT } }))
    expect(settings.clientId).toBe(CLIENT)
    expect(settings.tenantId).toBe(TENANT)
  })

  it('uses per-cloud defaults for sovereign clouds, case-insensitively', () => {
    const gov = readSettings(source({ ...minimal, cloud: 'azureusgovernment' }))
    expect(gov.cloud).toBe('AzureUSGovernment')
    expect(gov.authorityHost).toBe('https://login.microsoftonline.us')
    expect(gov.tokenScope).toBe('https://cognitiveservices.azure.us/.default')
    expect(gov.audience).toBe('api://AzureADTokenExchangeUSGov')
    const china = readSettings(source({ ...minimal, cloud: 'AzureChinaCloud' }))
    expect(china.authorityHost).toBe('https://login.chinacloudapi.cn')
    expect(china.tokenScope).toBe('https://cognitiveservices.azure.cn/.default')
    expect(china.audience).toBe('api://AzureADTokenExchangeChina')
  })

  it('marks a non-public authority host as custom (instance discovery off), from the input or AZURE_AUTHORITY_HOST', () => {
    expect(readSettings(source({ ...minimal, 'authority-host': 'https://127.0.0.1:8443/' })).customAuthority).toBe(true)
    const fromEnv = readSettings(source(minimal, { env: { AZURE_AUTHORITY_HOST: 'https://login.contoso-stack.local' } }))
    expect(fromEnv.authorityHost).toBe('https://login.contoso-stack.local')
    expect(fromEnv.customAuthority).toBe(true)
    expect(readSettings(source({ ...minimal, 'authority-host': 'https://login.microsoftonline.us' })).customAuthority).toBe(false)
  })

  it('splits include/exclude on newlines and commas', () => {
    const settings = readSettings(
      source({ ...minimal, include: 'src/**\n  lib/**, # comment\n\n', exclude: '**/*.snap,docs/**' })
    )
    expect(settings.include).toEqual(['src/**', 'lib/**'])
    expect(settings.exclude).toEqual(['**/*.snap', 'docs/**'])
    expect(parseGlobs('')).toEqual([])
  })

  it('reads skip-authors as logins with wildcards; empty skips nobody', () => {
    expect(readSettings(source(minimal)).skipAuthors).toEqual([])
    // action.yml's default, as the runner passes it when the input is left out.
    expect(readSettings(source({ ...minimal, 'skip-authors': 'dependabot[bot], renovate[bot]' })).skipAuthors).toEqual([
      'dependabot[bot]',
      'renovate[bot]'
    ])
    expect(
      readSettings(source({ ...minimal, 'skip-authors': '@octo-bot\n*[bot]\n# people too\nrelease-?' })).skipAuthors
    ).toEqual(['octo-bot', '*[bot]', 'release-?'])
  })

  it('reads instructions-file as a path from the repository root', () => {
    expect(readSettings(source(minimal)).instructionsFile).toBe('')
    expect(readSettings(source({ ...minimal, 'instructions-file': ' ./.github/pr-summary.md ' })).instructionsFile).toBe(
      '.github/pr-summary.md'
    )
  })

  it('prefers the pull-number input over the event, and reads issue_comment events on PRs', () => {
    expect(readSettings(source({ ...minimal, 'pull-number': '42' })).pullNumber).toBe(42)
    const comment = source(minimal, { event: { issue: { number: 9, pull_request: { url: 'x' } } }, eventName: 'issue_comment' })
    expect(readSettings(comment).pullNumber).toBe(9)
    const issueOnly = source(minimal, { event: { issue: { number: 9 } }, eventName: 'issue_comment' })
    expect(readSettings(issueOnly).pullNumber).toBeUndefined()
  })

  it.each([
    [{ endpoint: '' }, "Input 'endpoint' is empty: it usually comes from vars.AZURE_OPENAI_ENDPOINT"],
    [{ endpoint: '  ' }, 'gh variable set AZURE_OPENAI_ENDPOINT --body https://NAME.openai.azure.com'],
    [{ endpoint: 'http://contoso.openai.azure.com' }, 'must use https://'],
    [{ endpoint: 'not a url' }, "Invalid endpoint 'not a url'"],
    [
      { endpoint: 'https://contoso.openai.azure.com/openai/deployments/gpt/chat/completions' },
      "the deployment goes in the 'deployment' input"
    ],
    [{ endpoint: 'https://contoso.openai.azure.com/?api-version=2024-10-21' }, "put the api-version in the 'api-version' input"],
    [{ endpoint: 'https://contoso.services.ai.azure.com/api/projects/p1' }, 'Foundry project endpoint'],
    [{ deployment: '' }, "Input 'deployment' is empty: it usually comes from vars.AZURE_OPENAI_DEPLOYMENT"],
    [{ deployment: '' }, 'gh variable set AZURE_OPENAI_DEPLOYMENT --body <deployment>'],
    [{ deployment: 'https://x' }, "Invalid deployment 'https://x'"],
    [{ 'api-version': '2024-10' }, "Invalid api-version '2024-10'"],
    [{ auth: 'password' }, "Invalid auth 'password'. Allowed: auto, oidc, azure-cli, managed-identity, api-key."],
    [{ auth: 'oidc' }, "auth 'oidc' needs client-id and tenant-id (missing: client-id, tenant-id)"],
    [{ auth: 'api-key' }, "auth 'api-key' needs the api-key input"],
    [{ cloud: 'Mars' }, "Invalid cloud 'Mars'. Allowed: AzureCloud, AzureUSGovernment, AzureChinaCloud."],
    [{ publish: 'tweet' }, "Invalid publish 'tweet'. Allowed: comment, description, none."],
    [{ 'skip-authors': 'octo-org/reviewers' }, "Invalid skip-authors entry 'octo-org/reviewers'. Expected GitHub logins"],
    [{ 'skip-authors': 'app/dependabot' }, "Invalid skip-authors entry 'app/dependabot'"],
    [{ 'instructions-file': '/etc/passwd' }, "Invalid instructions-file '/etc/passwd'. Expected a file path relative"],
    [{ 'instructions-file': '../other-repo/prompt.md' }, "Invalid instructions-file '../other-repo/prompt.md'"],
    [{ 'instructions-file': '.github/' }, "Invalid instructions-file '.github/'"],
    [{ 'instructions-file': '.github\\prompt.md' }, "Invalid instructions-file '.github\\prompt.md'"],

    [
      { 'max-input-tokens': 'lots' },
      "Invalid max-input-tokens 'lots'. Expected a whole number from 2000 to 1000000 (default 32000)."
    ],
    [{ 'max-model-calls': '0' }, "Invalid max-model-calls '0'"],
    [{ 'max-concurrency': '1.5' }, "Invalid max-concurrency '1.5'"],
    [{ 'client-id': 'my-app' }, "Invalid client-id 'my-app'"],
    [{ 'tenant-id': 'not a tenant' }, "Invalid tenant-id 'not a tenant'"],
    [{ 'authority-host': 'http://login.microsoftonline.com' }, 'must use https://'],
    [{ 'pull-number': '#12' }, "Invalid pull-number '#12'"],
    [{ 'skip-drafts': 'maybe' }, "Invalid skip-drafts 'maybe'. Expected true or false."]
  ])('rejects %j with a message naming the input and the fix', (override, message) => {
    expect(() => readSettings(source({ ...minimal, ...override }))).toThrow(message)
  })
})

describe('parseEndpoint', () => {
  it.each([
    ['https://contoso.openai.azure.com', 'https://contoso.openai.azure.com'],
    ['https://contoso.openai.azure.com/', 'https://contoso.openai.azure.com'],
    ['https://contoso.openai.azure.com/openai', 'https://contoso.openai.azure.com'],
    ['https://contoso.openai.azure.com/openai/v1/', 'https://contoso.openai.azure.com'],
    ['https://contoso.cognitiveservices.azure.com/openai/v1', 'https://contoso.cognitiveservices.azure.com'],
    ['https://contoso.services.ai.azure.com', 'https://contoso.services.ai.azure.com'],
    ['https://apim.contoso.com/aoai/', 'https://apim.contoso.com/aoai'],
    ['https://apim.contoso.com/aoai/openai', 'https://apim.contoso.com/aoai'],
    ['http://127.0.0.1:8080/openai/v1', 'http://127.0.0.1:8080'],
    ['http://localhost:8080', 'http://localhost:8080']
  ])('normalizes %s', (input, expected) => {
    expect(parseEndpoint(input)).toBe(expected)
  })
})
