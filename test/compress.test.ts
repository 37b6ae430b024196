import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { compressHunks, compressPatch, GIANT_HUNK_LINES } from '../src/compress.js'
import { releasePullRequest } from './emulators/release-fixture.mjs'
import { generatedPullRequest } from './emulators/fixtures.mjs'

// Lines of every kind compression treats differently, including near misses (`@` alone, empty lines).
const line = fc.constantFrom(
  '@@ -1,3 +1,4 @@ fn',
  '@@',
  '@',
  ' context',
  '',
  '+added',
  '-deleted',
  '+',
  '-',
  '\\ No newline at end of file',
  'x'
)
const patches = fc.oneof(
  fc.array(line, { maxLength: 30 }).map((lines) => lines.join('\n')),
  // Hunks made of changes with short context runs: mostly patches that compress to themselves.
  fc
    .array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom('+a', '-b')), { minLength: 1, maxLength: 12 })
    .map((changes) =>
      ['@@ -1 +1 @@', ...changes.flatMap(([context, change]) => [...Array<string>(context).fill(' c'), change])].join('\n')
    )
)

describe('compressPatch', () => {
  // The shortcut for a patch that compresses to itself must never change what compression makes of
  // it: the prompts (and so the plans) depend on it.
  it('compresses every patch exactly as the full compression does', () => {
    fc.assert(
      fc.property(patches, (patch) => {
        expect(compressPatch(patch)).toBe(compressHunks(patch))
      }),
      { numRuns: 20000 }
    )
  })

  it('compresses the benchmark PRs exactly as the full compression does', () => {
    const files = [...generatedPullRequest({ files: 300 }).files, ...releasePullRequest({ number: 1 }).files]
    for (const file of files) expect(compressPatch(file.patch ?? '')).toBe(compressHunks(file.patch ?? ''))
  })

  it('returns a patch with nothing to compress as it is, giant hunks and trailing context aside', () => {
    const hunk = ['@@ -1,4 +1,4 @@', ' a', '-b', '+B', ' c', ' d', '-e', '+E', ' f'].join('\n')
    expect(compressPatch(hunk)).toBe(hunk)
    expect(compressPatch(`${hunk}\n g`)).not.toBe(`${hunk}\n g`)
    const giant = ['@@ -1 +1 @@', ...Array<string>(GIANT_HUNK_LINES + 1).fill('+x')].join('\n')
    expect(compressPatch(giant)).not.toBe(giant)
  })
})
