/**
 * instructions-file against a local fake of GitHub's contents API (each answer shape GitHub gives), and
 * against the GitHub emulator's commit graph for base-versus-head.
 */
import { describe, expect, it } from '@jest/globals'
import type { IncomingMessage } from 'node:http'
import { createOctokit } from '../src/github.js'
import { INSTRUCTIONS_FILE_MAX_CHARS, readInstructionsFile, withInstructionsFile } from '../src/instructions.js'
import { samplePullRequest } from './emulators/fixtures.mjs'
import { startGitHub } from './emulators/github.mjs'
import { json, listenLocal } from './fixtures/http.js'
import { recordingLog } from './fixtures/log.js'
import { testSettings } from './fixtures/settings.js'

const BASE_SHA = '0123456789abcdef0123456789abcdef01234567'
const base = { owner: 'octo-org', repo: 'octo-repo', baseSha: BASE_SHA, baseRef: 'main' }
const PATH = '.github/pr-summary.md'

/** A file entry as the contents API sends it (base64 in lines of 60, as GitHub does). */
function fileEntry(content: Buffer | string, overrides: Record<string, unknown> = {}) {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content)
  return {
    type: 'file',
    encoding: 'base64',
    size: bytes.length,
    name: 'pr-summary.md',
    path: PATH,
    sha: 'f'.repeat(40),
    content: (bytes.toString('base64').match(/.{1,60}/g) ?? []).join('\n') + '\n',
    ...overrides
  }
}

/** An Octokit against a fake that answers GET contents with `answer` and records what was asked. */
async function contentsApi(answer: (req: IncomingMessage) => { status: number; body: unknown }) {
  const asked: string[] = []
  const { baseUrl } = await listenLocal((req, res) => {
    asked.push(req.url ?? '')
    const { status, body } = answer(req)
    json(res, status, body)
  })
  const octokit = createOctokit('ghs_test', { log: recordingLog(), timeoutMs: 10_000, baseUrl })
  return { octokit, asked }
}

describe('readInstructionsFile', () => {
  it('reads the file at the base commit, never at a branch or the head', async () => {
    const { octokit, asked } = await contentsApi(() => ({ status: 200, body: fileEntry('Name breaking changes first.\n') }))
    await expect(readInstructionsFile(octokit, base, PATH)).resolves.toBe('Name breaking changes first.')
    // Octokit sends the path's `/` as %2F, which GitHub decodes.
    expect(asked.map(decodeURIComponent)).toEqual([`/repos/octo-org/octo-repo/contents/${PATH}?ref=${BASE_SHA}`])
  })

  it('drops a byte-order mark and CRLF line endings, and trims', async () => {
    const { octokit } = await contentsApi(() => ({ status: 200, body: fileEntry('\uFEFF\r\n- one\r\n- two\r\n\r\n') }))
    await expect(readInstructionsFile(octokit, base, PATH)).resolves.toBe('- one\n- two')
  })

  it('names the path, the short base SHA and the base branch when the file is missing', async () => {
    const { octokit } = await contentsApi(() => ({ status: 404, body: { message: 'Not Found' } }))
    await expect(readInstructionsFile(octokit, base, PATH)).rejects.toThrow(
      "instructions-file '.github/pr-summary.md' was not found at the PR's base commit 0123456 (main): fix the path, or add the file to main"
    )
    await expect(readInstructionsFile(octokit, { ...base, baseRef: undefined }, PATH)).rejects.toThrow(
      "was not found at the PR's base commit 0123456: fix the path, or add the file to the base branch"
    )
  })

  it.each([
    [
      'a directory',
      [fileEntry('x')],
      "instructions-file '.github/pr-summary.md' is a directory at the PR's base commit 0123456 (main)"
    ],
    [
      'a symlink to something outside the repository',
      { ...fileEntry(''), type: 'symlink', target: '/etc/prompt', content: undefined },
      "is a symlink at the PR's base commit 0123456 (main), not a file"
    ],
    ['a submodule', { ...fileEntry(''), type: 'submodule', content: undefined }, 'is a submodule at'],
    [
      'over 1 MB (encoding none)',
      fileEntry('', { size: 2_000_000, encoding: 'none', content: '' }),
      "is too large at the PR's base commit 0123456 (main) (2,000,000 bytes; GitHub's contents API sends files up to 1 MB)"
    ],
    ['binary', fileEntry(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01])), 'is not UTF-8 text at'],
    ['invalid UTF-8', fileEntry(Buffer.from([0x41, 0xff, 0xfe, 0x42])), 'is not UTF-8 text at']
  ])('refuses %s with a one-line error', async (_what, body, message) => {
    const { octokit } = await contentsApi(() => ({ status: 200, body }))
    const error = await readInstructionsFile(octokit, base, PATH).catch((e: Error) => e)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toContain(message)
    expect((error as Error).message).not.toContain('\n')
  })

  it(`caps the text at ${INSTRUCTIONS_FILE_MAX_CHARS} characters (counted in code points), naming the cap`, async () => {
    const atCap = 'é'.repeat(INSTRUCTIONS_FILE_MAX_CHARS - 1) + '😀'
    const fits = await contentsApi(() => ({ status: 200, body: fileEntry(atCap) }))
    await expect(readInstructionsFile(fits.octokit, base, PATH)).resolves.toBe(atCap)
    const over = await contentsApi(() => ({ status: 200, body: fileEntry(`${atCap}x`) }))
    await expect(readInstructionsFile(over.octokit, base, PATH)).rejects.toThrow(
      "instructions-file '.github/pr-summary.md' has 10,001 characters at the PR's base commit 0123456 (main), over the limit of 10,000"
    )
  })

  it('explains a token that may not read the repository', async () => {
    const { octokit } = await contentsApi(() => ({ status: 403, body: { message: 'Resource not accessible by integration' } }))
    await expect(readInstructionsFile(octokit, base, PATH)).rejects.toThrow(
      `Could not read instructions-file '${PATH}' at the PR's base commit 0123456 (main): the token may not read this repository`
    )
  })
})

