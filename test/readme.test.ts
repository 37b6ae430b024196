import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'
import { parse } from 'yaml'
import { emptyOidcInputsMessage } from '../src/entra-errors.js'
import { renderSummary } from '../src/render.js'
import { BINARY_EXTENSIONS, DEFAULT_EXCLUDES } from '../src/filters.js'
import { readSettings } from '../src/settings.js'

const ROOT = resolve('.')
const GENERATOR = join(ROOT, 'scripts/readme-tables.mjs')
const README = readFileSync(join(ROOT, 'README.md'), 'utf8')
/** The one place for troubleshooting: every message the action prints is explained there. */
const TROUBLESHOOTING_DOC = readFileSync(join(ROOT, 'docs/troubleshooting.md'), 'utf8')

interface ActionYml {
  inputs: Record<string, { required?: boolean; default?: unknown }>
  outputs: Record<string, unknown>
}

/**
 * The inputs and outputs of the v1 contract (docs: action contract, "Inputs" and "Outputs"). Renaming or
 * dropping one breaks users' workflows.
 */
const CONTRACT_INPUTS = [
  'endpoint',
  'deployment',
  'api-version',
  'auth',
  'client-id',
  'tenant-id',
  'audience',
  'cloud',
  'authority-host',
  'token-scope',
  'api-key',
  'github-token',
  'pull-number',
  'publish',
  'include',
  'exclude',
  'instructions',
  'language',
  'max-input-tokens',
  'max-output-tokens',
  'max-concurrency',
  'max-model-calls',
  // v1.1
  'skip-authors',
  'instructions-file',
  'command'
]
/**
 * Inputs added since the contract was written ("adding inputs is fine"). Listing them here is the review
 * step: a new input must be added on purpose, with its README row regenerated.
 */
const ADDED_INPUTS = ['timeout-seconds', 'skip-drafts']
/** Outputs beyond the contract, each reviewed: `published` tells whether the summary is on the PR now. */
const ADDED_OUTPUTS = ['published']
const CONTRACT_OUTPUTS = [
  'summary',
  'comment-id',
  'comment-url',
  'skipped',
  'files-total',
  'files-summarized',
  'files-omitted',
  'prompt-tokens',
  'completion-tokens',
  'model-calls',
  // v1.1
  'summary-file'
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
    expect(Object.keys(action.outputs).filter((name) => ![...CONTRACT_OUTPUTS, ...ADDED_OUTPUTS].includes(name))).toEqual([])
  })

  it('requires only endpoint and deployment', () => {
    const action = loadAction()
    const required = Object.entries(action.inputs)
      .filter(([, spec]) => spec.required)
      .map(([name]) => name)
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

  it('is a README for users: depth lives in docs/ (keep it under 25 KB)', () => {
    expect(Buffer.byteLength(README)).toBeLessThan(25_000)
  })

  it('sends readers to docs/troubleshooting.md, which has an entry for each error users hit', () => {
    expect(README.slice(README.indexOf('## Troubleshooting'))).toContain('(docs/troubleshooting.md)')
    for (const symptom of [
      'id-token: write',
      'ACTIONS_ID_TOKEN_REQUEST_URL',
      'AADSTS70021',
      'AADSTS700213',
      'AADSTS7002138',
      'AADSTS700016',
      'AADSTS90002',
      'AADSTS700024',
      '401',
      '403',
      '404',
      '429',
      'content filter',
      'Resource not accessible by integration',
      '422',
      'skipped=fork-without-oidc',
      'skipped=unchanged',
      'az role assignment create',
      'az identity federated-credential create'
    ]) {
      expect(TROUBLESHOOTING_DOC).toContain(symptom)
    }
  })
})

