#!/usr/bin/env node
// @ts-check
/**
 * Records what dist/ was bundled from, so that whatever runs dist/index.js (the e2e suites, the demo, the
 * bench) can refuse a bundle of older sources instead of testing yesterday's action. The record is a
 * hash of the sources' contents, not a comparison of mtimes: after `git clone` mtimes follow checkout
 * order, and CI runs the tests on the committed dist/ before it bundles.
 *
 *   node scripts/dist-hash.mjs            check: exit 1 when dist/ was bundled from other sources
 *   node scripts/dist-hash.mjs --write    record the current sources (the last step of `npm run bundle`)
 *   --root DIR                             the repository to look at (default: this one)
 */
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Where the bundle keeps its record; deterministic, so check-dist sees no change on a rebuild. */
export const HASH_FILE = join('dist', '.source-hash')

/** What the bundle is built from besides src/: the pinned dependencies, the compiler options, the minifier, the ranks file's writer. */
const BUNDLE_INPUTS = [
  'package-lock.json',
  'tsconfig.json',
  join('scripts', 'minify-dist.mjs'),
  join('scripts', 'token-ranks.mjs')
]

/** @param {string} dir @returns {string[]} every file under dir */
function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    return entry.isDirectory() ? filesUnder(path) : entry.isFile() ? [path] : []
  })
}

/**
 * SHA-256 (hex) over every file under src/ and the other bundle inputs: path and contents, in path
 * order. Line endings are normalized, so a checkout with CRLF endings hashes like the committed LF one.
 * @param {string} root the repository
 * @returns {string}
 */
export function sourceHash(root) {
  const paths = [...filesUnder(join(root, 'src')), ...BUNDLE_INPUTS.map((path) => join(root, path)).filter(existsSync)]
    .map((path) => relative(root, path).split(sep).join('/'))
    .sort()
  const hash = createHash('sha256')
  for (const path of paths) {
    const text = readFileSync(join(root, path), 'utf8').replace(/\r\n/g, '\n')
    hash.update(`${path}\0${text}\0`)
  }
  return hash.digest('hex')
}

/**
 * Why dist/ cannot be trusted to be the bundle of the current sources, or undefined when it is.
 * @param {string} root the repository
 * @returns {string | undefined} a one-line message that names the fix
 */
export function distStaleness(root) {
  const recordPath = join(root, HASH_FILE)
  if (!existsSync(join(root, 'dist', 'index.js'))) return 'dist/index.js is missing: run `npm run bundle` to build it.'
  if (!existsSync(recordPath)) {
    return `dist/ does not record which sources it was bundled from (${HASH_FILE} is missing): run \`npm run bundle\`.`
  }
  const recorded = readFileSync(recordPath, 'utf8').trim()
  if (recorded !== sourceHash(root)) {
    return 'dist/ is older than src/ (it was bundled from other sources, or dependencies): run `npm run bundle` before running dist/index.js.'
  }
  return undefined
}

function main() {
  const args = process.argv.slice(2)
  const rootFlag = args.indexOf('--root')
  const root = rootFlag === -1 ? resolve(dirname(fileURLToPath(import.meta.url)), '..') : resolve(args[rootFlag + 1] ?? '.')
  if (args.includes('--write')) {
    writeFileSync(join(root, HASH_FILE), `${sourceHash(root)}\n`)
    return 0
  }
  const stale = distStaleness(root)
  if (stale) {
    console.error(stale)
    return 1
  }
  console.log('dist/ is the bundle of the current sources.')
  return 0
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main()
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error))
    process.exitCode = 2
  }
}