describe('withInstructionsFile', () => {
  it('asks nothing when no file is set', async () => {
    const { octokit, asked } = await contentsApi(() => ({ status: 500, body: {} }))
    const settings = testSettings({ instructions: 'Be brief.' })
    await expect(withInstructionsFile(octokit, settings, base, recordingLog())).resolves.toBe(settings)
    expect(asked).toEqual([])
  })

  it('puts the file before the instructions input, both kept, and logs where it came from', async () => {
    const { octokit } = await contentsApi(() => ({ status: 200, body: fileEntry('Team rules.\n') }))
    const log = recordingLog()
    const settings = await withInstructionsFile(
      octokit,
      testSettings({ instructions: 'Be brief.', instructionsFile: PATH }),
      base,
      log
    )
    expect(settings.instructions).toBe('Team rules.\n\nBe brief.')
    expect(log.lines).toContain(`info: Instructions: ${PATH} at the PR's base commit 0123456 (main), 11 characters.`)
    const alone = await withInstructionsFile(octokit, testSettings({ instructionsFile: PATH }), base, log)
    expect(alone.instructions).toBe('Team rules.')
  })

  it("reads the base's text when the PR edits the file on its head (GitHub emulator)", async () => {
    const github = await startGitHub()
    try {
      const pr = samplePullRequest()
      github.addPullRequest({ ...pr, baseContents: { [PATH]: 'Base rules.\n' } })
      const head = github.pushCommits(pr, { message: 'Edit the prompt', files: [{ filename: PATH, content: 'Head rules.\n' }] })
      expect(github.fileAt(pr.owner, pr.repo, PATH, head)).toBe('Head rules.\n')
      const stored = github.pull(pr.owner, pr.repo, pr.number)
      const octokit = createOctokit(github.installationToken, { log: recordingLog(), timeoutMs: 10_000, baseUrl: github.apiUrl })
      const settings = await withInstructionsFile(
        octokit,
        testSettings({ instructionsFile: PATH }),
        { owner: pr.owner, repo: pr.repo, baseSha: stored.baseSha, baseRef: stored.baseRef },
        recordingLog()
      )
      expect(settings.instructions).toBe('Base rules.')
    } finally {
      await github.close()
    }
  })
})
