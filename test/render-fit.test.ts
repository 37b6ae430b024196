/**
 * The fit search adds up lengths measured once instead of serializing the summary for each probe. These
 * tests hold the measured length to the serialized one for any layout, on summaries with hostile file
 * names and texts, and check that the measured search picks the layout the serializing one would.
 */
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { codePointLength } from '../src/limits.js'
import { MARKER_TAG } from '../src/marker.js'
import { ladder } from '../src/render-fit.js'
import { inlineCodeLength } from '../src/render-fit.js'
import { describeFit, fitModel, type Layout, renderFitted, renderSummary } from '../src/render.js'
import { stringifyMarkdown } from '../src/sanitize.js'
import type { FileKind, FileNote, OmitReason, SummaryOutcome } from '../src/types.js'

const context = {
  serverUrl: 'https://github.com',
  owner: 'octo',
  repo: 'app',
  number: 7,
  deployment: 'gpt-4o-mini',
  authLabel: 'keyless (OIDC)'
}

const pathPieces = [
  'src/',
  'a.ts',
  '`',
  '``',
  ' ',
  '|',
  '\\',
  '*',
  '_',
  '@alice',
  '#1',
  'Fixes',
  '\n',
  '\r',
  '\t',
  '\u200B',
  '\u202E',
  '😀',
  'é',
  MARKER_TAG,
  '<b>',
  '[x](y)',
  '&amp;',
  'ü/ß.md'
]
const path = fc.array(fc.constantFrom(...pathPieces), { minLength: 1, maxLength: 5 }).map((parts) => parts.join(''))
const textPieces = [
  'Adds **retries**.',
  '@bob',
  'Fixes #3',
  '`code`',
  '- item\n- item',
  '\n\n',
  'plain words',
  '<img src=x>',
  '😀'
]
const modelText = fc.array(fc.constantFrom(...textPieces), { maxLength: 6 }).map((parts) => parts.join(' '))
const reasons: OmitReason[] = ['excluded', 'binary', 'too-large', 'budget', 'call-cap', 'no-answer']
const kinds: FileKind[] = ['source', 'test', 'config', 'docs', 'translation', 'data']
const note: fc.Arbitrary<FileNote> = fc.record(
  {
    path,
    additions: fc.nat({ max: 20_000 }),
    deletions: fc.nat({ max: 20_000 }),
    reason: fc.constantFrom(...reasons),
    kind: fc.constantFrom(...kinds)
  },
  { requiredKeys: ['path', 'additions', 'deletions', 'reason'] }
)

const outcome: fc.Arbitrary<SummaryOutcome> = fc
  .record({
    summarized: fc.uniqueArray(path, { maxLength: 40 }),
    notes: fc.array(note, { maxLength: 40 }),
    overview: modelText,
    points: fc.array(modelText, { maxLength: 4 }),
    risks: fc.array(modelText, { maxLength: 3 }),
    summaries: fc.array(modelText, { maxLength: 40 }),
    unlisted: fc.nat({ max: 5_000 }),
    plain: fc.boolean()
  })
  .map(({ summarized, notes, overview, points, risks, summaries, unlisted, plain }) => {
    const coverage = {
      filesTotal: summarized.length + notes.length + unlisted,
      summarized,
      compressed: summarized.filter((_, index) => index % 3 === 0),
      excluded: notes.filter((entry) => entry.reason === 'excluded'),
      omitted: notes.filter((entry) => entry.reason !== 'excluded'),
      unlisted
    }
    const usage = { promptTokens: 1_234, completionTokens: 56, modelCalls: 3 }
    if (plain) return { markdown: overview, usage, coverage }
    const files = summarized.map((file, index) => ({ path: file, summary: summaries[index] ?? '' }))
    return { doc: { overview, changes: [{ area: 'Area', points }], files, risks }, usage, coverage }
  })

const layoutsFor = (total: number, notes: number) =>
  fc.record({
    cap: fc.oneof(fc.constant(Infinity), fc.nat({ max: 200 })),
    rows: fc.nat({ max: total + 2 }),
    named: fc.nat({ max: total + 2 }),
    listed: fc.nat({ max: notes })
  })

