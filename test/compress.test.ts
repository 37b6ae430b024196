import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { compressPatch, GIANT_HUNK_LINES } from '../src/compress.js'
import { releasePullRequest } from './emulators/release-fixture.mjs'
import { generatedPullRequest } from './emulators/fixtures.mjs'

/**
 * compressPatch as it was before it learned to recognize a patch with nothing to compress: every
 * patch must still come out exactly as this made it, since the prompts (and so the plans) depend on it.
 */
function referenceCompress(patch: string): string {
  const out: string[] = []
  let hunk: string[] = []
  const flush = (): void => {
    if (hunk.length > 0) out.push(...referenceHunk(hunk))
    hunk = []
  }
  for (const line of patch.split('\n')) {
    if (line.startsWith('@@')) flush()
    if (line.startsWith('@@') || hunk.length > 0) hunk.push(line)
    else out.push(line)
  }
  flush()
  return out.join('\n')
}

function referenceHunk([header, ...body]: string[]): string[] {
  const lines = body.filter((line) => !line.startsWith('\\'))
  const added = lines.some((line) => line.startsWith('+'))
  const deleted = lines.filter((line) => line.startsWith('-')).length
  if (!added && deleted > 0) return [header ?? '', `[${deleted} lines deleted]`]
  const kept: string[] = []
  let run: string[] = []
  let seenChange = false
  const flushContext = (beforeChange: boolean): void => {
    const head = seenChange ? run.slice(0, 1) : []
    const tail = beforeChange ? run.slice(Math.max(head.length, run.length - 1)) : []
    const dropped = run.length - head.length - tail.length
    kept.push(...head)
    if (dropped > 0 && seenChange && beforeChange) kept.push(`[${dropped} unchanged lines]`)
    kept.push(...tail)
    run = []
  }
  for (const line of lines) {
    if (line.startsWith('+') || line.startsWith('-')) {
      flushContext(true)
      seenChange = true
      kept.push(line)
    } else {
      run.push(line)
    }
  }
  flushContext(false)
  if (kept.length <= GIANT_HUNK_LINES) return [header ?? '', ...kept]
  return [header ?? '', ...kept.slice(0, 150), `[${kept.length - 200} lines omitted]`, ...kept.slice(-50)]
}

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
  it('compresses every patch exactly as before', () => {
    fc.assert(
      fc.property(patches, (patch) => {
        expect(compressPatch(patch)).toBe(referenceCompress(patch))
      }),
      { numRuns: 20000 }
    )
  })

  it('compresses the benchmark PRs exactly as before', () => {
    const files = [...generatedPullRequest({ files: 300 }).files, ...releasePullRequest({ number: 1 }).files]
    for (const file of files) expect(compressPatch(file.patch ?? '')).toBe(referenceCompress(file.patch ?? ''))
  })

  it('returns a patch with nothing to compress as it is, giant hunks and trailing context aside', () => {
    const hunk = ['@@ -1,4 +1,4 @@', ' a', '-b', '+B', ' c', ' d', '-e', '+E', ' f'].join('\n')
    expect(compressPatch(hunk)).toBe(hunk)
    expect(compressPatch(`${hunk}\n g`)).not.toBe(`${hunk}\n g`)
    const giant = ['@@ -1 +1 @@', ...Array<string>(GIANT_HUNK_LINES + 1).fill('+x')].join('\n')
    expect(compressPatch(giant)).not.toBe(giant)
  })
})
