/**
 * What the model reads first, and every file accounted for: dist/index.js runs against the emulators
 * on a 523-file release PR whose source alone is more than the budget, and on PRs of binary files that
 * GitHub does not recognize by extension (sent without a patch and with 0/0 lines).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { samplePullRequest } from '../emulators/fixtures.mjs'
import { filePathsIn } from '../emulators/openai.mjs'
import { releasePullRequest } from '../emulators/release-fixture.mjs'
import { filesNamed } from '../../scripts/bench.mjs'
import { act, errors, plant, start, summaryComments, type ActionRun, type Emulators, type FixturePull } from './harness.js'

/** The release PR takes several seconds on a 2-core machine. */
const LARGE_PR_TIMEOUT_MS = 120_000

let emu: Emulators
let nextNumber = 600
beforeAll(async () => {
  emu = await start()
})
afterAll(async () => {
  await emu.close()
})

type ChatRecord = { body: { messages: Array<{ role: string; content: string }> } }

/** Plants `pr` under a fresh number, runs the action once, and returns the run with the model requests it made. */
async function summarizeOnce(pr: FixturePull, inputs: Record<string, string | number> = {}) {
  const planted = { ...pr, number: nextNumber++ }
  const { event } = plant(emu, planted)
  const before = emu.openai.requests.length
  const run: ActionRun = await act(emu, event, { inputs })
  const requests = emu.openai.requests.slice(before) as ChatRecord[]
  const sent = [...new Set(requests.flatMap((request) => filePathsIn(request.body.messages)))]
  return { pr: planted, run, requests, sent, comment: summaryComments(emu, planted)[0]?.body ?? '' }
}

/** The files-* outputs as numbers. */
function counts(run: ActionRun) {
  return {
    total: Number(run.outputs['files-total']),
    summarized: Number(run.outputs['files-summarized']),
    omitted: Number(run.outputs['files-omitted'])
  }
}

describe('a 523-file release PR with max-input-tokens: 8000', () => {
  const release = releasePullRequest()
  const librarySource = release.files.map((file) => file.filename).filter((path) => /^src\/lib\/.+\.js$/.test(path))

  it(
    'the model reads the library source first and no build output; every file is named',
    async () => {
      const observed = await summarizeOnce(release, { 'max-input-tokens': 8_000 })
      expect(errors(observed.run)).toEqual([])
      expect(observed.run.outputs.skipped).toBe('')

      // Build output never reaches the model; most of what does is the library's source.
      expect(observed.sent.filter((path) => /^(?:dist|locale|min)\//.test(path))).toEqual([])
      const source = observed.sent.filter((path) => librarySource.includes(path))
      expect(source.length).toBeGreaterThan(10)
      expect(source.length / observed.sent.length).toBeGreaterThanOrEqual(0.7)
      expect(source.length).toBeLessThan(librarySource.length) // the source alone was more than the budget

      // Accounting: the outputs add up to the PR, and agree with what the model was sent.
      const { total, summarized, omitted } = counts(observed.run)
      expect(total).toBe(523)
      expect(summarized + omitted).toBe(total)
      expect(summarized).toBe(observed.sent.length)

      // The comment names every file and says what kind of files the budget left out.
      const unnamed = release.files.map((file) => file.filename).filter((name) => filesNamed(observed.comment, [name]) === 0)
      expect(unnamed).toEqual([])
      expect(observed.comment).toMatch(
        /\*\*Coverage:\*\*.*over max-model-calls \([\d,]+ source files, .*[\d,]+ translation files\)/
      )
      expect(observed.comment).toMatch(/^\*\*Over max-model-calls, translation files \(246\):\*\*/m)
      expect(observed.comment).toMatch(/^\*\*Excluded by include\/exclude \(133\):\*\*.*`dist\/moment\.js`/m)
    },
    LARGE_PR_TIMEOUT_MS
  )

  it(
    'include: dist/** brings build output back: the bundle reaches the model, the PR is otherwise unchanged',
    async () => {
      const observed = await summarizeOnce(release, { 'max-input-tokens': 8_000, include: 'dist/**' })
      expect(errors(observed.run)).toEqual([])
      expect(observed.sent).toContain('dist/moment.js')
      expect(observed.sent.filter((path) => librarySource.includes(path)).length).toBeGreaterThan(5)
      expect(observed.comment).toMatch(/^\*\*Excluded by include\/exclude \(2\):\*\* `min\/moment-with-locales\.min\.js`/m)
      const { total, summarized, omitted } = counts(observed.run)
      expect(summarized + omitted).toBe(total)
    },
    LARGE_PR_TIMEOUT_MS
  )
})

describe('binary files GitHub does not recognize (no patch, 0/0 lines)', () => {
  /** A file as GitHub lists a binary it has no diff for. */
  const binary = (filename: string, status: 'added' | 'modified') => ({ filename, status, additions: 0, deletions: 0 })

  it('a PR of only such files: skipped=no-files, no model call, no Azure token', async () => {
    const sample = samplePullRequest()
    const pr = {
      ...sample,
      files: [binary('locale/de/LC_MESSAGES/messages.mo', 'modified'), binary('models/detector.onnx', 'added')]
    }
    const entraBefore = emu.entra.issued.length
    const observed = await summarizeOnce(pr)
    expect(errors(observed.run)).toEqual([])
    expect(observed.run.code).toBe(0)
    expect(observed.run.outputs.skipped).toBe('no-files')
    expect(observed.run.outputs['model-calls']).toBe('0')
    expect(observed.requests).toEqual([])
    expect(emu.entra.issued.length).toBe(entraBefore)
    expect(observed.run.stdout).toMatch(/models\/detector\.onnx \(binary\)/)
  })

  it('a mixed PR counts them as omitted, never as summarized, and names them as binary', async () => {
    const sample = samplePullRequest()
    const sourceFiles = sample.files.filter((file) => file.filename.startsWith('src/'))
    expect(sourceFiles.length).toBeGreaterThan(0)
    const pr = {
      ...sample,
      files: [
        ...sourceFiles,
        binary('locale/de/LC_MESSAGES/messages.mo', 'modified'),
        binary('models/detector.onnx', 'modified'),
        binary('assets/logo.png', 'added')
      ]
    }
    const observed = await summarizeOnce(pr)
    expect(errors(observed.run)).toEqual([])
    expect(observed.run.outputs.skipped).toBe('')
    expect(counts(observed.run)).toEqual({ total: sourceFiles.length + 3, summarized: sourceFiles.length, omitted: 3 })
    expect(observed.sent.sort()).toEqual(sourceFiles.map((file) => file.filename).sort())
    expect(observed.comment).toContain(`Summarized ${sourceFiles.length} of ${sourceFiles.length + 3} files`)
    const binaryLine = /^\*\*Binary \(3\):\*\* (.+)$/m.exec(observed.comment)?.[1] ?? ''
    for (const path of ['locale/de/LC_MESSAGES/messages.mo', 'models/detector.onnx', 'assets/logo.png'])
      expect(binaryLine).toContain(`\`${path}\``)
  })
})
