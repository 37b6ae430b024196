import { beforeAll, describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { fileSection } from '../src/prompt.js'
import { SECTION_OVERHEAD_TOKENS } from '../src/compress.js'
import { sortForReview } from '../src/kinds.js'
import { selectFiles } from '../src/select.js'
import { loadTokenizer, type Tokenizer } from '../src/tokens.js'
import type { ChangedFile, PullRequestData } from '../src/types.js'
import { pullRequestData } from './fixtures/pr.js'

let tokenizer: Tokenizer
beforeAll(async () => {
  tokenizer = await loadTokenizer()
})

const lineArb = fc
  .tuple(
    fc.constantFrom(' ', '+', '-'),
    fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.constantFrom('const a = 1;', '}', '', '    return value', '<|endoftext|>', '\t\t// note')
    )
  )
  .map(([prefix, text]) => prefix + text.replace(/[\r\n]/g, ' '))

const hunkArb = fc
  .tuple(fc.nat(500), fc.array(lineArb, { minLength: 1, maxLength: 120 }))
  .map(([start, lines]) => [`@@ -${start},${lines.length} +${start},${lines.length} @@`, ...lines].join('\n'))

const patchArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 6, arbitrary: fc.array(hunkArb, { minLength: 1, maxLength: 4 }).map((hunks) => hunks.join('\n')) }
)

const nameArb = fc
  .tuple(
    fc.constantFrom('src', 'test', 'docs', '.github/workflows', 'vendor/x', 'lib/deep/er', ''),
    fc.stringMatching(/^[a-z][a-z0-9_-]{0,12}$/),
    fc.constantFrom('.ts', '.test.ts', '.md', '.json', '.png', '.lock', '.go', '.min.js', '')
  )
  .map(([dir, base, ext]) => (dir ? `${dir}/${base}${ext}` : `${base}${ext}`))

const fileArb = fc.record({
  filename: nameArb,
  patch: patchArb,
  status: fc.constantFrom('added', 'modified', 'removed', 'renamed'),
  extra: fc.nat(50)
})

const scenarioArb = fc.record({
  files: fc.uniqueArray(fileArb, { minLength: 1, maxLength: 25, selector: (f) => f.filename }),
  singleCapacity: fc.integer({ min: 200, max: 6000 }),
  mapCapacity: fc.integer({ min: 200, max: 6000 }),
  maxModelCalls: fc.integer({ min: 1, max: 6 }),
  maxConcurrency: fc.integer({ min: 1, max: 4 }),
  exclude: fc.subarray(['*.md', 'docs/**', 'src/*.ts'])
})

function toData(files: ChangedFile[]): PullRequestData {
  return pullRequestData(files)
}

describe('selectFiles (property)', () => {
  it('never overfills a request, respects the call cap, and accounts for every file exactly once', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const files: ChangedFile[] = scenario.files.map((f) => {
          const lines = f.patch?.split('\n') ?? []
          return {
            filename: f.filename,
            status: f.status,
            additions: f.patch === null ? f.extra : lines.filter((line) => line.startsWith('+')).length,
            deletions: f.patch === null ? 0 : lines.filter((line) => line.startsWith('-')).length,
            ...(f.patch === null ? {} : { patch: f.patch }),
            ...(f.status === 'renamed' ? { previousFilename: `old/${f.filename}` } : {})
          }
        })
        const selection = selectFiles(
          toData(files),
          {
            include: [],
            exclude: scenario.exclude,
            maxModelCalls: scenario.maxModelCalls,
            maxConcurrency: scenario.maxConcurrency,
            singleCapacity: scenario.singleCapacity,
            mapCapacity: scenario.mapCapacity,
            render: fileSection
          },
          tokenizer
        )
        const capacity = selection.single ? scenario.singleCapacity : scenario.mapCapacity

        expect(selection.groups.length).toBeLessThanOrEqual(
          selection.single ? 1 : Math.min(scenario.maxModelCalls - 1, scenario.maxConcurrency)
        )
        for (const group of selection.groups) {
          let used = 0
          for (const packed of group) {
            expect(packed.tokens).toBe(tokenizer.countTokens(packed.section))
            expect(packed.section).toBe(fileSection(packed.file, packed.patch))
            used += packed.tokens + SECTION_OVERHEAD_TOKENS
          }
          expect(used).toBeLessThanOrEqual(capacity)
          expect(tokenizer.countTokens(group.map((packed) => packed.section).join('\n\n'))).toBeLessThanOrEqual(capacity)
        }

        const sent = selection.groups.flat().map((packed) => packed.file.filename)
        const named = [
          ...sent,
          ...selection.coverage.excluded.map((n) => n.path),
          ...selection.coverage.omitted.map((n) => n.path)
        ]
        expect([...named].sort()).toEqual(files.map((f) => f.filename).sort())
        // Summarized files are listed in review order, whatever request they went in.
        expect(selection.coverage.summarized).toEqual(
          sortForReview(
            selection.groups.flat().map((packed) => packed.file),
            (f) => f.filename
          ).map((f) => f.filename)
        )
        expect([...selection.coverage.summarized].sort()).toEqual([...sent].sort())
        for (const path of selection.coverage.compressed) expect(sent).toContain(path)
      }),
      { numRuns: 150 }
    )
  })
})
