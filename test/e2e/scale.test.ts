/**
 * Issue: summaries that scale and stay cheap. dist/index.js runs against the emulators on PRs of 1 to
 * 3,200 files, on a 20-line change next to a 5 MB lock file, and with the cost inputs turned down.
 * Every run is checked against the same invariants (expectScaledRun): one comment, model calls within
 * `max-model-calls` and equal to what Azure OpenAI saw, no prompt over `max-input-tokens` as the
 * emulator bills it, at most two model rounds, outputs that agree with the job summary, and a bounded
 * number of GitHub reads.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { generatedPullRequest } from '../emulators/fixtures.mjs'
import { countPromptTokens, filePathsIn } from '../emulators/openai.mjs'
import { criticalPathRounds, filesNamed, instrument, lockFilePullRequest } from '../../scripts/bench.mjs'
import { act, errors, plant, start, summaryComments, type ActionRun, type Emulators, type FixturePull } from './harness.js'

/** action.yml defaults of the cost inputs. */
const DEFAULT_MAX_MODEL_CALLS = 12
const DEFAULT_MAX_INPUT_TOKENS = 32_000
const DEFAULT_MAX_CONCURRENCY = 4
/** pulls.listFiles returns at most 3,000 files (docs.github.com/rest/pulls/pulls#list-pull-requests-files). */
const GITHUB_FILES_LIMIT = 3_000
/** Files per page of pulls.listFiles at `per_page=100`, the most GitHub allows. */
const GITHUB_PER_PAGE_MAX = 100
/** GitHub reads besides the file pages: the PR, commits, `GET /user`, and the comment listings. */
const GITHUB_OTHER_READS = 6
const GITHUB_READ_ROUTES = new Set(['github.pull', 'github.files', 'github.commits', 'github.user', 'github.comments.list'])
/**
 * Emulated model latency. With none, the emulator answers (and tokenizes) one request before it has
 * received the next, so concurrent map requests would look sequential; with it, requests the action
 * sends together are all received before the first is answered. Nothing here asserts a duration.
 */
const MODEL_LATENCY_MS = 500
/** The largest generated PRs take several seconds each on a 2-core machine. */
const LARGE_PR_TIMEOUT_MS = 120_000

let emu: Emulators
let probe: ReturnType<typeof instrument>
let nextNumber = 200
beforeAll(async () => {
  emu = await start()
  probe = instrument(emu)
  emu.openai.state.latencyMs = MODEL_LATENCY_MS
})
afterAll(async () => {
  await emu.close()
})

type ChatRecord = { body: { messages: Array<{ role: string; content: string }> }; status?: number }

/** One run of the action and everything the emulators saw during it. */
interface Observed {
  readonly pr: FixturePull
  /** The `pull_request` event the run was given. */
  readonly event: unknown
  readonly run: ActionRun
  readonly requests: readonly ChatRecord[]
  readonly githubReads: number
  readonly rounds: number
  /** The body of our one sticky comment ('' when there is none). */
  readonly comment: string
}

/** Plants `pr` under a fresh number (so no run sees another's comment) and runs the action once. */
async function summarizeOnce(pr: FixturePull, inputs: Record<string, string | number> = {}): Promise<Observed> {
  const planted = { ...pr, number: nextNumber++ }
  const { event } = plant(emu, planted)
  return observe(planted, event, inputs)
}

/** Runs the action on an already planted PR and collects what the emulators saw. */
async function observe(pr: FixturePull, event: unknown, inputs: Record<string, string | number> = {}): Promise<Observed> {
  const openaiBefore = emu.openai.requests.length
  const githubBefore = emu.github.requests.length
  probe.reset()
  const run = await act(emu, event, { inputs })
  const github = emu.github.requests.slice(githubBefore) as Array<{ method: string; route: string }>
  return {
    pr,
    event,
    run,
    requests: emu.openai.requests.slice(openaiBefore) as ChatRecord[],
    githubReads: github.filter((request) => request.method === 'GET' && GITHUB_READ_ROUTES.has(request.route)).length,
    rounds: criticalPathRounds(probe.chats),
    comment: summaryComments(emu, pr)[0]?.body ?? ''
  }
}

/** Everything the model was sent in one request, as text. */
function promptText(request: ChatRecord): string {
  return request.body.messages.map((message) => message.content).join('\n')
}

