/**
 * `npm run doctor` end to end: the package script on Node 24, a fake `az` and `gh` on PATH, and the
 * project's emulators. The fake `az account get-access-token` hands out a token the Entra emulator
 * minted, as a signed-in Azure CLI would; the Azure OpenAI emulator checks it and its role.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { startEmulators } from './emulators/index.mjs'
import { fakeClis, npmRun, type FakeClis } from './fixtures/fake-cli.js'
import { federatedCredentialName } from '../src/entra-errors.js'

/** The Azure CLI's own application id: the `appid` of the tokens it gets for a user. */
const AZURE_CLI_APP_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46'
const RESOURCE = 'https://cognitiveservices.azure.com'
const REPO = 'octo-org/octo-repo'
const CLIENT_ID = '33333333-3333-3333-3333-333333333333'
const ISSUER = 'https://token.actions.githubusercontent.com'
const AUDIENCE = 'api://AzureADTokenExchange'

let emu: Awaited<ReturnType<typeof startEmulators>>
let fake: FakeClis
/** The signed-in user's object id, which the role is assigned to. */
let userObjectId: string

beforeEach(async () => {
  emu = await startEmulators()
  fake = fakeClis()
  fake.write('account.json', {
    environmentName: 'AzureCloud',
    name: 'Contoso Dev',
    tenantId: emu.entra.tenantId,
    tenantDefaultDomain: 'contoso.onmicrosoft.com',
    user: { name: 'dev@contoso.com', type: 'user' }
  })
  fake.write('resource.txt', RESOURCE)
  const token = emu.entra.mintAccessToken({ clientId: AZURE_CLI_APP_ID, aud: RESOURCE })
  fake.write('token.txt', token)
  userObjectId = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).oid
  emu.openai.state.roleHolders.clear()
  emu.openai.state.roleHolders.add(userObjectId)
  fake.write('app-credentials.json', [credential('repo:octo-org/octo-repo:pull_request')])
  fake.ghApi(`repos/${REPO}`, { full_name: REPO, id: 101, owner: { login: 'octo-org', id: 202 }, visibility: 'private' })
  fake.ghApi(`repos/${REPO}/actions/oidc/customization/sub`, { use_default: true })
})

afterEach(async () => {
  fake.close()
  await emu.close()
})

function credential(subject: string, name = 'github-pr') {
  return { name, issuer: ISSUER, subject, audiences: [AUDIENCE], description: null }
}

function doctor(extra: string[] = [], deployment = 'gpt-4o-mini') {
  return npmRun(
    'doctor',
    ['--endpoint', emu.openai.url, '--deployment', deployment, '--tenant-id', emu.entra.tenantId, ...extra],
    fake.env()
  )
}

/** The check lines (✓/✗ name) of the report, in order. */
function checks(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => /^[✓✗] /.test(line))
    .map((line) => line.slice(0, line.indexOf(':')))
}

function fixOf(stdout: string): string {
  return stdout.split('\n').find((line) => line.startsWith('  Fix: ')) ?? ''
}

const AZURE_CHECKS = [
  '✓ Azure CLI signed in',
  '✓ Token for Azure OpenAI',
  '✓ Endpoint',
  '✓ Data-plane role',
  '✓ Deployment',
  '✓ Structured output'
]

