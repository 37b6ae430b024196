/**
 * Issue 11, "Errors": what `auth: auto` does in a job that can get a GitHub OIDC token but whose
 * client-id / tenant-id are empty, and the federated-credential mismatch error. dist/index.js runs as a
 * runner would against the emulators; a fake `az` on PATH stands in for the CLI that azure/login signs in.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { act, errors, plant, start, summaryComments, type Emulators } from './harness.js'

let emu: Emulators
let bin: string
beforeEach(async () => {
  emu = await start()
  bin = await mkdtemp(join(tmpdir(), 'fake-az-'))
})
afterEach(async () => {
  await emu.close()
  await rm(bin, { recursive: true, force: true })
})

/** Requests that reached a token endpoint: Entra's authority and managed identity, and GitHub's OIDC. */
function tokenRequests(): Record<string, number> {
  const hits: Record<string, number> = {}
  for (const faults of [emu.entra.faults, emu.oidc.faults]) {
    for (const [route, count] of faults.hits as Map<string, number>) hits[route] = count
  }
  return hits
}

/** An `az` that logs its arguments and runs `body`; returns the PATH that finds it, and its calls. */
async function fakeAz(body: string): Promise<{ path: string; calls: () => Promise<string[]> }> {
  const log = join(bin, 'calls')
  await writeFile(join(bin, 'az'), `#!/bin/sh\necho "$*" >> '${log}'\n${body}\n`)
  await chmod(join(bin, 'az'), 0o755)
  return {
    path: `${bin}:${process.env.PATH}`,
    calls: async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean)
  }
}

/**
 * What makes a wrong fallback observable: a managed identity endpoint the chain would use, and the
 * variables a misconfigured runner might carry.
 */
function probeableEnv(emu: Emulators): Record<string, string> {
  return { IDENTITY_ENDPOINT: emu.entra.msiEndpoint, IDENTITY_HEADER: emu.entra.msiHeader }
}

