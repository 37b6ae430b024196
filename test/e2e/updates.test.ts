/**
 * Summaries that follow the PR (contract v1.1, "Updates since the last summary"), end to end: the
 * bundled action against the emulators, pushes and force-pushes made on the emulator's commit graph.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { criticalPathRounds, instrument } from '../../scripts/bench.mjs'
import { generatedPullRequest, pullRequestEvent, samplePullRequest } from '../emulators/fixtures.mjs'
import { act, type Emulators, plant, start, summaryComments } from './harness.js'

let emu: Emulators
beforeEach(async () => {
  emu = await start()
})
afterEach(async () => {
  await emu.close()
})

/** The section between "## Since the last summary" and the next level-2 heading. */
function sinceSection(body: string): string {
  const start = body.indexOf('## Since the last summary')
  if (start < 0) return ''
  const next = body.indexOf('\n## ', start + 1)
  return body.slice(start, next < 0 ? undefined : next)
}

/** A synchronize event for the PR as it is stored now (after a push). */
function synchronize(pr: { owner: string; repo: string; number: number }, before: string) {
  return pullRequestEvent(emu.github.pull(pr.owner, pr.repo, pr.number), {
    action: 'synchronize',
    before,
    serverUrl: emu.github.serverUrl
  })
}

interface ChatRecord {
  body: { messages: Array<{ role: string; content: string }>; response_format?: { json_schema?: { name?: string } } }
}

