#!/usr/bin/env node
// @ts-check
/**
 * Checks a release tag before the release workflow moves the major tag (.github/workflows/release.yml):
 * the tag is vX.Y.Z, package.json says X.Y.Z, CHANGELOG.md has a "## [X.Y.Z]" section with content, and
 * the tag is the newest release of its major line. Prints `major=vX` and `move=true|false` lines (for
 * GITHUB_OUTPUT); every refusal is one line on stderr, exit 1.
 *
 *   node scripts/release-check.mjs --tag v1.2.0 [--tags "v1.0.0 v1.1.0 …"] [--root DIR]
 *
 * Without --tags, the existing tags come from `git tag --list 'v*'`.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const RELEASE_TAG = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/

/**
 * @typedef {{ major: string, move: boolean, reason: string }} MajorTagPlan
 */

/**
 * The checks on the repository's files, pure. Returns the problems found (empty when releasable).
 * @param {string} tag
 * @param {{ packageJson: string, changelog: string }} files
 * @returns {string[]}
 */
export function releaseProblems(tag, { packageJson, changelog }) {
  const match = RELEASE_TAG.exec(tag)
  if (!match) return [`tag '${tag}' is not vMAJOR.MINOR.PATCH (for example v1.2.0); publish the release under such a tag`]
  const version = tag.slice(1)
  const problems = []
  const declared = JSON.parse(packageJson).version
  if (declared !== version) {
    problems.push(`package.json has version '${declared}', not '${version}'; set it in the release commit, then tag that commit`)
  }
  const section = changelogSection(changelog, version)
  if (section === undefined) {
    problems.push(`CHANGELOG.md has no "## [${version}]" section; move the Unreleased entries under it in the release commit`)
  } else if (!/^\s*[-*] \S/m.test(section)) {
    problems.push(`CHANGELOG.md's "## [${version}]" section lists no change; add what the release changes`)
  }
  return problems
}

/**
 * The text under "## [version]" up to the next "## " heading, or undefined when there is none.
 * @param {string} changelog @param {string} version
 */
export function changelogSection(changelog, version) {
  const lines = changelog.split('\n')
  const start = lines.findIndex((line) => line.startsWith(`## [${version}]`))
  if (start === -1) return undefined
  const end = lines.findIndex((line, i) => i > start && line.startsWith('## '))
  return lines.slice(start + 1, end === -1 ? undefined : end).join('\n')
}

/**
 * Whether publishing `tag` should move its major tag: only when no newer release of the same major line
 * exists, so that a patch to an older minor (v1.2.1 after v1.3.0) does not take `v1` backwards.
 * Prereleases are not tags of this form and never reach here.
 * @param {string} tag vX.Y.Z
 * @param {readonly string[]} existing Every tag of the repository (others than vX.Y.Z are ignored).
 * @returns {MajorTagPlan}
 */
export function majorTagPlan(tag, existing) {
  const version = parse(tag)
  if (!version) throw new Error(`tag '${tag}' is not vMAJOR.MINOR.PATCH`)
  const major = `v${version[0]}`
  const newer = existing
    .map((name) => ({ name, version: parse(name) }))
    .filter((entry) => entry.version && entry.version[0] === version[0] && compare(entry.version, version) > 0)
    .map((entry) => entry.name)
  if (newer.length > 0) {
    return { major, move: false, reason: `${major} stays where it is: ${newer.sort().join(', ')} is newer than ${tag}` }
  }
  return { major, move: true, reason: `${major} moves to ${tag}` }
}

/** @param {string} tag @returns {[number, number, number] | undefined} */
function parse(tag) {
  const match = RELEASE_TAG.exec(tag)
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined
}

/** @param {readonly number[]} a @param {readonly number[]} b */
function compare(a, b) {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0)
  return 0
}

/** @param {string[]} argv */
function main(argv) {
  /** @type {Record<string, string>} */
  const options = {}
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i] ?? ''
    if (!['--tag', '--tags', '--root'].includes(name) || argv[i + 1] === undefined) {
      process.stderr.write(
        `release-check: unknown or incomplete argument '${name}'; usage: --tag vX.Y.Z [--tags "…"] [--root DIR]\n`
      )
      return 2
    }
    options[name.slice(2)] = argv[i + 1] ?? ''
  }
  const tag = options.tag ?? ''
  const root = options.root ?? process.cwd()
  const problems = releaseProblems(tag, {
    packageJson: readFileSync(join(root, 'package.json'), 'utf8'),
    changelog: readFileSync(join(root, 'CHANGELOG.md'), 'utf8')
  })
  for (const problem of problems) process.stderr.write(`release-check: ${problem}\n`)
  if (problems.length > 0) return 1
  const tags =
    options.tags !== undefined
      ? options.tags.split(/\s+/).filter(Boolean)
      : execFileSync('git', ['tag', '--list', 'v*'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean)
  const plan = majorTagPlan(tag, tags)
  process.stderr.write(`release-check: ${tag} is releasable; ${plan.reason}\n`)
  process.stdout.write(`major=${plan.major}\nmove=${plan.move}\n`)
  return 0
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = main(process.argv.slice(2))
