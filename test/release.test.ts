/**
 * Issue 11, the release line: what scripts/release-check.mjs refuses, when the major tag moves, the
 * release workflow that runs them, and the Marketplace metadata of action.yml.
 */
import { describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parse } from 'yaml'
import { changelogSection, majorTagPlan, releaseProblems } from '../scripts/release-check.mjs'

const ROOT = resolve('.')
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8')
const packageJson = (version: string) => JSON.stringify({ name: 'x', version })
const CHANGELOG = [
  '# Changelog',
  '',
  '## [Unreleased]',
  '',
  '## [1.1.0] - 2026-01-02',
  '',
  '### Added',
  '- A thing.',
  '',
  '## [1.0.0]',
  '- First.',
  ''
].join('\n')

describe('releaseProblems', () => {
  it('accepts a tag whose version package.json and a CHANGELOG section with entries both name', () => {
    expect(releaseProblems('v1.1.0', { packageJson: packageJson('1.1.0'), changelog: CHANGELOG })).toEqual([])
  })

  it.each(['1.1.0', 'v1.1', 'v1.1.0-rc.1', 'v01.1.0', 'release-1.1.0'])('refuses the tag %s with the form to use', (tag) => {
    expect(releaseProblems(tag, { packageJson: packageJson('1.1.0'), changelog: CHANGELOG })).toEqual([
      expect.stringContaining('is not vMAJOR.MINOR.PATCH')
    ])
  })

  it('names a package.json version that differs and a missing or empty CHANGELOG section', () => {
    expect(releaseProblems('v1.2.0', { packageJson: packageJson('1.1.0'), changelog: CHANGELOG })).toEqual([
      "package.json has version '1.1.0', not '1.2.0'; set it in the release commit, then tag that commit",
      'CHANGELOG.md has no "## [1.2.0]" section; move the Unreleased entries under it in the release commit'
    ])
    const empty = CHANGELOG.replace('### Added\n- A thing.\n', '')
    expect(releaseProblems('v1.1.0', { packageJson: packageJson('1.1.0'), changelog: empty })).toEqual([
      'CHANGELOG.md\'s "## [1.1.0]" section lists no change; add what the release changes'
    ])
  })

  it('reads a section up to the next one only', () => {
    expect(changelogSection(CHANGELOG, '1.1.0')).toBe('\n### Added\n- A thing.\n')
    expect(changelogSection(CHANGELOG, '1.0.0')).toBe('- First.\n')
    expect(changelogSection(CHANGELOG, '2.0.0')).toBeUndefined()
  })
})

describe('majorTagPlan', () => {
  it('moves the major tag to the newest release of its line', () => {
    expect(majorTagPlan('v1.3.0', ['v1', 'v1.0.0', 'v1.2.0', 'v0.9.0'])).toMatchObject({ major: 'v1', move: true })
  })

  it('starts a new major line', () => {
    expect(majorTagPlan('v2.0.0', ['v1', 'v1.9.9'])).toMatchObject({ major: 'v2', move: true })
  })

  it('leaves the major tag alone for a patch to an older minor, and says which release is newer', () => {
    expect(majorTagPlan('v1.2.1', ['v1', 'v1.2.0', 'v1.3.0', 'v2.0.0'])).toEqual({
      major: 'v1',
      move: false,
      reason: 'v1 stays where it is: v1.3.0 is newer than v1.2.1'
    })
  })

  it('compares numerically, not as text', () => {
    expect(majorTagPlan('v1.10.0', ['v1.9.0'])).toMatchObject({ move: true })
    expect(majorTagPlan('v1.9.0', ['v1.10.0'])).toMatchObject({ move: false })
  })
})