/** The user docs: the README, the security policy and everything in docs/. */
function userDocs(): Array<[string, string]> {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`)
  return ['README.md', 'SECURITY.md', ...docs].map((path): [string, string] => [path, readFileSync(join(ROOT, path), 'utf8')])
}

/** GitHub's anchors for the headings of a markdown file (code blocks left out; repeats get -1, -2, …). */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>()
  const anchors = new Set<string>()
  for (const line of markdown.replace(/```[\s\S]*?```/g, '').split('\n')) {
    if (!/^#{1,6} /.test(line)) continue
    const slug = line
      .replace(/^#+ /, '')
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-')
    const count = seen.get(slug) ?? 0
    seen.set(slug, count + 1)
    anchors.add(count === 0 ? slug : `${slug}-${count}`)
  }
  return anchors
}

describe('links in the README and docs/', () => {
  const docs = userDocs()

  it('point at files that exist, and at headings that exist in them', () => {
    const broken: string[] = []
    let checked = 0
    for (const [path, text] of docs) {
      // Links outside code blocks: relative paths, optionally with an anchor, or an in-page anchor.
      for (const match of text.replace(/```[\s\S]*?```/g, '').matchAll(/\]\((?!https?:|mailto:)([^)#\s]*)(?:#([^)\s]+))?\)/g)) {
        const [, target = '', anchor] = match
        const link = `${target}${anchor === undefined ? '' : `#${anchor}`}`
        const file = target === '' ? join(ROOT, path) : resolve(ROOT, dirname(path), target)
        // A path that climbs out of the repository is a route of github.com (../../security/advisories/new).
        if (relative(ROOT, file).startsWith('..')) continue
        checked++
        if (!existsSync(file)) {
          broken.push(`${path}: ${link} (no file ${relative(ROOT, file)})`)
        } else if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(readFileSync(file, 'utf8')).has(anchor)) {
          broken.push(`${path}: ${link} (no heading #${anchor} in ${relative(ROOT, file)})`)
        }
      }
    }
    expect(checked).toBeGreaterThan(30)
    expect(broken).toEqual([])
  })

  it('reach every page of docs/ from the README, directly or through a linked page', () => {
    const linked = (path: string) =>
      [...(docs.find(([name]) => name === path)?.[1] ?? '').matchAll(/\]\((?!https?:)([^)#\s]+\.md)/g)].map((match) =>
        relative(ROOT, resolve(ROOT, dirname(path), match[1] ?? ''))
      )
    const reached = new Set(['README.md'])
    for (const path of reached) for (const next of linked(path)) reached.add(next)
    expect(docs.map(([path]) => path).filter((path) => !reached.has(path))).toEqual([])
  })
})

type Step = { uses?: string; run?: string; with?: Record<string, unknown> }
type Job = {
  permissions?: Record<string, string>
  steps?: Step[]
  environment?: string
  concurrency?: { group?: string; 'cancel-in-progress'?: boolean }
}
type Workflow = { on: Record<string, unknown>; permissions?: unknown; jobs: Record<string, Job> }

