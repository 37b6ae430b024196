/**
 * The `instructions-file` input: a file of prompt guidance kept in the repository. Its text is trusted
 * only because it is read at the PR's base commit, which the PR's author does not control: a PR that
 * edits the file cannot change its own prompt. It is read through the contents API, so no checkout.
 */
import { ActionError } from './errors.js'
import { explainGitHubError, statusOf, type Octokit } from './github.js'
import { codePointLength } from './limits.js'
import type { Log, PullRequestInfo, Settings } from './types.js'

/**
 * Longest instructions-file, in characters: its text goes into the system prompt of every model request,
 * so it is paid for on each one and takes room from the diffs.
 */
export const INSTRUCTIONS_FILE_MAX_CHARS = 10_000

/**
 * The contents API sends files up to 1 MB inline; larger ones come with `encoding: "none"` and no content
 * (https://docs.github.com/en/rest/repos/contents#get-repository-content).
 */
const CONTENTS_API_MAX_BYTES = 1024 * 1024

/** Where the file is read: the PR's base commit (and its branch, for messages). */
export type BaseCommit = Pick<PullRequestInfo, 'owner' | 'repo' | 'baseSha' | 'baseRef'>

type ContentsAnswer = Awaited<ReturnType<Octokit['rest']['repos']['getContent']>>['data']

/**
 * `settings` with the text of `instructions-file` (read at the PR's base commit) before the
 * `instructions` input, both kept; `settings` itself when no file is set.
 */
export async function withInstructionsFile(octokit: Octokit, settings: Settings, base: BaseCommit, log: Log): Promise<Settings> {
  if (settings.instructionsFile === '') return settings
  const text = await readInstructionsFile(octokit, base, settings.instructionsFile)
  log.info(
    `Instructions: ${settings.instructionsFile} at ${describeBase(base)}, ${codePointLength(text).toLocaleString('en-US')} characters.`
  )
  return { ...settings, instructions: [text, settings.instructions].filter((part) => part !== '').join('\n\n') }
}

/** The trimmed text of `path` at the base commit; every way it can be unusable is a one-line error. */
export async function readInstructionsFile(octokit: Octokit, base: BaseCommit, path: string): Promise<string> {
  const at = describeBase(base)
  const named = `instructions-file '${path}'`
  let data: ContentsAnswer
  try {
    ;({ data } = await octokit.rest.repos.getContent({ owner: base.owner, repo: base.repo, path, ref: base.baseSha }))
  } catch (error) {
    if (statusOf(error) === 404) {
      throw new ActionError(
        `${named} was not found at ${at}: fix the path, or add the file to ${base.baseRef ?? 'the base branch'} (it is read at the PR's base, never from the PR's own changes, so a PR that adds it uses it only once merged).`,
        { cause: error }
      )
    }
    throw explainGitHubError(error, { action: `read ${named} at ${at}` })
  }
  if (Array.isArray(data)) throw new ActionError(`${named} is a directory at ${at}: give the path of a file in it.`)
  if (data.type !== 'file') {
    // GitHub follows a symlink to a file; it answers `symlink` only when the target is not a file in the repository.
    throw new ActionError(
      `${named} is a ${data.type} at ${at}, not a file: give the path of the text file itself (a symlink must point at a file in the repository).`
    )
  }
  if (data.encoding === 'none' || data.size > CONTENTS_API_MAX_BYTES || typeof data.content !== 'string') {
    throw new ActionError(
      `${named} is too large at ${at} (${data.size.toLocaleString('en-US')} bytes; GitHub's contents API sends files up to 1 MB): keep it under ${INSTRUCTIONS_FILE_MAX_CHARS.toLocaleString('en-US')} characters.`
    )
  }
  const text = decodeText(Buffer.from(data.content, 'base64'))
  if (text === undefined) {
    throw new ActionError(`${named} is not UTF-8 text at ${at}: save the instructions as a plain text or markdown file.`)
  }
  const length = codePointLength(text)
  if (length > INSTRUCTIONS_FILE_MAX_CHARS) {
    throw new ActionError(
      `${named} has ${length.toLocaleString('en-US')} characters at ${at}, over the limit of ${INSTRUCTIONS_FILE_MAX_CHARS.toLocaleString('en-US')} (it goes into every model request): shorten it.`
    )
  }
  return text
}

/** UTF-8 text without a byte-order mark, line endings as LF, trimmed; undefined for binary or invalid UTF-8. */
function decodeText(bytes: Buffer): string | undefined {
  if (bytes.includes(0)) return undefined
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
    return text.replace(/\r\n?/g, '\n').trim()
  } catch {
    return undefined
  }
}

/** "the PR's base commit 1a2b3c4 (main)", as the user would look it up. */
function describeBase(base: BaseCommit): string {
  return `the PR's base commit ${base.baseSha.slice(0, 7)}${base.baseRef ? ` (${base.baseRef})` : ''}`
}
