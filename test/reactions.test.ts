/**
 * The reactions of a command run, against the GitHub emulator: they show what happened on the comment,
 * and a reaction GitHub refuses never changes the run's result.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { commandRun, parseCommand } from '../src/command.js'
import { ActionError } from '../src/errors.js'
import { createOctokit } from '../src/github.js'
import { acknowledgeCommand } from '../src/reactions.js'
import { skippedResult } from '../src/skips.js'
import type { RunResult } from '../src/types.js'
import { issueCommentEvent, samplePullRequest } from './emulators/fixtures.mjs'
import { startGitHub } from './emulators/github.mjs'
import { recordingLog } from './fixtures/log.js'

let github: Awaited<ReturnType<typeof startGitHub>>
beforeEach(async () => {
  github = await startGitHub()
})
afterEach(async () => {
  await github.close()
})

const summarized: RunResult = { ...skippedResult({ reason: '', message: '' }, 3), skipped: '', summary: '## Summary' }

/** The sample PR with a trusted /summarize comment on it, and what acknowledgeCommand needs. */
function setUp(token = github.installationToken) {
  const pr = samplePullRequest()
  github.addPullRequest(pr)
  const comment = github.addComment(pr.owner, pr.repo, pr.number, {
    body: '/summarize',
    login: 'octo-maintainer',
    association: 'MEMBER'
  })
  const log = recordingLog()
  const octokit = createOctokit(token, { log, timeoutMs: 10_000, baseUrl: github.apiUrl })
  const command = { commentId: comment.id as number, author: 'octo-maintainer' }
  const acknowledge = (work: () => Promise<RunResult>) =>
    acknowledgeCommand(octokit, { owner: pr.owner, repo: pr.repo }, command, log, work)
  const reactions = () =>
    github.reactions(comment.id).map((r: { content: string; user: { login: string } }) => `${r.user.login}:${r.content}`)
  return { pr, comment, log, acknowledge, reactions }
}

describe('acknowledgeCommand', () => {
  it('reacts 👀 at the start and 🚀 once a summary is written', async () => {
    const { acknowledge, reactions, log } = setUp()
    const result = await acknowledge(() => Promise.resolve(summarized))
    expect(result).toBe(summarized)
    expect(reactions()).toEqual(['github-actions[bot]:eyes', 'github-actions[bot]:rocket'])
    expect(log.warnings).toEqual([])
  })

  it('reacts 😕 when the run ends without a summary', async () => {
    const { acknowledge, reactions } = setUp()
    const skipped = skippedResult({ reason: 'no-files', message: 'PR #42 changes no files.' }, 0)
    await expect(acknowledge(() => Promise.resolve(skipped))).resolves.toBe(skipped)
    expect(reactions()).toEqual(['github-actions[bot]:eyes', 'github-actions[bot]:confused'])
  })

  it('reacts 😕 when the run fails, and the failure is the run’s own', async () => {
    const { acknowledge, reactions } = setUp()
    const failure = new ActionError('Deployment gpt-x not found.')
    await expect(acknowledge(() => Promise.reject(failure))).rejects.toBe(failure)
    expect(reactions()).toEqual(['github-actions[bot]:eyes', 'github-actions[bot]:confused'])
  })

  it('warns once with the permission to add when GitHub refuses reactions (403), and the run goes on', async () => {
    github.state.tokens.ghs_readonly = 'github-actions[bot]'
    github.state.readOnlyTokens.add('ghs_readonly')
    const { acknowledge, reactions, log, comment } = setUp('ghs_readonly')
    await expect(acknowledge(() => Promise.resolve(summarized))).resolves.toBe(summarized)
    expect(reactions()).toEqual([])
    expect(log.warnings).toEqual([
      `Could not add the 'eyes' reaction to the command comment ${comment.id} (403 Resource not accessible by integration - https://docs.github.com/rest); the run goes on without it. Give the job "permissions: pull-requests: write", which covers reactions on a pull request's comments.`
    ])
  })

  it('says so when the comment is gone (404)', async () => {
    const { acknowledge, log, pr, comment } = setUp()
    await acknowledge(async () => {
      github.state.comments.delete(comment.id)
      return summarized
    })
    expect(github.comments(pr.owner, pr.repo, pr.number)).toEqual([])
    expect(log.warnings).toHaveLength(1)
    expect(log.warnings[0]).toMatch(
      /^Could not add the '(eyes|rocket)' reaction .*\(404 .*The comment was deleted while the run worked\.$/
    )
  })
})

describe('commandRun and parseCommand', () => {
  it('take the comment id and author from the issue_comment payload', () => {
    const payload = issueCommentEvent(samplePullRequest(), {
      id: 9001,
      body: '/summarize',
      login: 'octo-maintainer',
      association: 'OWNER'
    })
    expect(commandRun(payload)).toEqual({ commentId: 9001, author: 'octo-maintainer' })
    expect(commandRun({})).toBeUndefined()
  })

  it('default the command to /summarize', () => {
    expect(parseCommand('')).toBe('/summarize')
    expect(parseCommand('  /describe ')).toBe('/describe')
  })
})