/** The README's workflow and every file in examples/, parsed. */
function workflows(): Array<[string, Workflow]> {
  const fromReadme = [...README.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((match) => parse(match[1] as string) as Workflow)
    .filter((doc) => doc && typeof doc === 'object' && 'jobs' in doc)
    .map((doc, i): [string, Workflow] => [`README.md yaml block ${i + 1}`, doc])
  const examples = readdirSync(join(ROOT, 'examples'))
    .filter((name) => name.endsWith('.yml'))
    .map((name): [string, Workflow] => [
      `examples/${name}`,
      parse(readFileSync(join(ROOT, 'examples', name), 'utf8')) as Workflow
    ])
  return [...fromReadme, ...examples]
}

describe('example workflows', () => {
  const all = workflows()

  it('include the README workflow and the eight examples', () => {
    expect(all.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        'README.md yaml block 1',
        'examples/basic-oidc.yml',
        'examples/protected-environment.yml',
        'examples/azure-login.yml',
        'examples/workflow-dispatch.yml',
        'examples/fork-pull-request-target.yml',
        'examples/description.yml',
        'examples/chain-summary-output.yml',
        'examples/summarize-command.yml'
      ])
    )
  })

  it('summarize-command.yml: a job only for new /summarize comments on PRs, one run per PR at a time', () => {
    const [, workflow] = all.find(([name]) => name === 'examples/summarize-command.yml') ?? []
    const command = loadAction().inputs.command?.default
    expect(workflow?.on).toEqual({ issue_comment: { types: ['created'] } })
    const job = Object.values(workflow?.jobs ?? {})[0] as Job & { if?: string; concurrency?: { group?: string } }
    expect(job.if).toBe(`github.event.issue.pull_request && startsWith(github.event.comment.body, '${String(command)}')`)
    expect(job.concurrency?.group).toBe('${{ github.workflow }}-${{ github.event.issue.number }}')
  })

  it.each(all)('%s: least privilege, known inputs, no expressions in run:', (_name, workflow) => {
    const inputs = loadAction().inputs
    expect(workflow.permissions).toEqual({})
    const jobs = Object.values(workflow.jobs)
    const ours = jobs.flatMap((job) =>
      (job.steps ?? []).filter((step) => step.uses?.includes('/azure-openai-pr-summary@')).map((step) => ({ job, step }))
    )
    expect(ours.length).toBeGreaterThan(0)
    for (const { job, step } of ours) {
      const given = Object.keys(step.with ?? {})
      expect(given.filter((name) => !(name in inputs))).toEqual([])
      expect(given).toEqual(expect.arrayContaining(['endpoint', 'deployment']))
      // publish: none writes nothing to the PR, so reading it is all the job may do.
      const pullRequests = step.with?.publish === 'none' ? 'read' : 'write'
      expect(job.permissions).toEqual({ contents: 'read', 'pull-requests': pullRequests, 'id-token': 'write' })
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

  const examples = all.filter(([name]) => name.startsWith('examples/') || name === 'README.md yaml block 1')

  it.each(examples)(
    '%s: a concurrency group of its own workflow and PR, so two adopted workflows never cancel each other',
    (_name, workflow) => {
      const ours = Object.values(workflow.jobs).filter((job) =>
        (job.steps ?? []).some((step) => step.uses?.includes('/azure-openai-pr-summary@'))
      )
      // A /summarize comment names its PR as the issue number, and a second command waits rather than
      // cancelling a run that already acknowledged the first one.
      const onComment = 'issue_comment' in workflow.on
      for (const job of ours) {
        expect(job.concurrency?.group).toMatch(
          /^[\w-]*\$\{\{ github\.workflow \}\}-\$\{\{ (github\.event\.pull_request\.number|github\.event\.issue\.number|inputs\.pull-number) \}\}$/
        )
        expect(job.concurrency?.['cancel-in-progress']).toBe(!onComment)
      }
    }
  )

  it.each(examples)('%s: uses only the variables that setup-azure.sh tells users to create', (_name, workflow) => {
    const script = readFileSync(join(ROOT, 'scripts/setup-azure.sh'), 'utf8')
    const created = new Set([...script.matchAll(/gh variable set (\w+)/g)].map((match) => match[1]))
    expect(created).toEqual(new Set(['AZURE_CLIENT_ID', 'AZURE_TENANT_ID', 'AZURE_OPENAI_ENDPOINT', 'AZURE_OPENAI_DEPLOYMENT']))
    // The parsed workflow, so that a variable named only in a comment does not count.
    const used = [...JSON.stringify(workflow).matchAll(/vars\.(\w+)/g)].map((match) => match[1])
    expect(used.filter((name) => !created.has(name))).toEqual([])
  })
})

describe('messages for an empty input', () => {
  it('name the variable that the README and examples pass to it', () => {
    const passed = new Map<string, Set<string>>()
    for (const [, workflow] of workflows()) {
      for (const step of Object.values(workflow.jobs).flatMap((job) => job.steps ?? [])) {
        if (!step.uses?.includes('/azure-openai-pr-summary@')) continue
        for (const [input, value] of Object.entries(step.with ?? {})) {
          const variable = /^\$\{\{\s*vars\.([A-Z_]+)\s*\}\}$/.exec(String(value))?.[1]
          if (variable) passed.set(input, (passed.get(input) ?? new Set()).add(variable))
        }
      }
    }
    const messageFor = (input: string): string => {
      if (input === 'client-id' || input === 'tenant-id') return emptyOidcInputsMessage([input])
      try {
        const given: Record<string, string> = {
          endpoint: 'https://example.openai.azure.com',
          deployment: 'gpt-4o-mini',
          [input]: ''
        }
        readSettings({ getInput: (name) => given[name] ?? '', env: {}, event: {}, eventName: 'push' })
      } catch (error) {
        return (error as Error).message
      }
      return ''
    }
    expect([...passed.keys()].sort()).toEqual(['client-id', 'deployment', 'endpoint', 'tenant-id'])
    for (const [input, variables] of passed) {
      expect({ input, variables: [...variables] }).toEqual({ input, variables: [expect.any(String)] })
      expect({ input, message: messageFor(input) }).toEqual({
        input,
        message: expect.stringContaining(`Input '${input}' is empty`) as unknown
      })
      expect(messageFor(input)).toContain(`vars.${[...variables][0]}`)
    }
  })
})

const SRC = join(ROOT, 'src')

/** Every TypeScript file under src/, as [path relative to src/, text]: messages may live in any of them. */
function sources(): Array<[string, string]> {
  return (readdirSync(SRC, { recursive: true }) as string[])
    .filter((name) => name.endsWith('.ts'))
    .sort()
    .map((name): [string, string] => [name.split('\\').join('/'), readFileSync(join(SRC, name), 'utf8')])
}

/** Markdown as a reader searches it: no code-span backticks, no table escapes, one space between words. */
function searchable(markdown: string): string {
  return markdown.replace(/`/g, '').replace(/\\\|/g, '|').replace(/\s+/g, ' ').toLowerCase()
}

interface MessageSite {
  readonly where: string
  /** The literal text of the message, interpolations left out. */
  readonly fragments: readonly string[]
}

/**
 * Every message a user can see: the text of each `new ActionError(…)`, `new ModelError(kind, …)`,
 * the `message` of each Skip literal (`{ reason, message }`) and each `.warning(…)`, `.notice(…)`, `.setFailed(…)` call in src/, read from
 * the syntax tree so that concatenations and both branches of a `?:` are included.
 */
function messageSites(): MessageSite[] {
  const literalParts = (node: ts.Node): string[] => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return [node.text]
    if (ts.isTemplateExpression(node)) return [node.head.text, ...node.templateSpans.map((span) => span.literal.text)]
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken)
      return [...literalParts(node.left), ...literalParts(node.right)]
    if (ts.isParenthesizedExpression(node)) return literalParts(node.expression)
    if (ts.isConditionalExpression(node)) return [...literalParts(node.whenTrue), ...literalParts(node.whenFalse)]
    return []
  }
  const sites: MessageSite[] = []
  for (const [name, text] of sources()) {
    const file = ts.createSourceFile(name, text, ts.ScriptTarget.ES2022, true)
    const visit = (node: ts.Node): void => {
      let message: ts.Node | undefined
      if (ts.isNewExpression(node)) {
        const callee = node.expression.getText(file)
        if (callee === 'ActionError') message = node.arguments?.[0]
        if (callee === 'ModelError') message = node.arguments?.[1]
      } else if (ts.isObjectLiteralExpression(node)) {
        // A Skip: `{ reason: '…', message: … }` (src/skips.ts).
        const property = (name: string) =>
          node.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText(file) === name)
        if (property('reason')) message = property('message')?.initializer
      } else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
        if (['warning', 'notice', 'setFailed'].includes(node.expression.name.text)) message = node.arguments[0]
      }
      // Messages built by a helper, such as missingIdTokenPermissionMessage().
      if (ts.isFunctionDeclaration(node) && node.name?.text.endsWith('Message')) {
        const returned = node.body?.statements.find(ts.isReturnStatement)?.expression
        if (returned) message = returned
      }
      if (message) {
        const line = file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1
        sites.push({ where: `src/${name}:${line}`, fragments: literalParts(message) })
      }
      ts.forEachChild(node, visit)
    }
    visit(file)
  }
  return sites
}

/** Pieces of a message long enough to search for, without the punctuation that joins them to values. */
function searchablePhrases(site: MessageSite): string[] {
  return site.fragments
    .flatMap((fragment) => fragment.split(/\s*[:;()]\s*/))
    .map((phrase) => searchable(phrase).replace(/^[\s'"().,]+|[\s'"().,]+$/g, ''))
    .filter((phrase) => phrase.length >= 15)
}

describe('docs/troubleshooting.md against src/', () => {
  const docs = searchable(TROUBLESHOOTING_DOC)

  it('quotes a phrase of every message the action can print', () => {
    const sites = messageSites()
    // The extraction itself must see the messages: these are ones users hit first.
    expect(sites.length).toBeGreaterThan(60)
    expect(sites.map((site) => site.fragments.join(''))).toEqual(
      expect.arrayContaining([expect.stringContaining('ACTIONS_ID_TOKEN_REQUEST_URL is not set')])
    )
    const undocumented = sites
      .filter((site) => searchablePhrases(site).length > 0)
      .filter((site) => !searchablePhrases(site).some((phrase) => docs.includes(phrase)))
      .map((site) => `${site.where}: ${site.fragments.join('…')}`)
    expect(undocumented).toEqual([])
  })

  it('names every AADSTS code that src/ explains', () => {
    const codes = sources()
      .flatMap(([, text]) => {
        const listed = /NO_MATCHING_FEDERATED_CREDENTIAL = new Set\(\[([\d,\s]+)\]\)/.exec(text)?.[1] ?? ''
        return [...listed.split(','), ...[...text.matchAll(/codes\.includes\((\d+)\)/g)].map((match) => match[1] ?? '')]
      })
      .map((code) => code.trim())
      .filter((code) => code !== '')
    expect(codes).toEqual(expect.arrayContaining(['70021', '700213', '700016', '90002', '700024']))
    expect(codes.filter((code) => !TROUBLESHOOTING_DOC.includes(`AADSTS${code}`))).toEqual([])
  })

  it('names every skipped= reason the run can end with', () => {
    // Every Skip is an object literal `{ reason: '…', message: … }` (src/skips.ts, src/run.ts).
    const reasons = sources().flatMap(([, text]) => [...text.matchAll(/\breason: '([a-z-]+)'/g)].map((match) => match[1] ?? ''))
    expect(reasons).toEqual(expect.arrayContaining(['fork-without-oidc', 'draft', 'no-files', 'unchanged']))
    expect([...new Set(reasons)].filter((reason) => !TROUBLESHOOTING_DOC.includes(`\`${reason}\``))).toEqual([])
  })

  it('has the README sections that messages point to', () => {
    const headings = README.split('\n').filter((line) => /^#{2,4} /.test(line))
    const pointers = sources().flatMap(([, text]) =>
      [...text.matchAll(/README section "([^"]+)"/g)].map((match) => match[1] ?? '')
    )
    expect(pointers).toEqual(expect.arrayContaining(['Keyless setup (OIDC)', 'Forks']))
    expect(pointers.filter((section) => !headings.some((heading) => heading.includes(section)))).toEqual([])
  })

  it('links the fault matrix of docs/reliability.md', () => {
    expect(TROUBLESHOOTING_DOC).toContain('(reliability.md)')
    expect(existsSync(join(ROOT, 'docs/reliability.md'))).toBe(true)
  })
})

