import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parse } from 'yaml'

const ROOT = resolve('.')
const GENERATOR = join(ROOT, 'scripts/readme-tables.mjs')
const README = readFileSync(join(ROOT, 'README.md'), 'utf8')

interface ActionYml {
  inputs: Record<string, { required?: boolean; default?: unknown }>
  outputs: Record<string, unknown>
}

/**
 * The inputs and outputs of the v1 contract (docs: action contract, "Inputs" and "Outputs"). Renaming or
 * dropping one breaks users' workflows.
 */
const CONTRACT_INPUTS = [
  'endpoint', 'deployment', 'api-version', 'auth', 'client-id', 'tenant-id', 'audience', 'cloud',
  'authority-host', 'token-scope', 'api-key', 'github-token', 'pull-number', 'publish', 'include', 'exclude',
  'instructions', 'language', 'max-input-tokens', 'max-output-tokens', 'max-concurrency', 'max-model-calls'
]
/**
 * Inputs added since the contract was written ("adding inputs is fine"). Listing them here is the review
 * step: a new input must be added on purpose, with its README row regenerated.
 */
const ADDED_INPUTS = ['timeout-seconds', 'skip-drafts']
const CONTRACT_OUTPUTS = [
  'summary', 'comment-id', 'comment-url', 'skipped', 'files-total', 'files-summarized', 'files-omitted',
  'prompt-tokens', 'completion-tokens', 'model-calls'
]

function generator(args: string[]) {
  const result = spawnSync(process.execPath, [GENERATOR, ...args], { encoding: 'utf8' })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

function loadAction(): ActionYml {
  return parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionYml
}

describe('README tables', () => {
  it('match action.yml (else run: node scripts/readme-tables.mjs --write)', () => {
    const check = generator([])
    expect(check.stderr).toBe('')
    expect(check.status).toBe(0)
  })

  it('list every input and output of action.yml', () => {
    const action = loadAction()
    for (const name of [...Object.keys(action.inputs), ...Object.keys(action.outputs)]) {
      expect(README).toContain(`| \`${name}\` |`)
    }
  })

  describe('the generator, on a copy', () => {
    let dir: string
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'readme-tables-'))
      copyFileSync(join(ROOT, 'README.md'), join(dir, 'README.md'))
      writeFileSync(
        join(dir, 'action.yml'),
        [
          'name: t',
          'inputs:',
          '  endpoint:',
          '    description: >-',
          '      Resource URL,',
          '      folded | with a pipe.',
          '    required: true',
          '  max-input-tokens:',
          '    description: Budget.',
          "    default: '32000'",
          '  api-key:',
          '    description: Fallback.',
          "    default: ''",
          'outputs:',
          '  summary:',
          '    description: The markdown.',
          ''
        ].join('\n')
      )
    })
    afterEach(() => rmSync(dir, { recursive: true, force: true }))

    it('reports stale tables with a diff and exit 1, rewrites them with --write, then passes', () => {
      const stale = generator(['--root', dir])
      expect(stale.status).toBe(1)
      expect(stale.stderr).toContain('+ | `max-input-tokens` | no | `32000` | Budget. |')
      expect(stale.stderr).toContain('run: node scripts/readme-tables.mjs --write')

      expect(generator(['--root', dir, '--write']).status).toBe(0)
      const written = readFileSync(join(dir, 'README.md'), 'utf8')
      expect(written).toContain('| `endpoint` | yes |  | Resource URL, folded \\| with a pipe. |')
      expect(written).toContain('| `api-key` | no | (empty) | Fallback. |')
      expect(written).toContain('| `summary` | The markdown. |')
      expect(written).not.toContain('| `deployment` |')
      // Only the marked blocks change.
      const outside = (text: string) => text.replace(/<!-- (inputs|outputs):start -->[\s\S]*?<!-- \1:end -->/g, '')
      expect(outside(written)).toBe(outside(README))

      const fixed = generator(['--root', dir])
      expect(fixed.status).toBe(0)
      writeFileSync(join(dir, 'action.yml'), readFileSync(join(dir, 'action.yml'), 'utf8').replace("'32000'", "'64000'"))
      const drifted = generator(['--root', dir])
      expect(drifted.status).toBe(1)
      expect(drifted.stderr).toContain('- | `max-input-tokens` | no | `32000` | Budget. |')
      expect(drifted.stderr).toContain('+ | `max-input-tokens` | no | `64000` | Budget. |')
    })

    it('names the missing markers', () => {
      writeFileSync(join(dir, 'README.md'), '# t\n<!-- inputs:start -->\n<!-- inputs:end -->\n')
      const result = generator(['--root', dir])
      expect(result.status).toBe(2)
      expect(result.stderr).toContain('README.md has no "<!-- outputs:start -->" … "<!-- outputs:end -->" block')
    })
  })
})

