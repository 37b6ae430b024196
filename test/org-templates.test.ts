/**
 * Issue 11: the organization's central reusable workflow and the few-line caller each repository adds
 * (templates/org/). What they must hold is what docs/org-rollout.md relies on: least privilege, a
 * concurrency group that keeps adopted workflows apart, this action's inputs passed through, and the
 * identity fixed in the central workflow rather than taken from the caller's variables.
 */
import { describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parse } from 'yaml'

const ROOT = resolve('.')
const LEAST_PRIVILEGE = { contents: 'read', 'pull-requests': 'write', 'id-token': 'write' }
/** Values that decide where the shared identity's token goes: never the caller's to choose. */
const FIXED_BY_THE_ORGANIZATION = ['endpoint', 'deployment', 'client-id', 'tenant-id']

interface Step {
  uses?: string
  id?: string
  with?: Record<string, string>
}
interface Job {
  permissions?: Record<string, string>
  concurrency?: { group: string; 'cancel-in-progress'?: boolean }
  steps?: Step[]
  uses?: string
  with?: Record<string, string>
  outputs?: Record<string, string>
}
interface WorkflowCall {
  inputs: Record<string, { type: string; default?: string }>
  outputs?: Record<string, { value: string }>
}
interface Workflow {
  on: { workflow_call?: WorkflowCall; pull_request?: unknown }
  permissions: unknown
  jobs: Record<string, Job>
}

const text = (name: string) => readFileSync(join(ROOT, 'templates/org', name), 'utf8')
const central = parse(text('pr-summary.yml')) as Workflow
const caller = parse(text('caller.yml')) as Workflow
const actionInputs = Object.keys(
  (parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown> }).inputs
)

const [centralJob] = Object.values(central.jobs) as [Job]
const ourStep = () => (centralJob.steps ?? []).find((step) => step.uses?.includes('/azure-openai-pr-summary@'))

describe('the central reusable workflow (templates/org/pr-summary.yml)', () => {
  it('is only callable (workflow_call), grants nothing at the top and least privilege to its one job', () => {
    expect(Object.keys(central.on)).toEqual(['workflow_call'])
    expect(central.permissions).toEqual({})
    expect(Object.keys(central.jobs)).toHaveLength(1)
    expect(centralJob.permissions).toEqual(LEAST_PRIVILEGE)
  })

  it("keys concurrency on the caller's workflow and the PR, so adopted workflows never cancel each other", () => {
    const group = centralJob.concurrency?.group ?? ''
    expect(group).toContain('${{ github.workflow }}')
    expect(group).toMatch(/github\.event\.pull_request\.number \|\| inputs\.pull-number/)
    expect(centralJob.concurrency?.['cancel-in-progress']).toBe(true)
  })

  it('runs this action once and passes every input through under its own name', () => {
    const ours = (centralJob.steps ?? []).filter((step) => step.uses?.includes('/azure-openai-pr-summary@'))
    expect(ours).toHaveLength(1)
    const step = ourStep()
    const given = step?.with ?? {}
    expect(Object.keys(given).filter((name) => !actionInputs.includes(name))).toEqual([])
    const inputs = Object.keys(central.on.workflow_call?.inputs ?? {})
    expect(inputs.length).toBeGreaterThan(0)
    for (const name of inputs) expect({ name, value: given[name] }).toEqual({ name, value: `\${{ inputs.${name} }}` })
    for (const [name, value] of Object.entries(given)) {
      const referenced = [...value.matchAll(/inputs\.([\w-]+)/g)].map((match) => match[1])
      expect({ name, undeclared: referenced.filter((input) => !inputs.includes(input ?? '')) }).toEqual({ name, undeclared: [] })
    }
  })

  it('fixes endpoint, deployment and identity in the file instead of reading them from the caller', () => {
    const given = ourStep()?.with ?? {}
    for (const name of FIXED_BY_THE_ORGANIZATION) {
      expect({ name, value: given[name] }).toEqual({ name, value: expect.not.stringContaining('${{') })
      expect(Object.keys(central.on.workflow_call?.inputs ?? {})).not.toContain(name)
    }
    // Inside a reusable workflow, vars and secrets resolve in the caller's repository.
    expect(text('pr-summary.yml').replace(/^\s*#.*$/gm, '')).not.toMatch(/\b(vars|secrets)\./)
  })

  it("exposes the step's summary and skipped outputs to the caller", () => {
    expect(central.on.workflow_call?.outputs?.summary?.value).toBe('${{ jobs.summary.outputs.summary }}')
    expect(centralJob.outputs?.summary).toBe(`\${{ steps.${ourStep()?.id}.outputs.summary }}`)
    expect(centralJob.outputs?.skipped).toBe(`\${{ steps.${ourStep()?.id}.outputs.skipped }}`)
  })
})

describe('the caller each repository adds (templates/org/caller.yml)', () => {
  const [callerJob] = Object.values(caller.jobs) as [Job]

  it('is a few lines: one job that calls the central workflow at main', () => {
    const lines = text('caller.yml')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.trim().startsWith('#'))
    expect(lines.length).toBeLessThanOrEqual(15)
    expect(Object.keys(caller.jobs)).toHaveLength(1)
    // @main is what the credential's job_workflow_ref (…@refs/heads/main) admits.
    expect(callerJob.uses).toBe('ORG/.github/.github/workflows/pr-summary.yml@main')
    expect(callerJob.steps).toBeUndefined()
  })

  it('grants nothing at the top and exactly what the central job needs (a called workflow cannot raise it)', () => {
    expect(caller.permissions).toEqual({})
    expect(callerJob.permissions).toEqual(LEAST_PRIVILEGE)
  })

  it("sets no concurrency group of its own that could cancel the central job's run", () => {
    expect(callerJob.concurrency).toBeUndefined()
  })

  it('passes only inputs the central workflow declares', () => {
    const declared = Object.keys(central.on.workflow_call?.inputs ?? {})
    expect(Object.keys(callerJob.with ?? {}).filter((name) => !declared.includes(name))).toEqual([])
  })
})

describe('docs/org-rollout.md', () => {
  const doc = readFileSync(join(ROOT, 'docs/org-rollout.md'), 'utf8')

  it('links only to files that exist', () => {
    const links = [...doc.matchAll(/\]\((?!https?:|#)([^)#]+)(#[^)]*)?\)/g)].map((match) => match[1] ?? '')
    expect(links).toEqual(expect.arrayContaining(['../templates/org/pr-summary.yml', '../templates/org/caller.yml']))
    expect(links.filter((link) => !existsSync(join(ROOT, 'docs', link)))).toEqual([])
  })

  it('shows the credential and the opt-in call that setup-azure.sh --org --print prints', () => {
    const printed = spawnSync(
      'bash',
      [
        join(ROOT, 'scripts/setup-azure.sh'),
        ...['--org', 'ORG', '--workflow', 'ORG/.github/.github/workflows/pr-summary.yml@refs/heads/main'],
        ...['--resource-group', 'RG', '--account', 'OPENAI_ACCOUNT', '--opt-in', 'REPO', '--print']
      ],
      { encoding: 'utf8' }
    )
    expect(printed.status).toBe(0)
    const subject = /--subject (\S+)/.exec(printed.stdout)?.[1] ?? 'no --subject printed'
    const optIn = printed.stdout.split('\n').find((line) => line.includes('gh api --method PUT')) ?? 'no opt-in printed'
    const [body, call] = optIn.split(' | ')
    expect(doc).toContain(`--subject ${subject} `)
    expect(doc).toContain(`${body} |\n     ${call}`)
  })
})