describe('fitModel', () => {
  it('measures every layout at exactly the length it serializes to', () => {
    fc.assert(
      fc.property(
        outcome.chain((o) =>
          fc.tuple(
            fc.constant(o),
            fc.array(layoutsFor(o.coverage.summarized.length, o.coverage.excluded.length + o.coverage.omitted.length), {
              minLength: 1,
              maxLength: 6
            }),
            fc.integer({ min: 200, max: 20_000 })
          )
        ),
        ([o, layouts, limit]) => {
          const model = fitModel(o, { ...context, limit })
          expect(model.exact).toBe(true)
          for (const layout of layouts) {
            const measured = model.measure(layout)
            if (measured !== undefined) expect(measured).toBe(codePointLength(model.compose(layout)))
          }
        }
      ),
      { numRuns: 150 }
    )
  })

  it('picks the layout that serializing every probe picks', () => {
    fc.assert(
      fc.property(outcome, fc.integer({ min: 300, max: 8_000 }), (o, limit) => {
        const model = fitModel(o, { ...context, limit })
        const slow = ladder(model.search, (layout) => codePointLength(model.compose(layout)) <= limit)
        const { markdown, fit } = renderFitted(o, { ...context, limit })
        expect(fit.measured).toBe(true)
        expect(fit.level).toBe(slow.level)
        expect(fit.layout).toEqual(slow.layout)
        if (slow.layout) expect(markdown).toBe(model.compose(slow.layout))
        expect(codePointLength(markdown)).toBeLessThanOrEqual(limit)
      }),
      { numRuns: 80 }
    )
  })
})

describe('inlineCodeLength', () => {
  it('is the length of the code span the serializer writes', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', '`', ' ', '``', '```', 'é', '😀', '|'), { maxLength: 8 }), (parts) => {
        const value = parts.join('')
        const written = stringifyMarkdown({
          type: 'root',
          children: [{ type: 'paragraph', children: [{ type: 'inlineCode', value }] }]
        })
        expect(inlineCodeLength(value)).toBe(codePointLength(written.replace(/\n$/, '')))
      })
    )
  })
})

describe('renderFitted', () => {
  const files = Array.from({ length: 400 }, (_, index) => `src/module-${index % 9}/file-${index}.ts`)
  const many: SummaryOutcome = {
    doc: {
      overview: 'Refactors the loader.',
      changes: [{ area: 'Loader', points: ['Caches modules.'] }],
      files: files.map((file) => ({ path: file, summary: 'Updates the `loader`.' })),
      risks: []
    },
    usage: { promptTokens: 1, completionTokens: 1, modelCalls: 1 },
    coverage: {
      filesTotal: 2_400,
      summarized: files,
      compressed: [],
      excluded: [],
      omitted: Array.from({ length: 2_000 }, (_, index) => ({
        path: `locale/x-${index}.json`,
        additions: index,
        deletions: 1,
        reason: 'call-cap' as const,
        kind: 'translation' as const
      })),
      unlisted: 0
    }
  }

  it('names the rung of the ladder that fired, and what it kept', () => {
    const whole = renderFitted(many, { ...context, limit: 1_000_000 })
    expect(whole.fit).toMatchObject({ level: 'whole', measured: true })
    expect(describeFit(whole.fit)).toBe('Summary rendered (whole).')
    const cut = renderFitted(many, context)
    expect(cut.fit.level).toBe('files-cut')
    expect(cut.markdown).toBe(renderSummary(many, context))
    const kept = cut.fit.layout as Layout
    expect(describeFit(cut.fit)).toBe(
      `Summary cut to fit (files-cut): ${kept.rows} walkthrough rows, ${kept.named} files named, ${kept.listed} files not summarized listed.`
    )
    expect(renderFitted(many, { ...context, limit: 40 }).fit.level).toBe('fixed-sentence')
  })
})