describe('action.yml against the v1 contract', () => {
  it('is valid YAML (GitHub refuses to load an action whose action.yml does not parse)', () => {
    expect(() => loadAction()).not.toThrow()
  })

  it('keeps every contract input and output (renaming or dropping one breaks workflows)', () => {
    const action = loadAction()
    expect(Object.keys(action.inputs)).toEqual(expect.arrayContaining(CONTRACT_INPUTS))
    expect(Object.keys(action.outputs)).toEqual(expect.arrayContaining(CONTRACT_OUTPUTS))
  })

  it('has no input outside the contract list and its reviewed additions', () => {
    const action = loadAction()
    const known = new Set([...CONTRACT_INPUTS, ...ADDED_INPUTS])
    expect(Object.keys(action.inputs).filter((name) => !known.has(name))).toEqual([])
    expect(Object.keys(action.outputs).filter((name) => !CONTRACT_OUTPUTS.includes(name))).toEqual([])
  })

  it('requires only endpoint and deployment', () => {
    const action = loadAction()
    const required = Object.entries(action.inputs).filter(([, spec]) => spec.required).map(([name]) => name)
    expect(required.sort()).toEqual(['deployment', 'endpoint'])
  })
})

describe('README content', () => {
  it('gives npm test as the test command, and the two-command demo before the quick start', () => {
    expect(README).toMatch(/^npm test(\s|$)/m)
    const demo = README.indexOf('npm ci && npm run demo')
    expect(demo).toBeGreaterThan(-1)
    expect(demo).toBeLessThan(README.indexOf('## Quick start'))
  })

  it('has a Troubleshooting entry for each error users hit', () => {
    const troubleshooting = README.slice(README.indexOf('## Troubleshooting'), README.indexOf('## Contributing'))
    for (const symptom of [
      'id-token: write', 'ACTIONS_ID_TOKEN_REQUEST_URL', 'AADSTS70021', 'AADSTS700213', 'AADSTS7002138',
      'AADSTS700016', 'AADSTS90002', 'AADSTS700024', '401', '403', '404', '429', 'content filter',
      'Resource not accessible by integration', '422', 'skipped=fork-without-oidc', 'skipped=unchanged',
      'az role assignment create', 'az identity federated-credential create'
    ]) {
      expect(troubleshooting).toContain(symptom)
    }
  })

  it('links only to files that exist', () => {
    const links = [...README.matchAll(/\]\((?!https?:|#)([^)#]+)(#[^)]*)?\)/g)].map((match) => match[1] as string)
    expect(links.length).toBeGreaterThan(0)
    expect(links.filter((link) => !existsSync(join(ROOT, link)))).toEqual([])
  })
})

type Step = { uses?: string; run?: string; with?: Record<string, unknown> }
type Job = { permissions?: Record<string, string>; steps?: Step[]; environment?: string }
type Workflow = { on: Record<string, unknown>; permissions?: unknown; jobs: Record<string, Job> }

/** The README's workflow and every file in examples/, parsed. */
function workflows(): Array<[string, Workflow]> {
  const fromReadme = [...README.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((match) => parse(match[1] as string) as Workflow)
    .filter((doc) => doc && typeof doc === 'object' && 'jobs' in doc)
    .map((doc, i): [string, Workflow] => [`README.md yaml block ${i + 1}`, doc])
  const examples = readdirSync(join(ROOT, 'examples'))
    .filter((name) => name.endsWith('.yml'))
    .map((name): [string, Workflow] => [`examples/${name}`, parse(readFileSync(join(ROOT, 'examples', name), 'utf8')) as Workflow])
  return [...fromReadme, ...examples]
}

describe('example workflows', () => {
  const all = workflows()

  it('include the README workflow and the seven examples', () => {
    expect(all.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        'README.md yaml block 1',
        'examples/basic-oidc.yml',
        'examples/protected-environment.yml',
        'examples/azure-login.yml',
        'examples/workflow-dispatch.yml',
        'examples/fork-pull-request-target.yml',
        'examples/description.yml',
        'examples/chain-summary-output.yml'
      ])
    )
  })

  it.each(all)('%s: least privilege, known inputs, no expressions in run:', (_name, workflow) => {
    const inputs = loadAction().inputs
    expect(workflow.permissions).toEqual({})
    const jobs = Object.values(workflow.jobs)
    const ours = jobs.flatMap((job) => (job.steps ?? []).filter((step) => step.uses?.includes('/azure-openai-pr-summary@')).map((step) => ({ job, step })))
    expect(ours.length).toBeGreaterThan(0)
    for (const { job, step } of ours) {
      const given = Object.keys(step.with ?? {})
      expect(given.filter((name) => !(name in inputs))).toEqual([])
      expect(given).toEqual(expect.arrayContaining(['endpoint', 'deployment']))
      expect(job.permissions).toEqual({ contents: 'read', 'pull-requests': 'write', 'id-token': 'write' })
    }
    for (const step of jobs.flatMap((job) => job.steps ?? [])) {
      // Untrusted text in ${{ }} inside run: is script injection; it must go through env:.
      if (step.run !== undefined) expect(step.run).not.toContain('${{')
      if ('pull_request_target' in workflow.on) expect(step.uses ?? '').not.toMatch(/^actions\/checkout@/)
    }
    if ('pull_request_target' in workflow.on) {
      for (const job of jobs) expect(job.environment).toBeTruthy()
    }
  })
})
