/**
 * The record of what dist/ was bundled from (scripts/dist-hash.mjs), on a throwaway copy of a repository
 * layout, and the refusal of runAction to run a bundle of older sources.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { distStaleness, sourceHash } from '../scripts/dist-hash.mjs'

const SCRIPT = resolve('scripts/dist-hash.mjs')

describe('dist/.source-hash', () => {
  let root: string
  const write = (path: string, text: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  const script = (...args: string[]) => spawnSync(process.execPath, [SCRIPT, '--root', root, ...args], { encoding: 'utf8' })

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'dist-hash-'))
    write('src/index.ts', "import { run } from './run.js'\nrun()\n")
    write('src/run.ts', 'export function run() {}\n')
    write('package-lock.json', '{"lockfileVersion":3}\n')
    write('tsconfig.json', '{}\n')
    write('scripts/minify-dist.mjs', '// minify\n')
    write('dist/index.js', '/* bundle */\n')
  })
  afterEach(() => rmSync(root, { recursive: true, force: true }))

  it('changes with any source file, a new one in a subfolder, or the lock file', () => {
    const base = sourceHash(root)
    expect(sourceHash(root)).toBe(base)
    write('src/run.ts', 'export function run() { return 1 }\n')
    const edited = sourceHash(root)
    expect(edited).not.toBe(base)
    write('src/errors/entra.ts', 'export const x = 1\n')
    const added = sourceHash(root)
    expect(added).not.toBe(edited)
    write('package-lock.json', '{"lockfileVersion":3,"packages":{}}\n')
    expect(sourceHash(root)).not.toBe(added)
  })

  it('depends on contents only: not on mtimes, nor on CRLF line endings', () => {
    const base = sourceHash(root)
    utimesSync(join(root, 'src/run.ts'), new Date(2001, 0, 1), new Date(2001, 0, 1))
    write('src/index.ts', "import { run } from './run.js'\r\nrun()\r\n")
    expect(sourceHash(root)).toBe(base)
  })

  it('is recorded by --write, after which dist/ counts as fresh until a source changes', () => {
    expect(distStaleness(root)).toMatch(/\.source-hash is missing\): run `npm run bundle`/)
    expect(script().status).toBe(1)

    expect(script('--write').status).toBe(0)
    expect(distStaleness(root)).toBeUndefined()
    const check = script()
    expect({ status: check.status, stderr: check.stderr }).toEqual({ status: 0, stderr: '' })

    write('src/run.ts', 'export function run() { return 2 }\n')
    expect(distStaleness(root)).toBe(
      'dist/ is older than src/ (it was bundled from other sources, or dependencies): run `npm run bundle` before running dist/index.js.'
    )
    const stale = script()
    expect(stale.status).toBe(1)
    expect(stale.stderr).toContain('run `npm run bundle`')
  })

  it('says to bundle when there is no dist/index.js at all', () => {
    rmSync(join(root, 'dist'), { recursive: true })
    expect(distStaleness(root)).toBe('dist/index.js is missing: run `npm run bundle` to build it.')
  })
})
