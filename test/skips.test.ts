import { describe, expect, it } from '@jest/globals'
import { isCommand } from '../src/command.js'
import { type EarlyInputs, matchingAuthorGlob, type RunEvent, skipAfterRead, skipBeforeSettings } from '../src/skips.js'
import { issueCommentEvent, samplePullRequest } from './emulators/fixtures.mjs'
import { pullRequestData } from './fixtures/pr.js'

const inputs: EarlyInputs = { auth: 'auto', apiKey: '', pullNumber: '', command: '' }
const DEFAULT_SKIP_AUTHORS = ['dependabot[bot]', 'renovate[bot]']

/** An issue_comment run for a comment on the sample PR (or on a plain issue). */
function commentRun(
  body: string,
  association: string,
  options: { login?: string; action?: 'created' | 'edited' | 'deleted'; onIssue?: boolean } = {}
): RunEvent {
  const comment = { body, association, login: options.login ?? 'octo-maintainer', id: 501 }
  return {
    name: 'issue_comment',
    payload: issueCommentEvent(samplePullRequest(), comment, { action: options.action, onIssue: options.onIssue })
  }
}

describe('the command gate of issue_comment runs (before settings and tokens)', () => {
  it.each(['OWNER', 'MEMBER', 'COLLABORATOR'])('lets the exact command from a %s through', (association) => {
    expect(skipBeforeSettings(commentRun('/summarize', association), inputs, true)).toBeUndefined()
  })

  it.each(['CONTRIBUTOR', 'FIRST_TIME_CONTRIBUTOR', 'FIRST_TIMER', 'NONE', 'MANNEQUIN', ''])(
    'refuses the command from %j: skipped=not-authorized, naming who may and why',
    (association) => {
      const skip = skipBeforeSettings(commentRun('/summarize', association, { login: 'drive-by' }), inputs, true)
      expect(skip?.reason).toBe('not-authorized')
      expect(skip?.message).toContain("'drive-by' (author_association ")
      expect(skip?.message).toContain('only OWNER, MEMBER, COLLABORATOR may')
    }
  )

  it.each([
    ['another comment', 'LGTM, thanks!'],
    ['the command later in the comment', 'Nice.\n/summarize'],
    ['words after the command', '/summarize please'],
    ['a longer command', '/summarize-all'],
    ['an empty comment', '']
  ])('ignores %s: skipped=not-a-command, without quoting the comment', (_what, body) => {
    const skip = skipBeforeSettings(commentRun(body, 'OWNER'), inputs, true)
    expect(skip?.reason).toBe('not-a-command')
    expect(skip?.message).toContain("is not the command '/summarize'")
    if (body !== '') expect(skip?.message).not.toContain(body)
  })

  it('checks the command before the author, so ordinary comments from anyone are just not commands', () => {
    expect(skipBeforeSettings(commentRun('+1', 'NONE'), inputs, true)?.reason).toBe('not-a-command')
  })

  it('ignores a deleted comment even when it was the command', () => {
    expect(skipBeforeSettings(commentRun('/summarize', 'OWNER', { action: 'deleted' }), inputs, true)?.reason).toBe(
      'not-a-command'
    )
  })

  it('takes the command from the input, one line only', () => {
    const custom = { ...inputs, command: '  @octo-bot summarize ' }
    expect(skipBeforeSettings(commentRun('@octo-bot summarize', 'MEMBER'), custom, true)).toBeUndefined()
    expect(skipBeforeSettings(commentRun('/summarize', 'MEMBER'), custom, true)?.reason).toBe('not-a-command')
    expect(() => skipBeforeSettings(commentRun('/summarize', 'MEMBER'), { ...inputs, command: '/a\n/b' }, true)).toThrow(
      "Invalid command '/a…': it must be one line"
    )
  })

  it('keeps a comment on a plain issue not-a-pull-request, command or not', () => {
    expect(skipBeforeSettings(commentRun('/summarize', 'OWNER', { onIssue: true }), inputs, true)?.reason).toBe(
      'not-a-pull-request'
    )
  })

  it('gates issue_comment runs that name the PR with pull-number too', () => {
    const run = commentRun('/summarize', 'NONE', { onIssue: true })
    expect(skipBeforeSettings(run, { ...inputs, pullNumber: '42' }, true)?.reason).toBe('not-authorized')
  })

  it('does not apply to other events', () => {
    const pullRequest: RunEvent = { name: 'pull_request', payload: { pull_request: { number: 1 } } }
    expect(skipBeforeSettings(pullRequest, inputs, true)).toBeUndefined()
  })
})

describe('isCommand', () => {
  it.each([
    ['/summarize', true],
    ['  /summarize  \r\nplease, with the new instructions', true],
    ['/Summarize', true],
    ['/summarize now', false],
    ['> /summarize', false],
    ['`/summarize`', false]
  ])('%j → %s', (body, expected) => {
    expect(isCommand(body, '/summarize')).toBe(expected)
  })
})

describe('skip-authors (right after the PR read)', () => {
  const files = [{ filename: 'package.json', status: 'modified' as const, additions: 1, deletions: 1, patch: '@@ -1 +1 @@' }]
  const byAuthor = (author: string, draft = false) => pullRequestData(files, { pr: { author, number: 77, draft } })
  const settings = { skipDrafts: true, skipAuthors: DEFAULT_SKIP_AUTHORS }

  it('skips Dependabot and Renovate by default: skipped=author, naming the login and the glob', () => {
    const skip = skipAfterRead(byAuthor('dependabot[bot]'), settings)
    expect(skip).toEqual({
      reason: 'author',
      message: expect.stringContaining("PR #77 is by 'dependabot[bot]', who matches skip-authors 'dependabot[bot]'")
    })
    expect(skipAfterRead(byAuthor('renovate[bot]'), settings)?.reason).toBe('author')
    expect(skipAfterRead(byAuthor('octo-contributor'), settings)).toBeUndefined()
  })

  it('compares logins case-insensitively, with * and ? as wildcards and [bot] literal', () => {
    expect(matchingAuthorGlob('Dependabot[Bot]', DEFAULT_SKIP_AUTHORS)).toBe('dependabot[bot]')
    expect(matchingAuthorGlob('dependabotb', DEFAULT_SKIP_AUTHORS)).toBeUndefined()
    expect(matchingAuthorGlob('github-actions[bot]', ['*[bot]'])).toBe('*[bot]')
    expect(matchingAuthorGlob('octo-bot', ['*[bot]'])).toBeUndefined()
    expect(matchingAuthorGlob('release-7', ['release-?'])).toBe('release-?')
    expect(matchingAuthorGlob('release-17', ['release-?'])).toBeUndefined()
  })

  it('skips nobody when skip-authors is empty', () => {
    expect(skipAfterRead(byAuthor('dependabot[bot]'), { ...settings, skipAuthors: [] })).toBeUndefined()
  })

  it('summarizes drafts and skip-authors PRs for a command run, but still not a PR without files', () => {
    expect(skipAfterRead(byAuthor('dependabot[bot]', true), settings, true)).toBeUndefined()
    expect(skipAfterRead(byAuthor('dependabot[bot]', true), settings)?.reason).toBe('author')
    expect(skipAfterRead(byAuthor('octo-contributor', true), settings)?.reason).toBe('draft')
    const empty = pullRequestData([], { pr: { author: 'octo-contributor' } })
    expect(skipAfterRead(empty, settings, true)?.reason).toBe('no-files')
  })
})
