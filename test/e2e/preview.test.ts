/**
 * `npm run preview` shows what the action would post: for the same PR, emulated deployment and
 * Azure CLI login, the comment it prints is the comment the bundled action (dist/index.js, run as a
 * runner would) posts, minus the action's hidden marker; and the preview writes nothing to GitHub.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { COMMENT_END, COMMENT_START } from '../../src/preview.js'
import { pullRequestEvent, samplePullRequest } from '../emulators/fixtures.mjs'
import { startEmulators } from '../emulators/index.mjs'
import { runAction } from '../emulators/run-action.mjs'
import { fakeClis, npmRun, signIn, type FakeClis } from '../fixtures/fake-cli.js'
import { summaryComments } from './harness.js'

let emu: Awaited<ReturnType<typeof startEmulators>>
let fake: FakeClis

beforeEach(async () => {
  // GitHub Enterprise Server's layout (/api/v3): the preview derives the API URL from the PR URL's host.
  emu = await startEmulators({ ghes: true })
  fake = fakeClis()
  signIn(fake, emu)
})

afterEach(async () => {
  fake.close()
  await emu.close()
})

/**
 * An answer that quotes a digest of the whole prompt (the random delimiter left out), so that the two
 * comments can only be equal if the preview and the action sent the same prompt, not just the same files.
 */
function answerWithPromptDigest(body: { messages: Array<{ role: string; content: string }> }) {
  const prompt = body.messages
    .map((m) => `${m.role}:${m.content}`)
    .join('\n')
    .replace(/PR-DATA-[0-9a-f]+/g, 'PR-DATA')
  const digest = createHash('sha256').update(prompt).digest('hex').slice(0, 16)
  return {
    content: JSON.stringify({
      overview: `Prompt digest ${digest}.`,
      changes: [{ area: 'HTTP client', points: ['Adds opt-in retries.'] }],
      files: [{ path: 'src/http/retry.ts', summary: 'Retry with backoff.' }],
      risks: []
    })
  }
}

/**
 * The prompt-token count in the footer depends on the per-run random delimiter that fences the PR
 * data (its hex digits tokenize differently each run); everything else must be identical.
 */
function withoutPromptTokens(markdown: string): string {
  return markdown.replace(/· [\d,]+ prompt \+/, '· N prompt +')
}

describe('npm run preview against the action', () => {
  it('prints the comment the action posts for the same PR, and writes nothing', async () => {
    const pr = samplePullRequest()
    emu.github.addPullRequest(pr)
    emu.openai.state.respond = answerWithPromptDigest
    const url = `${emu.github.serverUrl}/${pr.owner}/${pr.repo}/pull/${pr.number}`

    const preview = await npmRun('preview', [url, '--endpoint', emu.openai.url, '--deployment', 'gpt-4o-mini'], fake.env())
    expect(preview.stderr).not.toMatch(/✗|Unexpected error/)
    expect(preview.code).toBe(0)
    expect(emu.github.requests.filter((request: { method: string }) => request.method !== 'GET')).toEqual([])
    expect(summaryComments(emu, pr)).toHaveLength(0)
    const lines = preview.stdout.split('\n')
    const printed = lines.slice(lines.indexOf(COMMENT_START) + 1, lines.indexOf(COMMENT_END)).join('\n')

    const action = await runAction({
      emu,
      inputs: { ...emu.defaultInputs(), auth: 'azure-cli' },
      event: pullRequestEvent(pr, { action: 'opened', serverUrl: emu.github.serverUrl }),
      env: fake.env()
    })
    expect(action.code).toBe(0)
    const [comment] = summaryComments(emu, pr)
    const posted = comment.body.slice(comment.body.indexOf('\n') + 1).trimEnd()

    expect(posted).toMatch(/^## Summary\n\nPrompt digest [0-9a-f]{16}\.$/m)
    expect(posted).toMatch(/· Azure CLI$/)
    expect(withoutPromptTokens(printed)).toBe(withoutPromptTokens(posted))
    // Both runs asked the same deployment the same way, with the same token from the same Azure CLI login.
    expect(emu.openai.requests.map((request) => [request.auth, request.deployment])).toEqual([
      ['bearer', 'gpt-4o-mini'],
      ['bearer', 'gpt-4o-mini']
    ])
  })
})