describe('npm run doctor', () => {
  it('passes every check on a correct setup, with one tiny chat request', async () => {
    const run = await doctor(['--client-id', CLIENT_ID, '--repo', REPO])

    expect(run.stderr).not.toMatch(/✗|Unexpected error/)
    expect(checks(run.stdout)).toEqual([...AZURE_CHECKS, '✓ Federated credentials'])
    expect(run.stdout).toMatch(/^✓ Azure CLI signed in: dev@contoso.com \(user\), tenant 11111111-/m)
    expect(run.stdout).toMatch(
      /'github-pr' admits the PR jobs of octo-org\/octo-repo \(subject repo:octo-org\/octo-repo:pull_request\)/
    )
    expect(run.stdout).toMatch(/All checks passed/)
    expect(run.code).toBe(0)
    const chats = emu.openai.requests.filter((r: { auth: string }) => r.auth === 'bearer')
    expect(chats).toHaveLength(1)
    expect(chats[0].body).toMatchObject({ max_completion_tokens: 16, response_format: { type: 'json_schema' } })
    expect(fake.calls()).toContainEqual([
      'az',
      'ad',
      'app',
      'federated-credential',
      'list',
      '--id',
      CLIENT_ID,
      '--output',
      'json'
    ])
  })

  it('stops at the login when the Azure CLI is not signed in', async () => {
    fake.remove('account.json')
    const run = await doctor()

    expect(checks(run.stdout)).toEqual(['✗ Azure CLI signed in'])
    expect(run.stdout).toMatch(/Please run 'az login'/)
    expect(fixOf(run.stdout)).toBe(`  Fix: Run \`az login --tenant ${emu.entra.tenantId}\`.`)
    expect(run.code).toBe(1)
    expect(emu.openai.requests).toHaveLength(0)
  })

  it('stops at the login when the Azure CLI is in another tenant', async () => {
    fake.write('account.json', {
      environmentName: 'AzureCloud',
      tenantId: '99999999-9999-9999-9999-999999999999',
      user: { name: 'dev@fabrikam.com', type: 'user' }
    })
    const run = await doctor()

    expect(checks(run.stdout)).toEqual(['✗ Azure CLI signed in'])
    expect(run.stdout).toMatch(/signed in to tenant 99999999-9999-9999-9999-999999999999, not 11111111-/)
    expect(fixOf(run.stdout)).toMatch(new RegExp(`Run \`az login --tenant ${emu.entra.tenantId}\``))
    expect(run.code).toBe(1)
  })

  it('names the role to assign, to the signed-in identity, when it has no data-plane role', async () => {
    emu.openai.state.roleHolders.clear()
    const run = await doctor()

    expect(checks(run.stdout)).toEqual(['✓ Azure CLI signed in', '✓ Token for Azure OpenAI', '✓ Endpoint', '✗ Data-plane role'])
    expect(fixOf(run.stdout)).toMatch(/"Cognitive Services OpenAI User" role/)
    expect(fixOf(run.stdout)).toContain(
      `az role assignment create --assignee ${userObjectId} --role "Cognitive Services OpenAI User"`
    )
    expect(run.code).toBe(1)
  })

  it('names the deployment that does not exist', async () => {
    const run = await doctor([], 'gpt-4o-typo')

    expect(checks(run.stdout)).toEqual([...AZURE_CHECKS.slice(0, 4), '✗ Deployment'])
    expect(fixOf(run.stdout)).toMatch(
      /Deployment 'gpt-4o-typo' not found on http:\/\/127\.0\.0\.1:\d+ .*check the deployment name/
    )
    expect(run.code).toBe(1)
  })

  it('says when the api-version or model rejects structured output', async () => {
    emu.openai.state.rejectJsonSchema = true
    const run = await doctor()

    expect(checks(run.stdout)).toEqual([...AZURE_CHECKS.slice(0, 5), '✗ Structured output'])
    expect(fixOf(run.stdout)).toMatch(/does not accept structured output/)
  })

  it('gives the command that adds the missing federated credential when none admits the PR jobs', async () => {
    fake.write('app-credentials.json', [credential('repo:octo-org/octo-repo:ref:refs/heads/main', 'main-branch')])
    const run = await doctor(['--client-id', CLIENT_ID, '--repo', REPO])

    expect(checks(run.stdout)).toEqual([...AZURE_CHECKS, '✗ Federated credentials'])
    expect(run.stdout).toMatch(
      /✗ main-branch: repo:octo-org\/octo-repo:ref:refs\/heads\/main — jobs that run on refs\/heads\/main/
    )
    expect(fixOf(run.stdout)).toContain(
      `az ad app federated-credential create --id ${CLIENT_ID} --parameters '{"name":"${federatedCredentialName('repo:octo-org/octo-repo:pull_request')}","issuer":"${ISSUER}","subject":"repo:octo-org/octo-repo:pull_request","audiences":["${AUDIENCE}"]}'`
    )
    expect(run.code).toBe(1)
  })

  it("judges a managed identity's credentials against the repository's customized subject template", async () => {
    fake.write('identities.json', [{ name: 'gh-pr-summary', resourceGroup: 'rg-ai' }])
    fake.write('identity-credentials.json', [credential('repo:octo-org/octo-repo:pull_request')])
    fake.ghApi(`repos/${REPO}/actions/oidc/customization/sub`, {
      use_default: false,
      include_claim_keys: ['repository_owner_id', 'repository_id', 'context']
    })
    const run = await doctor(['--client-id', CLIENT_ID, '--repo', REPO])

    expect(checks(run.stdout).at(-1)).toBe('✗ Federated credentials')
    expect(run.stdout).toMatch(/subject template: the repository's \(repository_owner_id, repository_id, context\)/)
    expect(fixOf(run.stdout)).toContain(
      `az identity federated-credential create --name ${federatedCredentialName('repository_owner_id:202:repository_id:101:pull_request')} --identity-name gh-pr-summary --resource-group rg-ai --issuer 'https://token.actions.githubusercontent.com' --subject 'repository_owner_id:202:repository_id:101:pull_request'`
    )

    fake.write('identity-credentials.json', [credential('repository_owner_id:202:repository_id:101:pull_request')])
    const fixed = await doctor(['--client-id', CLIENT_ID, '--repo', REPO])
    expect(checks(fixed.stdout)).toEqual([...AZURE_CHECKS, '✓ Federated credentials'])
    expect(fixed.code).toBe(0)
  })
})