/** Paths the comment lists as not summarized, with the reason it gives (render.ts: "`path` (+a / −d): reason"). */
function listedWithReason(body: string): Map<string, string> {
  // Files not summarized are grouped by reason: "**Excluded by include/exclude (2):** `a` (+1/−0), `b` (+3/−2)".
  const listed = new Map<string, string>()
  for (const group of body.matchAll(/^\*\*(.+?) \([\d,]+\):\*\* (.+)$/gm)) {
    for (const file of (group[2] ?? '').matchAll(/`([^`\n]+)` \(\+[\d,]+\/−[\d,]+\)/g))
      listed.set(file[1] ?? '', (group[1] ?? '').toLowerCase())
  }
  return listed
}

/** The number in a row of the job summary's table ("| Summarized | 178 |"). */
function jobSummaryFigure(summary: string, row: string): number {
  const match = new RegExp(`^\\| ${row} \\| ([\\d,]+) \\|$`, 'm').exec(summary)
  return match ? Number((match[1] ?? '').replace(/,/g, '')) : NaN
}

/** The PR without its lock file (generated PRs carry one, which is always excluded). */
function withoutLockFile(pr: FixturePull): FixturePull {
  return { ...pr, files: pr.files.filter((file) => file.filename !== 'package-lock.json') }
}

/**
 * The invariants of every summarizing run: exit 0, one comment, the cost caps, at most two rounds
 * (all map requests in one wave, then one reduce), outputs consistent with the emulators and the job
 * summary, and GitHub reads bounded by the file pages.
 */
function expectScaledRun(observed: Observed, caps: { maxModelCalls?: number; maxInputTokens?: number } = {}): void {
  const { pr, run, requests } = observed
  const maxModelCalls = caps.maxModelCalls ?? DEFAULT_MAX_MODEL_CALLS
  const maxInputTokens = caps.maxInputTokens ?? DEFAULT_MAX_INPUT_TOKENS
  expect(errors(run)).toEqual([])
  expect(run.code).toBe(0)
  expect(run.outputs.skipped).toBe('')
  expect(summaryComments(emu, pr)).toHaveLength(1)

  // Cost: calls within the cap and equal to what Azure OpenAI received; no prompt over the budget.
  const modelCalls = Number(run.outputs['model-calls'])
  expect(modelCalls).toBe(requests.length)
  expect(modelCalls).toBeGreaterThan(0)
  expect(modelCalls).toBeLessThanOrEqual(maxModelCalls)
  expect(requests.map((request) => request.status)).toEqual(requests.map(() => 200))
  const billed = requests.map((request) => countPromptTokens(request.body.messages))
  expect(billed.filter((tokens) => tokens > maxInputTokens)).toEqual([])
  expect(Number(run.outputs['prompt-tokens'])).toBe(billed.reduce((sum, tokens) => sum + tokens, 0))

  // Rounds: requests that carry files (one request, or the map requests) all go out in one wave,
  // then at most one request without files (the reduce), last.
  const carriesFiles = requests.map((request) => filePathsIn(request.body.messages).length > 0)
  if (requests.length === 1) {
    expect(carriesFiles).toEqual([true])
  } else {
    expect(carriesFiles).toEqual([...carriesFiles.slice(0, -1).map(() => true), false])
    expect(requests.length - 1).toBeLessThanOrEqual(DEFAULT_MAX_CONCURRENCY)
  }
  expect(observed.rounds).toBeLessThanOrEqual(requests.length === 1 ? 1 : 2)

  // Outputs agree with the PR, the comment and the job summary.
  const total = Number(run.outputs['files-total'])
  const summarized = Number(run.outputs['files-summarized'])
  const omitted = Number(run.outputs['files-omitted'])
  expect(total).toBe(pr.files.length)
  expect(summarized + omitted).toBe(total)
  expect(summarized).toBeGreaterThan(0)
  expect(observed.comment.slice(observed.comment.indexOf('\n') + 1)).toBe(run.outputs.summary)
  expect(run.summary).toContain(run.outputs.summary)
  expect(jobSummaryFigure(run.summary, 'Summarized')).toBe(summarized)
  expect(jobSummaryFigure(run.summary, 'Excluded') + jobSummaryFigure(run.summary, 'Omitted')).toBe(omitted)
  expect(jobSummaryFigure(run.summary, 'Model calls')).toBe(modelCalls)
  expect(jobSummaryFigure(run.summary, 'Prompt tokens')).toBe(Number(run.outputs['prompt-tokens']))
  expect(run.summary).toContain(run.outputs['comment-url'])

  // GitHub: one read per 100 listed files, plus a fixed few.
  const pages = Math.ceil(pr.files.length / GITHUB_PER_PAGE_MAX)
  expect(observed.githubReads).toBeLessThanOrEqual(pages + GITHUB_OTHER_READS)
}

/** Every file of the PR is named in the comment, and the ones not summarized are listed with a reason. */
function expectEveryFileNamed(observed: Observed): void {
  const names = observed.pr.files.map((file) => file.filename)
  const unnamed = names.filter((name) => filesNamed(observed.comment, [name]) === 0)
  expect({ unnamed: unnamed.length, first: unnamed.slice(0, 3) }).toEqual({ unnamed: 0, first: [] })
  const listed = listedWithReason(observed.comment)
  expect(listed.size).toBe(Number(observed.run.outputs['files-omitted']))
  for (const path of listed.keys()) expect(names).toContain(path)
}

describe('PRs from 1 to 3,200 files: one comment, within the caps, in two rounds at most', () => {
  it('1 file: exactly one model call', async () => {
    const pr = withoutLockFile(generatedPullRequest({ files: 2, seed: 11 }))
    expect(pr.files).toHaveLength(1)
    const observed = await summarizeOnce(pr)
    expectScaledRun(observed)
    expectEveryFileNamed(observed)
    expect(observed.run.outputs['model-calls']).toBe('1')
    expect(filePathsIn(observed.requests[0]?.body.messages ?? [])).toEqual([pr.files[0]?.filename])
  })

  it('3 files: exactly one model call', async () => {
    const pr = withoutLockFile(generatedPullRequest({ files: 4, seed: 12 }))
    expect(pr.files).toHaveLength(3)
    const observed = await summarizeOnce(pr)
    expectScaledRun(observed)
    expectEveryFileNamed(observed)
    expect(observed.run.outputs['model-calls']).toBe('1')
    expect(filePathsIn(observed.requests[0]?.body.messages ?? []).sort()).toEqual(pr.files.map((file) => file.filename).sort())
  })

  it('50 files: every file named, the lock file listed as excluded', async () => {
    const observed = await summarizeOnce(generatedPullRequest({ files: 50, seed: 13 }))
    expectScaledRun(observed)
    expectEveryFileNamed(observed)
    expect(listedWithReason(observed.comment).get('package-lock.json')).toMatch(/excluded/)
  })

  it(
    '1,000 files: every file named in the comment or listed with its reason',
    async () => {
      const observed = await summarizeOnce(generatedPullRequest({ files: 1_000, seed: 14 }))
      expectScaledRun(observed)
      expect(observed.requests.length).toBeGreaterThan(1) // larger than one request: map-reduce
      expectEveryFileNamed(observed)
    },
    LARGE_PR_TIMEOUT_MS
  )

  it(
    '3,200 files (GitHub lists 3,000): the coverage line counts the files GitHub did not list',
    async () => {
      const pr = generatedPullRequest({ files: 3_200, seed: 15 })
      const observed = await summarizeOnce(pr)
      const unlisted = pr.files.length - GITHUB_FILES_LIMIT
      const coverage = /^\*\*Coverage:\*\*.*$/m.exec(observed.comment)?.[0] ?? ''
      expect(coverage).toContain(`of ${pr.files.length.toLocaleString('en-US')} files`)
      expect(coverage).toMatch(new RegExp(`\\b${unlisted}\\b[^,.]*GitHub`))
      expectScaledRun(observed)
    },
    LARGE_PR_TIMEOUT_MS
  )
})

describe('a 20-line change next to a 5 MB lock file', () => {
  it('sends every changed source line and none of the lock file, and names the lock file as excluded', async () => {
    const observed = await summarizeOnce(lockFilePullRequest())
    expectScaledRun(observed)
    expect(observed.requests).toHaveLength(1)
    const [source, lock] = observed.pr.files
    expect(source?.filename).toBe('src/config/load.ts')
    expect(lock?.filename).toBe('package-lock.json')

    const sent = new Set(observed.requests.flatMap((request) => promptText(request).split('\n')))
    const changed = (patch: string | undefined) => (patch ?? '').split('\n').filter((line) => /^[+-]/.test(line))
    expect(changed(source?.patch)).toHaveLength(20)
    expect(changed(source?.patch).filter((line) => !sent.has(line))).toEqual([])
    expect(changed(lock?.patch).length).toBeGreaterThan(10_000)
    expect(changed(lock?.patch).filter((line) => sent.has(line))).toEqual([])
    expect(observed.requests.every((request) => !promptText(request).includes('"node_modules/dep-0"'))).toBe(true)

    expect(listedWithReason(observed.comment).get('package-lock.json')).toMatch(/excluded/)
    expectEveryFileNamed(observed)
  })
})

describe('an unchanged PR', () => {
  it('a re-run spends no tokens: skipped=unchanged, model-calls 0, no request to Azure OpenAI', async () => {
    const first = await summarizeOnce(generatedPullRequest({ files: 50, seed: 16 }))
    expectScaledRun(first)

    const again = await observe(first.pr, first.event)
    expect(errors(again.run)).toEqual([])
    expect(again.run.code).toBe(0)
    expect(again.run.outputs.skipped).toBe('unchanged')
    expect(again.run.outputs['model-calls']).toBe('0')
    expect(again.run.outputs['prompt-tokens']).toBe('0')
    expect(again.requests).toEqual([])
    expect(again.run.outputs['comment-id']).toBe(first.run.outputs['comment-id'])
    expect(summaryComments(emu, first.pr)).toHaveLength(1)
  })
})

describe('cost inputs', () => {
  it('max-model-calls: 3 on 200 files: at most 3 requests, the files left out named as over max-model-calls', async () => {
    const observed = await summarizeOnce(generatedPullRequest({ files: 200, seed: 17 }), { 'max-model-calls': 3 })
    expectScaledRun(observed, { maxModelCalls: 3 })
    expect(observed.requests.length).toBeLessThanOrEqual(3)
    expectEveryFileNamed(observed)
    const overCap = [...listedWithReason(observed.comment)].filter(([, reason]) => /max-model-calls/.test(reason))
    expect(overCap.length).toBeGreaterThan(0)
    // A file named as over the cap never reached the model.
    const sent = new Set(observed.requests.flatMap((request) => filePathsIn(request.body.messages)))
    expect(overCap.filter(([path]) => sent.has(path))).toEqual([])
    expect(observed.comment).toMatch(/\*\*Coverage:\*\*.*over max-model-calls/)
  })

  it('max-input-tokens: 8000: no request over 8,000 prompt tokens', async () => {
    const observed = await summarizeOnce(generatedPullRequest({ files: 50, seed: 18 }), { 'max-input-tokens': 8_000 })
    expectScaledRun(observed, { maxInputTokens: 8_000 })
    // 50 files are far more than 8,000 tokens: the budget, not the PR, shaped the requests.
    expect(observed.requests.length).toBeGreaterThan(1)
    expectEveryFileNamed(observed)
  })
})

describe('include and exclude', () => {
  it("exclude: 'docs/**': no docs file reaches the model, and each is named as excluded", async () => {
    const pr = generatedPullRequest({ files: 50, seed: 19 })
    const docs = pr.files.map((file) => file.filename).filter((name) => name.startsWith('docs/'))
    expect(docs.length).toBeGreaterThan(0)
    const observed = await summarizeOnce(pr, { exclude: 'docs/**' })
    expectScaledRun(observed)
    expect(
      observed.requests.flatMap((request) => filePathsIn(request.body.messages)).filter((path) => path.startsWith('docs/'))
    ).toEqual([])
    expect(observed.requests.filter((request) => promptText(request).includes('File: docs/'))).toEqual([])
    const listed = listedWithReason(observed.comment)
    expect(docs.filter((name) => !/excluded/.test(listed.get(name) ?? ''))).toEqual([])
    expectEveryFileNamed(observed)
  })

  it("include: 'src/**': only src files reach the model, the others are named as excluded", async () => {
    const pr = generatedPullRequest({ files: 50, seed: 20 })
    const src = pr.files.map((file) => file.filename).filter((name) => name.startsWith('src/'))
    const others = pr.files.map((file) => file.filename).filter((name) => !name.startsWith('src/'))
    const observed = await summarizeOnce(pr, { include: 'src/**' })
    expectScaledRun(observed)
    const sent = observed.requests.flatMap((request) => filePathsIn(request.body.messages))
    expect(sent.filter((path) => !path.startsWith('src/'))).toEqual([])
    expect([...new Set(sent)].sort()).toEqual([...src].sort())
    expect(observed.run.outputs['files-summarized']).toBe(String(src.length))
    const listed = listedWithReason(observed.comment)
    expect(others.filter((name) => !/excluded/.test(listed.get(name) ?? ''))).toEqual([])
    expectEveryFileNamed(observed)
  })
})