describe('scripts/release-check.mjs on this repository', () => {
  const check = (args: string[]) =>
    spawnSync(process.execPath, [join(ROOT, 'scripts/release-check.mjs'), ...args], { encoding: 'utf8', cwd: ROOT })

  it("passes for package.json's version and prints the outputs the workflow reads", () => {
    const version = JSON.parse(read('package.json')).version as string
    const run = check(['--tag', `v${version}`, '--tags', 'v0.9.0'])
    expect(run.stderr).toContain(`v${version} is releasable`)
    expect(run.status).toBe(0)
    expect(run.stdout).toBe(`major=v${version.split('.')[0]}\nmove=true\n`)
  })

  it('fails with one line per problem, and nothing on stdout for GITHUB_OUTPUT', () => {
    const run = check(['--tag', 'v99.0.0', '--tags', ''])
    expect(run.status).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(2)
  })

  it('keeps an Unreleased section at the top of CHANGELOG.md for entries to land in', () => {
    const headings = read('CHANGELOG.md')
      .split('\n')
      .filter((line) => line.startsWith('## '))
    expect(headings[0]).toBe('## [Unreleased]')
  })
})

interface Step {
  uses?: string
  run?: string
  with?: Record<string, unknown>
}
interface Job {
  needs?: string
  if?: string
  permissions?: Record<string, string>
  steps: Step[]
}

describe('.github/workflows/release.yml', () => {
  const workflow = parse(read('.github/workflows/release.yml')) as {
    on: Record<string, { types: string[] }>
    permissions: unknown
    jobs: Record<string, Job>
  }
  const { verify, 'move-major-tag': move } = workflow.jobs as { verify: Job; 'move-major-tag': Job }
  const runs = (job: Job) => job.steps.map((step) => step.run ?? '').join('\n')

  it('runs when a release is published, granting nothing by default', () => {
    expect(workflow.on).toEqual({ release: { types: ['published'] } })
    expect(workflow.permissions).toEqual({})
  })

  it('verifies the tagged commit read-only: version and changelog, lint, format, types, tests, fresh dist/', () => {
    expect(verify.permissions).toEqual({ contents: 'read' })
    const checkout = verify.steps.find((step) => step.uses?.startsWith('actions/checkout@'))
    expect(checkout?.with).toMatchObject({ ref: '${{ github.event.release.tag_name }}', 'persist-credentials': false })
    const commands = runs(verify)
    for (const command of [
      'node scripts/release-check.mjs --tag "$TAG"',
      'npm ci',
      'npm run lint',
      'npm run format:check',
      'npm run typecheck',
      'npm test',
      'npm run bundle',
      'git diff --text --exit-code dist/'
    ]) {
      expect(commands).toContain(command)
    }
  })

  it('moves the major tag only after the checks, only when release-check says so, with the one write permission', () => {
    expect(move.needs).toBe('verify')
    expect(move.if).toContain("needs.verify.outputs.move == 'true'")
    expect(move.if).toContain('!github.event.release.prerelease')
    expect(move.permissions).toEqual({ contents: 'write' })
    expect(runs(move)).toContain('git/refs/tags/$MAJOR')
  })

  it('passes the release tag to shell commands through env:, never as ${{ }} in run:', () => {
    for (const job of [verify, move]) for (const step of job.steps) expect(step.run ?? '').not.toContain('${{')
  })
})

describe('action.yml for the Marketplace', () => {
  const action = parse(read('action.yml')) as { description: string; branding?: { icon?: string; color?: string } }

  it('has a description the Marketplace shows whole (under 125 characters)', () => {
    expect(action.description.length).toBeLessThan(125)
    expect(action.description).toMatch(/Azure OpenAI/)
  })

  it('has branding with a supported color and an icon', () => {
    // https://docs.github.com/en/actions/reference/workflows-and-actions/metadata-syntax#branding
    expect(['white', 'black', 'yellow', 'blue', 'green', 'orange', 'red', 'purple', 'gray-dark']).toContain(
      action.branding?.color
    )
    expect(action.branding?.icon).toMatch(/^[a-z0-9-]+$/)
  })
})
