/**
 * Issue 11: one identity for a whole organization. The repository opted in to the customized subject
 * template `["repository_owner", "job_workflow_ref"]` and calls the organization's central reusable
 * workflow at main, so its GitHub OIDC token's subject names the owner and that workflow, not the
 * repository. dist/index.js runs as a runner would against the emulators.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { samplePullRequest } from '../emulators/fixtures.mjs'
import { AZURE_AUDIENCE, GITHUB_OIDC_ISSUER } from '../emulators/oidc.mjs'
import { act, errors, plant, start, summaryComments, type Emulators } from './harness.js'

const CLAIM_KEYS = ['repository_owner', 'job_workflow_ref']
const CENTRAL_WORKFLOW_REF = 'octo-org/.github/.github/workflows/pr-summary.yml@refs/heads/main'
const CUSTOMIZED_SUBJECT = `repository_owner:octo-org:job_workflow_ref:${CENTRAL_WORKFLOW_REF}`

let emu: Emulators
beforeEach(async () => {
  emu = await start({ oidc: { subjectClaimKeys: CLAIM_KEYS, jobWorkflowRef: CENTRAL_WORKFLOW_REF } })
})
afterEach(async () => {
  await emu.close()
})

/** The one federated credential of the emulated identity, replaced by `subject`. */
function trustOnly(subject: string) {
  const app = emu.entra.state.tenants[emu.entra.tenantId].apps[emu.entra.clientId]
  app.federated = [{ issuer: GITHUB_OIDC_ISSUER, subject, audience: AZURE_AUDIENCE }]
}

describe('organization rollout: one credential on the customized subject', () => {
  it('admits a run of the central reusable workflow through the credential on the customized subject', async () => {
    trustOnly(CUSTOMIZED_SUBJECT)
    const { pr, event } = plant(emu)
    const run = await act(emu, event)

    expect(errors(run)).toEqual([])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(`subject ${CUSTOMIZED_SUBJECT}`)
    expect(emu.entra.issued.map((record: { via: string }) => record.via)).toEqual(['client_assertion'])
    expect(summaryComments(emu, pr)).toHaveLength(1)
  })

  it('the same credential admits another repository of the organization that calls the same workflow', async () => {
    await emu.close()
    emu = await start({
      repository: 'octo-org/another-repo',
      oidc: { subjectClaimKeys: CLAIM_KEYS, jobWorkflowRef: CENTRAL_WORKFLOW_REF, repository: 'octo-org/another-repo' }
    })
    trustOnly(CUSTOMIZED_SUBJECT)
    const { pr, event } = plant(emu, { ...samplePullRequest(), repo: 'another-repo' })
    const run = await act(emu, event)

    expect(errors(run)).toEqual([])
    expect(summaryComments(emu, pr)).toHaveLength(1)
  })

  it('a workflow of the repository itself (not the central one) is refused by that credential', async () => {
    trustOnly(CUSTOMIZED_SUBJECT)
    emu.oidc.state.jobWorkflowRef = 'octo-org/octo-repo/.github/workflows/my-own-summary.yml@refs/pull/1/merge'
    const { pr, event } = plant(emu)
    const run = await act(emu, event)

    expect(run.code).toBe(1)
    expect(errors(run)).toHaveLength(1)
    expect(emu.entra.issued).toHaveLength(0)
    expect(summaryComments(emu, pr)).toHaveLength(0)
  })

  it('mismatch after opting in: the error quotes the customized subject the token actually carries', async () => {
    // The identity still trusts only the repository's default subject, as before the opt-in.
    trustOnly('repo:octo-org/octo-repo:pull_request')
    const { event } = plant(emu)
    const run = await act(emu, event)

    expect(run.code).toBe(1)
    expect(errors(run)).toHaveLength(1)
    expect(errors(run)[0]).toContain(CUSTOMIZED_SUBJECT)
    expect(errors(run)[0]).toContain('federated-credential create')
  })
})