describe('claims of the README and docs/ checked against the code', () => {
  it('lists every default exclude of src/filters.ts (in docs/ranking.md, the full list the README links to)', () => {
    const ranking = readFileSync(join(ROOT, 'docs/ranking.md'), 'utf8')
    const prose = searchable(
      ranking.slice(ranking.indexOf('## Left out by default'), ranking.indexOf('## `include` and `exclude`'))
    )
    const globs = DEFAULT_EXCLUDES.filter((glob) => !glob.startsWith('*.{'))
    expect(DEFAULT_EXCLUDES.length - globs.length).toBe(1) // the one glob of binary extensions
    expect(globs.filter((glob) => !prose.includes(glob.toLowerCase()))).toEqual([])
    expect(BINARY_EXTENSIONS.filter((extension) => !new RegExp(`[ :]${extension}[,.]`).test(prose))).toEqual([])
  })

  it('gives the defaults of action.yml wherever the prose says "(default …)"', () => {
    const inputs = loadAction().inputs
    const prose = userDocs()
      .map(([, text]) => text)
      .join('\n')
    const claims = [...prose.matchAll(/`([a-z-]+)`\**\s+\(default `?([\w,.]+)`?\)/g)].map((match) => [
      match[1] ?? '',
      match[2] ?? ''
    ])
    expect(claims.map(([name]) => name)).toEqual(
      expect.arrayContaining(['max-input-tokens', 'max-model-calls', 'timeout-seconds', 'skip-drafts'])
    )
    const wrong = claims.filter(([name, value]) => String(inputs[name]?.default) !== value.replace(/,/g, ''))
    expect(wrong).toEqual([])
  })

  it('documents defaults that the code applies when an input is empty (action.yml = src/settings.ts)', () => {
    const inputs = loadAction().inputs
    const required = { endpoint: 'https://example.openai.azure.com', deployment: 'gpt-4o-mini' }
    // github-token's default is an expression the runner expands; there is nothing to compare. An empty
    // skip-authors is a choice of its own (skip nobody): its default list applies only when the input is
    // left out, and the runner fills that in from action.yml.
    const noCodeDefault = ['github-token', 'skip-authors']
    const read = (useDefaults: boolean) =>
      readSettings({
        getInput: (name) => {
          if (name in required) return required[name as keyof typeof required]
          const fallback = inputs[name]?.default
          return useDefaults && !noCodeDefault.includes(name) && fallback !== undefined ? String(fallback) : ''
        },
        env: {},
        event: { pull_request: { number: 1 } },
        eventName: 'pull_request'
      })
    expect(read(false)).toEqual(read(true))
  })

  it("shows an example comment in the renderer's current layout, free of emulator URLs and markers", () => {
    const example =
      /What a posted comment looks like|This is the comment it posts:\n\n```markdown\n([\s\S]*?)```/.exec(README)?.[1] ?? ''
    expect(example).not.toBe('')
    expect(example).not.toMatch(/127\.0\.0\.1|localhost/)
    expect(example).not.toContain('<!--')
    const rendered = renderSummary(
      {
        doc: {
          overview: 'Overview.',
          changes: [{ area: 'Area', points: ['Point.'] }],
          files: [{ path: 'src/a.ts', summary: 'A.' }],
          risks: ['Risk.']
        },
        usage: { promptTokens: 10, completionTokens: 5, modelCalls: 1 },
        coverage: {
          filesTotal: 2,
          summarized: ['src/a.ts'],
          compressed: [],
          excluded: [{ path: 'package-lock.json', additions: 1, deletions: 1, reason: 'excluded' }],
          omitted: [],
          unlisted: 0
        }
      },
      {
        serverUrl: 'https://github.com',
        owner: 'octo-org',
        repo: 'octo-repo',
        number: 42,
        deployment: 'gpt-4o-mini',
        authLabel: 'keyless (OIDC)'
      }
    )
    const fixed = [
      ...rendered.split('\n').filter((line) => /^#{1,6} /.test(line) && !/^### Area$/.test(line)),
      /^_AI-generated[^_]*_/m.exec(rendered)?.[0] ?? 'footer not found',
      /^\*\*Coverage:\*\*/m.exec(rendered)?.[0] ?? 'coverage line not found',
      /^\*\*Excluded by include\/exclude \(/m.exec(rendered)?.[0] ?? 'excluded line not found'
    ]
    expect(fixed.filter((line) => !example.includes(line))).toEqual([])
  })
})