describe("auth 'auto' in a job with an OIDC token but empty client-id / tenant-id", () => {
  it.each([
    ['az is installed but signed in to nothing', `echo "ERROR: Please run 'az login' to setup account." >&2; exit 1`],
    ['az is not installed', undefined]
  ])('%s: fails fast naming both inputs and their variables, contacting no token endpoint', async (_case, body) => {
    const { pr, event } = plant(emu)
    const az = body === undefined ? { path: bin, calls: async () => [] } : await fakeAz(body)
    const run = await act(emu, event, {
      inputs: { 'client-id': '', 'tenant-id': '' },
      env: { ...probeableEnv(emu), PATH: az.path }
    })
    expect(run.code).toBe(1)
    expect(errors(run)).toHaveLength(1)
    const [line] = errors(run)
    expect(line).toContain("Inputs 'client-id' and 'tenant-id' are empty and no Azure CLI session is signed in")
    expect(line).toContain('vars.AZURE_CLIENT_ID and vars.AZURE_TENANT_ID')
    expect(line).toContain(
      'gh variable set AZURE_CLIENT_ID --body <client-id>; gh variable set AZURE_TENANT_ID --body <tenant-id>'
    )
    expect(line).toContain('run azure/login before this step')
    expect(line).not.toMatch(/authority-host|DefaultAzureCredential|managed identity/i)
    expect(tokenRequests()).toEqual({})
    expect(emu.oidc.state.issued).toBe(0)
    expect(emu.entra.issued).toHaveLength(0)
    expect(emu.openai.requests).toHaveLength(0)
    expect(summaryComments(emu, pr)).toHaveLength(0)
    expect(await az.calls()).toHaveLength(body === undefined ? 0 : 1)
  })

  it('only tenant-id empty: names only tenant-id and vars.AZURE_TENANT_ID', async () => {
    const { event } = plant(emu)
    const az = await fakeAz(`echo "ERROR: Please run 'az login' to setup account." >&2; exit 1`)
    const run = await act(emu, event, { inputs: { 'tenant-id': '' }, env: { ...probeableEnv(emu), PATH: az.path } })
    expect(run.code).toBe(1)
    expect(errors(run)).toHaveLength(1)
    expect(errors(run)[0]).toContain("Input 'tenant-id' is empty")
    expect(errors(run)[0]).toContain('it usually comes from vars.AZURE_TENANT_ID;')
    expect(errors(run)[0]).not.toContain('AZURE_CLIENT_ID')
    expect(tokenRequests()).toEqual({})
  })

  it('after azure/login: uses the Azure CLI session, and asks neither GitHub nor Entra for a token', async () => {
    const { pr, event } = plant(emu)
    const token = emu.entra.mintAccessToken({ aud: 'https://cognitiveservices.azure.com' })
    const expires = Math.floor(Date.now() / 1000) + 3600
    const answer = JSON.stringify({ accessToken: token, expiresOn: new Date(expires * 1000).toISOString(), expires_on: expires })
    const az = await fakeAz(`cat <<'EOF'\n${answer}\nEOF`)
    const run = await act(emu, event, {
      inputs: { 'client-id': '', 'tenant-id': '' },
      env: { ...probeableEnv(emu), PATH: az.path }
    })
    expect(errors(run)).toEqual([])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(
      "auth 'auto': client-id and tenant-id are empty, so the Azure CLI session (azure/login) is used if one is signed in."
    )
    expect(run.stdout).toContain('Azure auth: Azure CLI')
    expect(run.summary).toContain('Azure CLI')
    expect(await az.calls()).toEqual(['account get-access-token --output json --resource https://cognitiveservices.azure.com'])
    expect(emu.openai.requests[0]?.auth).toBe('bearer')
    expect(summaryComments(emu, pr)).toHaveLength(1)
    expect(tokenRequests()).toEqual({})
    expect(emu.oidc.state.issued).toBe(0)
  })

  it('outside a job with an OIDC token, auto keeps the DefaultAzureCredential chain', async () => {
    const { pr, event } = plant(emu)
    const run = await act(emu, event, {
      inputs: { 'client-id': '', 'tenant-id': '' },
      env: { ...probeableEnv(emu), PATH: bin, ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' }
    })
    expect(errors(run)).toEqual([])
    expect(run.summary).toContain('DefaultAzureCredential')
    expect(emu.entra.issued.map((record: { via: string }) => record.via)).toEqual(['managed_identity'])
    // The probe that the tests above find empty does see a request when one is made.
    expect(Object.keys(tokenRequests())).toContain('entra.msi')
    expect(summaryComments(emu, pr)).toHaveLength(1)
  })
})

describe('the federated-credential mismatch error', () => {
  it('quotes a customized subject and gives the managed-identity command first, with a name derived from it', async () => {
    const { event } = plant(emu)
    const subject = 'repository_owner:octo-org:job_workflow_ref:octo-org/.github/.github/workflows/pr-summary.yml@refs/heads/main'
    emu.oidc.state.sub = subject
    const run = await act(emu, event)
    expect(run.code).toBe(1)
    expect(errors(run)).toHaveLength(1)
    const [line = ''] = errors(run)
    expect(line).toContain(`subject ${subject}, audience api://AzureADTokenExchange`)
    const identity = line.indexOf(
      `az identity federated-credential create --name gh-octo-org-octo-org-github-github-workflows-pr-summary-yml-ref-`
    )
    const app = line.indexOf(`az ad app federated-credential create --id ${emu.entra.clientId}`)
    expect(identity).toBeGreaterThan(0)
    expect(app).toBeGreaterThan(identity)
    expect(line).toContain(`--subject '${subject}'`)
    expect(line).not.toContain('github-pr-summary')
    // A customized template has no environment part to add.
    expect(line).not.toContain('names no environment')
  })

  it('a repo subject without an environment, in the repository case → suggests environment: and warns about case', async () => {
    const { event } = plant(emu)
    emu.oidc.state.sub = 'repo:Octo-Org/octo-repo:pull_request'
    const run = await act(emu, event)
    expect(run.code).toBe(1)
    const [line = ''] = errors(run)
    expect(line).toContain(
      'add `environment: NAME` to the job rather than a credential for every pull_request job of the repository'
    )
    expect(line).toContain('repo:Octo-Org/octo-repo:environment:NAME')
    expect(line).toContain('Entra compares subjects case-sensitively and this one has capitals (Octo-Org)')
  })
})
