/**
 * Issue: keyless end to end. dist/index.js runs as a runner would against the four emulators.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { samplePullRequest } from '../emulators/fixtures.mjs'
import { contentFilterFault } from '../emulators/openai.mjs'
import { API_KEY, act, errors, notices, plant, start, summaryComments, warnings, type Emulators } from './harness.js'

let emu: Emulators
beforeEach(async () => {
  emu = await start()
})
afterEach(async () => {
  await emu.close()
})

describe('keyless summary, end to end', () => {
  it('exchanges the GitHub OIDC token with Entra ID, calls the v1 API and posts one sticky comment', async () => {
    const { pr, event } = plant(emu)
    const run = await act(emu, event)
    expect(errors(run)).toEqual([])
    expect(run.code).toBe(0)

    const comments = summaryComments(emu, pr)
    expect(comments).toHaveLength(1)
    expect(comments[0].user.login).toBe('github-actions[bot]')
    expect(run.outputs['comment-id']).toBe(String(comments[0].id))
    expect(run.outputs['comment-url']).toBe(comments[0].html_url)
    expect(run.outputs.skipped).toBe('')
    expect(Number(run.outputs['model-calls'])).toBe(1)
    expect(Number(run.outputs['prompt-tokens'])).toBeGreaterThan(0)
    expect(Number(run.outputs['files-total'])).toBe(pr.files.length)
    expect(run.outputs.summary.length).toBeGreaterThan(0)
    expect(comments[0].body).toContain(run.outputs.summary)
    expect(run.summary).toContain(run.outputs.summary)
    expect(run.summary).toContain('keyless (OIDC)')

    // The request went to the v1 route with the deployment as the model, with a bearer token.
    expect(emu.openai.requests).toHaveLength(1)
    expect(emu.openai.requests[0]).toMatchObject({ path: '/openai/v1/chat/completions', auth: 'bearer' })
    expect(emu.openai.requests[0].body.model).toBe('gpt-4o-mini')
    expect(emu.openai.requests[0].body.max_completion_tokens).toBe(1500)
    // One Entra exchange, and the Azure token was masked before anything could print it.
    expect(emu.entra.issued).toHaveLength(1)
    expect(run.stdout).toContain(`::add-mask::${emu.entra.issued[0].token}`)
    expect(run.stdout).toMatch(/sub.*repo:octo-org\/octo-repo:pull_request/)
  })

  it('uses the classic deployments route for a dated api-version', async () => {
    const { event } = plant(emu)
    const run = await act(emu, event, { inputs: { 'api-version': '2024-10-21' } })
    expect(errors(run)).toEqual([])
    expect(emu.openai.requests[0].path).toBe('/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21')
  })

  it('tolerates an endpoint pasted with /openai/v1/', async () => {
    const { event } = plant(emu)
    const run = await act(emu, event, { inputs: { endpoint: `${emu.openai.url}/openai/v1/` } })
    expect(errors(run)).toEqual([])
    expect(emu.openai.requests[0].path).toBe('/openai/v1/chat/completions')
  })

  it('api-key mode: masks the key, warns that keyless is preferred, sends the api-key header', async () => {
    const { pr, event } = plant(emu)
    const run = await act(emu, event, { inputs: { auth: 'api-key', 'api-key': API_KEY, 'client-id': '', 'tenant-id': '' } })
    expect(errors(run)).toEqual([])
    expect(run.stdout).toContain(`::add-mask::${API_KEY}`)
    expect(warnings(run).join('\n')).toMatch(/keyless/i)
    expect(emu.openai.requests[0].auth).toBe('api-key')
    expect(emu.entra.issued).toHaveLength(0)
    expect(summaryComments(emu, pr)).toHaveLength(1)
  })

  it('managed-identity mode: gets the token from the managed identity endpoint', async () => {
    const { pr, event } = plant(emu)
    const run = await act(emu, event, {
      inputs: { auth: 'managed-identity', 'tenant-id': '' },
      env: { IDENTITY_ENDPOINT: emu.entra.msiEndpoint, IDENTITY_HEADER: emu.entra.msiHeader }
    })
    expect(errors(run)).toEqual([])
    expect(emu.entra.issued.map((record: { via: string }) => record.via)).toEqual(['managed_identity'])
    expect(summaryComments(emu, pr)).toHaveLength(1)
  })

  it('azure-cli mode: uses the token of a logged-in az (after azure/login)', async () => {
    const { pr, event } = plant(emu)
    const token = emu.entra.mintAccessToken({ aud: 'https://cognitiveservices.azure.com' })
    const bin = await mkdtemp(join(tmpdir(), 'fake-az-'))
    try {
      const expires = Math.floor(Date.now() / 1000) + 3600
      const answer = JSON.stringify({
        accessToken: token,
        expiresOn: new Date(expires * 1000).toISOString(),
        expires_on: expires,
        tokenType: 'Bearer'
      })
      await writeFile(join(bin, 'az'), `#!/bin/sh\ncat <<'EOF'\n${answer}\nEOF\n`)
      await chmod(join(bin, 'az'), 0o755)
      const run = await act(emu, event, { inputs: { auth: 'azure-cli' }, env: { PATH: `${bin}:${process.env.PATH}` } })
      expect(errors(run)).toEqual([])
      expect(emu.openai.requests[0].auth).toBe('bearer')
      expect(summaryComments(emu, pr)).toHaveLength(1)
    } finally {
      await rm(bin, { recursive: true, force: true })
    }
  })

  it('serves GitHub Enterprise Server through GITHUB_API_URL', async () => {
    await emu.close()
    emu = await start({ ghes: true })
    const { pr, event } = plant(emu)
    const run = await act(emu, event)
    expect(errors(run)).toEqual([])
    expect(emu.github.apiUrl).toMatch(/\/api\/v3$/)
    expect(summaryComments(emu, pr)).toHaveLength(1)
  })
})

describe('the same comment across runs', () => {
  it('a re-run on an unchanged PR spends no tokens; a new push updates the same comment', async () => {
    const { pr, event } = plant(emu)
    const first = await act(emu, event)
    expect(errors(first)).toEqual([])

    const again = await act(emu, event)
    expect(again.code).toBe(0)
    expect(again.outputs.skipped).toBe('unchanged')
    expect(again.outputs['model-calls']).toBe('0')
    expect(again.outputs['comment-id']).toBe(first.outputs['comment-id'])
    expect(emu.openai.requests).toHaveLength(1)

    const stored = emu.github.pull(pr.owner, pr.repo, pr.number)
    stored.files.push({
      filename: 'src/http/timeout.ts',
      status: 'added',
      additions: 2,
      deletions: 0,
      patch: '@@ -0,0 +1,2 @@\n+export const TIMEOUT_MS = 30_000\n+export const RETRIES = 3'
    })
    emu.github.setHeadSha(pr.owner, pr.repo, pr.number, 'f'.repeat(40))
    const pushed = await act(emu, event, { event: { ...event, action: 'synchronize' } })
    expect(errors(pushed)).toEqual([])
    expect(pushed.outputs.skipped).toBe('')
    expect(pushed.outputs['comment-id']).toBe(first.outputs['comment-id'])
    expect(summaryComments(emu, pr)).toHaveLength(1)
    expect(summaryComments(emu, pr)[0].body).toContain('timeout.ts')
  })
})

describe('a neutral notice is not a summary', () => {
  it('after a content-filtered answer, the next run of the same PR tries again and updates the same comment', async () => {
    const { pr, event } = plant(emu)
    emu.openai.faults.add('openai.chat', contentFilterFault(), 1)
    const filtered = await act(emu, event)
    expect(filtered.code).toBe(0)
    expect(warnings(filtered).join('\n')).toMatch(/content filter/i)
    expect(summaryComments(emu, pr)[0].body).toMatch(/content filter/i)

    const again = await act(emu, event)
    expect(errors(again)).toEqual([])
    expect(again.outputs.skipped).toBe('')
    expect(again.outputs['model-calls']).toBe('1')
    expect(again.outputs['comment-id']).toBe(filtered.outputs['comment-id'])
    expect(summaryComments(emu, pr)).toHaveLength(1)
    expect(summaryComments(emu, pr)[0].body).not.toMatch(/content filter withheld/i)
  })
})

describe('day-one errors end in one ::error:: line that says the fix', () => {
  it('same-repo PR without id-token permission: names the YAML to add', async () => {
    const { event } = plant(emu)
    const run = await act(emu, event, { env: { ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' } })
    expect(run.code).toBe(1)
    expect(errors(run)).toHaveLength(1)
    expect(errors(run)[0]).toContain('id-token: write')
  })

  it('fork PR without OIDC: skipped with a notice, exit 0', async () => {
    const { pr, event } = plant(emu, samplePullRequest(), { fork: true })
    const run = await act(emu, event, { env: { ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' } })
    expect(run.code).toBe(0)
    expect(errors(run)).toEqual([])
    expect(run.outputs.skipped).toBe('fork-without-oidc')
    expect(notices(run).join('\n')).toMatch(/fork/i)
    expect(emu.openai.requests).toHaveLength(0)
    expect(summaryComments(emu, pr)).toHaveLength(0)
  })

  it('fork PR whose workflow got no variables either (empty client-id and tenant-id): still a skip, not an error', async () => {
    const { pr, event } = plant(emu, samplePullRequest(), { fork: true })
    const run = await act(emu, event, {
      inputs: { 'client-id': '', 'tenant-id': '' },
      env: { ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' }
    })
    expect(run.code).toBe(0)
    expect(errors(run)).toEqual([])
    expect(run.outputs.skipped).toBe('fork-without-oidc')
    expect(emu.github.requests).toHaveLength(0)
    expect(summaryComments(emu, pr)).toHaveLength(0)
  })

  it('a comment on a plain issue (issue_comment): skipped, nothing read', async () => {
    plant(emu)
    const run = await act(
      emu,
      {},
      { eventName: 'issue_comment', event: { action: 'created', issue: { number: 3 }, comment: { body: '/summarize' } } }
    )
    expect(run.code).toBe(0)
    expect(errors(run)).toEqual([])
    expect(run.outputs.skipped).toBe('not-a-pull-request')
    expect(emu.github.requests).toHaveLength(0)
  })

  it('AADSTS700213: prints the presented subject and the az command that adds it', async () => {
    const { event } = plant(emu)
    emu.oidc.state.sub = 'repo:octo-org/octo-repo:environment:production'
    const run = await act(emu, event)
    expect(run.code).toBe(1)
    const [line] = errors(run)
    expect(errors(run)).toHaveLength(1)
    expect(line).toContain('repo:octo-org/octo-repo:environment:production')
    expect(line).toContain('federated-credential create')
    expect(line).toContain('https://token.actions.githubusercontent.com')
  })

  it('AADSTS700016: wrong client-id', async () => {
    const { event } = plant(emu)
    const run = await act(emu, event, { inputs: { 'client-id': '99999999-9999-9999-9999-999999999999' } })
    expect(run.code).toBe(1)
    expect(errors(run)).toHaveLength(1)
    expect(errors(run)[0]).toMatch(/700016/)
    expect(errors(run)[0]).toContain('99999999-9999-9999-9999-999999999999')
  })

  it('AADSTS90002: wrong tenant', async () => {
    const { event } = plant(emu)
    const run = await act(emu, event, { inputs: { 'tenant-id': '88888888-8888-8888-8888-888888888888' } })
    expect(run.code).toBe(1)
    expect(errors(run)[0]).toMatch(/90002/)
    expect(errors(run)[0]).toContain('88888888-8888-8888-8888-888888888888')
  })

  it('Azure OpenAI 403: names the role to assign and the command', async () => {
    const { pr, event } = plant(emu)
    emu.openai.state.roleHolders.clear()
    const run = await act(emu, event)
    expect(run.code).toBe(1)
    expect(errors(run)).toHaveLength(1)
    expect(errors(run)[0]).toContain('Cognitive Services OpenAI User')
    expect(errors(run)[0]).toContain('az role assignment create')
    expect(summaryComments(emu, pr)).toHaveLength(0)
  })

  it('Azure OpenAI 404: names the deployment that was not found', async () => {
    const { event } = plant(emu)
    const run = await act(emu, event, { inputs: { deployment: 'gpt-5-typo' } })
    expect(run.code).toBe(1)
    expect(errors(run)[0]).toContain("'gpt-5-typo'")
    expect(errors(run)[0]).toContain(emu.openai.url)
  })

  it('an endpoint nobody answers on: says to check the endpoint', async () => {
    const { event } = plant(emu)
    const run = await act(emu, event, { inputs: { endpoint: 'http://127.0.0.1:9' } })
    expect(run.code).toBe(1)
    expect(errors(run)).toHaveLength(1)
    expect(errors(run)[0]).toMatch(/endpoint/)
  })

  it.each([
    [{ endpoint: 'http://contoso.openai.azure.com' }, 'https://'],
    [{ auth: 'certificate' }, "Invalid auth 'certificate'"],
    [{ cloud: 'AzureGermanCloud' }, "Invalid cloud 'AzureGermanCloud'"],
    [{ publish: 'slack' }, "Invalid publish 'slack'"],
    [{ 'max-input-tokens': 'many' }, "Invalid max-input-tokens 'many'"]
  ])('invalid input %j', async (inputs, message) => {
    const { event } = plant(emu)
    const run = await act(emu, event, { inputs })
    expect(run.code).toBe(1)
    expect(errors(run)).toHaveLength(1)
    expect(errors(run)[0]).toContain(message)
    expect(emu.github.requests).toHaveLength(0)
  })
})