describe('updates since the last summary', () => {
  it('names exactly the files of the new commits, in the same request, on the one comment', async () => {
    const { pr, event } = plant(emu)
    const first = await act(emu, event)
    expect(first.outputs['model-calls']).toBe('1')
    const before = emu.github.pull(pr.owner, pr.repo, pr.number).headSha

    emu.github.pushCommits(pr, {
      message: 'Add jitter to the retry delays',
      files: [{ filename: 'src/http/jitter.ts', content: 'export const jitter = (ms: number) => ms * (0.5 + Math.random())\n' }]
    })
    const chatsBefore = emu.openai.requests.length
    const second = await act(emu, synchronize(pr, before))

    expect(second.code).toBe(0)
    expect(second.outputs['model-calls']).toBe('1')
    const chats = emu.openai.requests.slice(chatsBefore) as ChatRecord[]
    expect(chats).toHaveLength(1)
    expect(chats[0]?.body.response_format?.json_schema?.name).toBe('pull_request_summary_with_update')
    expect(chats[0]?.body.messages[1]?.content).toContain('Changes since the last summary')

    const comments = summaryComments(emu, pr)
    expect(comments).toHaveLength(1)
    const section = sinceSection(comments[0].body)
    expect(section).toContain(`${before.slice(0, 7)}`)
    expect(section).toContain('1 new commit, 1 file')
    expect(section).toContain('src/http/jitter.ts')
    // Only the delta's files: the files of the first push are not listed again.
    for (const file of pr.files) expect(section).not.toContain(file.filename)
    expect(comments[0].body).toMatch(/^<!-- azure-openai-pr-summary:comment fingerprint=[0-9a-f]{64} head=[0-9a-f]{40} history=/)
  })

  it('keeps a bounded history of earlier updates, newest first, and spends nothing on an unchanged re-run', async () => {
    const { pr, event } = plant(emu)
    await act(emu, event)
    for (let push = 1; push <= 3; push++) {
      const before = emu.github.pull(pr.owner, pr.repo, pr.number).headSha
      emu.github.pushCommits(pr, {
        message: `Push ${push}`,
        files: [{ filename: `src/step${push}.ts`, content: `export const step = ${push}\n` }]
      })
      const run = await act(emu, synchronize(pr, before))
      expect(run.code).toBe(0)
    }
    const body = summaryComments(emu, pr)[0].body
    expect(sinceSection(body)).toContain('src/step3.ts')
    expect(body).toContain('Earlier updates (2)')
    const earlier = body.slice(body.indexOf('Earlier updates'))
    expect(earlier.indexOf('· 1 file')).toBeGreaterThan(0)

    const calls = emu.openai.requests.length
    const again = await act(emu, synchronize(pr, emu.github.pull(pr.owner, pr.repo, pr.number).headSha))
    expect(again.outputs.skipped).toBe('unchanged')
    expect(emu.openai.requests.length).toBe(calls)
    expect(emu.github.requests.filter((request: { route: string }) => request.route === 'github.compare')).toHaveLength(3)
  })

  it('says the history was rewritten after a force-push and summarizes the whole PR', async () => {
    const { pr, event } = plant(emu)
    await act(emu, event)
    const before = emu.github.pull(pr.owner, pr.repo, pr.number).headSha
    emu.github.forcePush(pr, {
      message: 'Squash and rework',
      files: [{ filename: 'src/http/squashed.ts', content: 'export const client = 1\n' }]
    })
    const run = await act(emu, synchronize(pr, before))
    expect(run.code).toBe(0)
    const section = sinceSection(summaryComments(emu, pr)[0].body)
    expect(section).toContain('The branch was rewritten since the summary at')
    expect(section).toContain(before.slice(0, 7))
    // The marker records the rewrite, which the next update lists among the earlier ones.
    expect(summaryComments(emu, pr)[0].body).toMatch(
      new RegExp(`history=[0-9T:Z-]+\\.${before.slice(0, 7)}\\.[0-9a-f]{7}\\.r -->`)
    )
  })

  it('asks about the delta beside the reduce on a map-reduce PR: two rounds, within the call cap', async () => {
    const pr = generatedPullRequest({ files: 60, linesPerFile: 60 })
    const probe = instrument(emu)
    const { event } = plant(emu, pr)
    const inputs = { 'max-input-tokens': 4000 }
    const first = await act(emu, event, { inputs })
    expect(Number(first.outputs['model-calls'])).toBeGreaterThan(1)
    const before = emu.github.pull(pr.owner, pr.repo, pr.number).headSha
    emu.github.pushCommits(pr, { message: 'Tune', files: [{ filename: 'src/tuning.ts', content: 'export const tuning = 2\n' }] })

    const chatsBefore = emu.openai.requests.length
    // With a latency, requests sent together are all received before the first is answered, so the
    // rounds on the critical path can be told from the request intervals (no duration is asserted).
    emu.openai.state.latencyMs = 300
    probe.reset()
    const second = await act(emu, synchronize(pr, before), { inputs })
    expect(second.code).toBe(0)
    expect(criticalPathRounds(probe.chats)).toBe(2)
    const chats = emu.openai.requests.slice(chatsBefore) as ChatRecord[]
    const updates = chats.filter((chat) => chat.body.response_format?.json_schema?.name === 'pull_request_update')
    expect(updates).toHaveLength(1)
    expect(updates[0]?.body.messages[1]?.content).toContain('src/tuning.ts')
    expect(Number(second.outputs['model-calls'])).toBeLessThanOrEqual(12)
    expect(sinceSection(summaryComments(emu, pr)[0].body)).toContain('src/tuning.ts')
  })

  it('records the head in the description section too', async () => {
    const { pr, event } = plant(emu, samplePullRequest())
    await act(emu, event, { inputs: { publish: 'description' } })
    const before = emu.github.pull(pr.owner, pr.repo, pr.number).headSha
    emu.github.pushCommits(pr, { message: 'Docs', files: [{ filename: 'docs/retry.md', content: '# Retry\n' }] })
    const run = await act(emu, synchronize(pr, before), { inputs: { publish: 'description' } })
    expect(run.code).toBe(0)
    const body = emu.github.pull(pr.owner, pr.repo, pr.number).body as string
    expect(body).toMatch(/<!-- azure-openai-pr-summary:start fingerprint=[0-9a-f]{64} head=[0-9a-f]{40} history=/)
    expect(sinceSection(body)).toContain('docs/retry.md')
  })
})
