/**
 * compileGlob (src/glob.ts) answers exactly as minimatch does, for the default excludes and globs of
 * the shapes users write, on plain paths and on the odd ones minimatch is left to answer.
 */
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { Minimatch } from 'minimatch'
import { DEFAULT_EXCLUDES } from '../src/filters.js'
import { compileGlob, hasPlainTest } from '../src/glob.js'

const OPTIONS = { dot: true, matchBase: true, nocomment: true, nonegate: true }

// prettier-ignore
const USER_GLOBS = [
  'docs/**', '.env*', '*.sql', 'src/**', '**/*.yml', 'yarn.lock', '**/*.snap', 'packages/*/dist/**', 'dist/**',
  '*.{yml,yaml}', '**/vendor/**', 'a*', '*.tar.gz', '*.{tar.gz,zip}', '*.{png}', '{a,b}.md', 'src/*.ts', '**/*',
  '*', '**', 'a/**/b', '*.[jt]s', '?.md', '!x', '#x', 'docs/', '*.min.*', 'src/**/test/**'
]

// prettier-ignore
const SEGMENTS = [
  'src', 'dist', 'DIST', 'Dist', 'a', 'b', 'docs', 'packages', 'test', 'node_modules', 'vendor', '.next', '.cache',
  '__snapshots__', 'third_party', '__generated__', 'yarn.lock', 'YARN.LOCK', 'package-lock.json', 'Package.resolved',
  'x.min.js', 'a.MIN.CSS', 'app.js.map', 'img.png', 'IMG.PNG', 'a.tar.gz', 'b.generated.ts', '.generated.', 'foo_pb2.py',
  'x.pb.go', 'snap.snap', '.env', '.env.local', 'env', 'q.sql', 'c.yml', 'c.yaml', 'a.ts', 'a.js', 'b.md', 'a.md',
  '.', '..', '', 'é.png', 'distx', 'xdist', '.lock', 'lock', '\u212Aa.lock', 'PACKAGE-LOCK.JSON', 'x.tgz', '.png', 'png',
  'go.sum', 'a b.lock', 'a\\b.png', 'cs', 'x.zip'
]

const paths = fc
  .tuple(
    fc.constantFrom('', '', '', '/'),
    fc.array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 5 }),
    fc.constantFrom('', '', '', '/')
  )
  .map(([head, segments, tail]) => `${head}${segments.join('/')}${tail}`)

describe('compileGlob', () => {
  it('answers as minimatch does, with and without nocase, for the defaults and user globs', () => {
    const globs = [...DEFAULT_EXCLUDES, ...USER_GLOBS].flatMap((pattern) =>
      [true, false].map((nocase) => ({
        pattern,
        nocase,
        fast: compileGlob(pattern, { ...OPTIONS, nocase }),
        reference: new Minimatch(pattern, { ...OPTIONS, nocase })
      }))
    )
    fc.assert(
      fc.property(paths, (path) => {
        for (const glob of globs) {
          if (glob.fast.match(path) !== glob.reference.match(path)) {
            throw new Error(`${glob.pattern} (nocase: ${glob.nocase}) on ${JSON.stringify(path)}: ${glob.fast.match(path)}`)
          }
        }
      }),
      { numRuns: 3_000 }
    )
  })

  it('tests every default exclude without minimatch on a plain path', () => {
    expect(DEFAULT_EXCLUDES.filter((pattern) => !hasPlainTest(pattern, true))).toEqual([])
  })

  it('answers for a path whose forms it worked out for another glob of the other case', () => {
    const exact = compileGlob('*.PNG', OPTIONS)
    const folded = compileGlob('*.png', { ...OPTIONS, nocase: true })
    expect([folded.match('a/IMG.PNG'), exact.match('a/IMG.PNG'), exact.match('a/img.png'), folded.match('a/img.png')]).toEqual([
      true,
      true,
      false,
      true
    ])
  })
})
