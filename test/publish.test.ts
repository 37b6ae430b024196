import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import type { ServerResponse } from 'node:http'
import { ActionError } from '../src/errors.js'
import { createOctokit, type Octokit } from '../src/github.js'
import { GITHUB_BODY_LIMIT } from '../src/limits.js'
import { commentMarker, DESCRIPTION_END, descriptionStart } from '../src/marker.js'
import {
  findOurComments,
  publishComment,
  publishDescription,
  resolveIdentity,
  spliceDescription,
  type Identity
} from '../src/publish.js'
import { json, listenLocal } from './fixtures/http.js'
import { recordingLog } from './fixtures/log.js'

const target = { owner: 'octo', repo: 'app', number: 7 }
const ACTIONS_BOT = { login: 'github-actions[bot]', type: 'Bot' }
const ALICE = { login: 'alice', type: 'User' }
const MALLORY = { login: 'mallory', type: 'User' }
const ours = (fingerprint: string, text: string) => `${commentMarker(fingerprint)}\n${text}`

interface Comment {
  id: number
  body: string
  user: { login: string; type: string }
}

interface FakeGitHub {
  baseUrl: string
  requests: string[]
  comments: Comment[]
  pr: { body: string | null; headSha: string }
  /** Runs on POST …/comments after the comment is stored; may answer instead of the default 201. */
  onCreate?: (created: Comment, res: ServerResponse) => boolean
}

/**
 * Just enough of GitHub's REST API for publishing, on 127.0.0.1: issue comments (paginated with Link
 * headers as GitHub does), `GET /user`, and the PR's body and head.
 */
async function startGitHub(options: {
  user: { login: string; type: string } | 'installation'
  poster: { login: string; type: string }
}): Promise<FakeGitHub> {
  let nextId = 1000
  const { baseUrl } = await listenLocal((req, res) => {
    let raw = ''
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      fake.requests.push(`${req.method} ${url.pathname}${url.search}`)
      const input = raw ? (JSON.parse(raw) as { body?: string }) : {}
      const toJson = (c: Comment) => ({ ...c, html_url: `https://github.com/octo/app/pull/7#issuecomment-${c.id}` })
      const commentId = /^\/repos\/octo\/app\/issues\/comments\/(\d+)$/.exec(url.pathname)?.[1]

      if (req.method === 'GET' && url.pathname === '/user') {
        if (options.user === 'installation') return json(res, 403, { message: 'Resource not accessible by integration' })
        return json(res, 200, options.user)
      }
      if (url.pathname === '/repos/octo/app/issues/7/comments' && req.method === 'GET') {
        const perPage = Number(url.searchParams.get('per_page') ?? '30')
        const page = Number(url.searchParams.get('page') ?? '1')
        const pages = Math.max(1, Math.ceil(fake.comments.length / perPage))
        const next = `<${fake.baseUrl}${url.pathname}?per_page=${perPage}&page=${page + 1}>; rel="next"`
        return json(
          res,
          200,
          fake.comments.slice((page - 1) * perPage, page * perPage).map(toJson),
          page < pages ? { link: next } : {}
        )
      }
      if (url.pathname === '/repos/octo/app/issues/7/comments' && req.method === 'POST') {
        const created = { id: nextId++, body: input.body ?? '', user: options.poster }
        fake.comments.push(created)
        if (fake.onCreate?.(created, res)) return
        return json(res, 201, toJson(created))
      }
      if (commentId && req.method === 'PATCH') {
        const comment = fake.comments.find((c) => c.id === Number(commentId))
        if (!comment) return json(res, 404, { message: 'Not Found' })
        // As on GitHub: a token may edit only the comments its own identity wrote.
        if (comment.user.login !== options.poster.login)
          return json(res, 403, { message: 'Resource not accessible by integration' })
        comment.body = input.body ?? ''
        return json(res, 200, toJson(comment))
      }
      if (commentId && req.method === 'DELETE') {
        const index = fake.comments.findIndex((c) => c.id === Number(commentId))
        if (index < 0) return json(res, 404, { message: 'Not Found' })
        fake.comments.splice(index, 1)
        res.writeHead(204).end()
        return
      }
      if (url.pathname === '/repos/octo/app/pulls/7') {
        if (req.method === 'PATCH') fake.pr.body = input.body ?? null
        return json(res, 200, {
          number: 7,
          body: fake.pr.body,
          head: { sha: fake.pr.headSha },
          html_url: 'https://github.com/octo/app/pull/7'
        })
      }
      json(res, 404, { message: 'Not Found' })
    })
  })
  const fake: FakeGitHub = {
    baseUrl,
    requests: [],
    comments: [],
    pr: { body: null, headSha: 'a'.repeat(40) }
  }
  return fake
}

function client(fake: FakeGitHub): Octokit {
  return createOctokit('ghs_x', { log: recordingLog(), timeoutMs: 30_000, baseUrl: fake.baseUrl })
}

const writes = (fake: FakeGitHub) => fake.requests.filter((r) => !r.startsWith('GET'))

describe('resolveIdentity', () => {
  it('takes the login of a PAT from GET /user', async () => {
    const fake = await startGitHub({ user: ALICE, poster: ALICE })
    await expect(resolveIdentity(client(fake), recordingLog())).resolves.toEqual({ login: 'alice', botOnly: false })
  })

  it('falls back to Bot authors when GET /user is refused to an installation token', async () => {
    const fake = await startGitHub({ user: 'installation', poster: ACTIONS_BOT })
    await expect(resolveIdentity(client(fake), recordingLog())).resolves.toEqual({ botOnly: true })
  })
})

describe('findOurComments', () => {
  it('counts only comments that start with our marker and were written by our identity', async () => {
    const fake = await startGitHub({ user: ALICE, poster: ALICE })
    fake.comments.push(
      { id: 1, body: ours('aa', 'forged by someone else'), user: MALLORY },
      { id: 2, body: `quoting:\n${ours('bb', 'not at the start')}`, user: ALICE },
      { id: 3, body: ours('cc', 'the real one'), user: ALICE }
    )
    const found = await findOurComments(client(fake), target, { login: 'alice', botOnly: false })
    expect(found).toEqual([
      {
        id: 3,
        url: 'https://github.com/octo/app/pull/7#issuecomment-3',
        author: 'alice',
        marker: { fingerprint: 'cc' },
        body: ours('cc', 'the real one')
      }
    ])
  })

  it('with an installation token, prefers github-actions[bot] over other Bots', async () => {
    const fake = await startGitHub({ user: 'installation', poster: ACTIONS_BOT })
    fake.comments.push(
      { id: 1, body: ours('aa', 'other app'), user: { login: 'other-app[bot]', type: 'Bot' } },
      { id: 2, body: ours('bb', 'default token'), user: ACTIONS_BOT }
    )
    const found = await findOurComments(client(fake), target, { botOnly: true })
    expect(found.map((c) => c.id)).toEqual([2])
  })
})

describe('publishComment', () => {
  it('never edits a marked comment by another user, and creates our own instead', async () => {
    const fake = await startGitHub({ user: ALICE, poster: ALICE })
    const forged = { id: 1, body: ours('aa', 'forged'), user: MALLORY }
    fake.comments.push({ ...forged })
    const log = recordingLog()

    const result = await publishComment(client(fake), target, ours('ff', 'summary'), { login: 'alice', botOnly: false }, log)

    expect(fake.comments).toEqual([forged, { id: 1000, body: ours('ff', 'summary'), user: ALICE }])
    expect(result).toEqual({ id: 1000, url: 'https://github.com/octo/app/pull/7#issuecomment-1000' })
    expect(log.lines).toContain('info: Created the summary comment: https://github.com/octo/app/pull/7#issuecomment-1000')
  })

  it("with an installation token, leaves another Bot's marked comment alone when GitHub refuses the edit", async () => {
    const appBot = { login: 'summary-app[bot]', type: 'Bot' }
    const fake = await startGitHub({ user: 'installation', poster: appBot })
    const foreign = { id: 1, body: ours('aa', 'posted by the default token'), user: ACTIONS_BOT }
    fake.comments.push({ ...foreign })
    const log = recordingLog()

    const result = await publishComment(client(fake), target, ours('ff', 'summary'), { botOnly: true }, log)

    expect(fake.comments).toEqual([foreign, { id: 1000, body: ours('ff', 'summary'), user: appBot }])
    expect(result.id).toBe(1000)
    expect(log.lines.join('\n')).toContain('not ours')
  })

  it('does not take a Bot comment with our marker in the middle for ours', async () => {
    const fake = await startGitHub({ user: 'installation', poster: ACTIONS_BOT })
    fake.comments.push({ id: 1, body: `> ${ours('aa', 'quoted')}`, user: ACTIONS_BOT })

    await publishComment(client(fake), target, ours('ff', 'summary'), { botOnly: true }, recordingLog())

    expect(fake.comments.map((c) => c.id)).toEqual([1, 1000])
    expect(fake.comments[0]?.body).toBe(`> ${ours('aa', 'quoted')}`)
  })

  it('updates ours in place, found on the third page of comments', async () => {
    const fake = await startGitHub({ user: 'installation', poster: ACTIONS_BOT })
    for (let id = 1; id <= 250; id++) fake.comments.push({ id, body: `comment ${id}`, user: MALLORY })
    fake.comments.push({ id: 251, body: ours('aa', 'old summary'), user: ACTIONS_BOT })
    const identity: Identity = { botOnly: true }
    const log = recordingLog()

    const result = await publishComment(client(fake), target, ours('ff', 'new summary'), identity, log)

    expect(result.id).toBe(251)
    expect(fake.comments).toHaveLength(251)
    expect(fake.comments[250]?.body).toBe(ours('ff', 'new summary'))
    expect(fake.requests).toContain('GET /repos/octo/app/issues/7/comments?per_page=100&page=3')
    expect(writes(fake)).toEqual(['PATCH /repos/octo/app/issues/comments/251'])
    expect(log.lines).toContain('info: Updated the summary comment: https://github.com/octo/app/pull/7#issuecomment-251')
  })

  it('writes nothing when our comment already says the same', async () => {
    const fake = await startGitHub({ user: ALICE, poster: ALICE })
    fake.comments.push({ id: 5, body: ours('ff', 'summary'), user: ALICE })
    await publishComment(client(fake), target, ours('ff', 'summary'), { login: 'alice', botOnly: false }, recordingLog())
    expect(writes(fake)).toEqual([])
  })

  it('leaves exactly one comment when the POST that created it answered 502', async () => {
    const fake = await startGitHub({ user: 'installation', poster: ACTIONS_BOT })
    fake.onCreate = (_created, res) => {
      json(res, 502, { message: 'Server Error' })
      return true
    }
    const log = recordingLog()

    const result = await publishComment(client(fake), target, ours('ff', 'summary'), { botOnly: true }, log)

    expect(fake.comments).toEqual([{ id: 1000, body: ours('ff', 'summary'), user: ACTIONS_BOT }])
    expect(result.id).toBe(1000)
    // createOctokit's retries did not repeat the POST on their own.
    expect(fake.requests.filter((r) => r.startsWith('POST'))).toHaveLength(1)
    expect(log.lines.some((l) => l.startsWith('warning: Creating the summary comment failed with 502'))).toBe(true)
  })

  it('resolves a race with a concurrent run: keeps the oldest with our body, deletes the newer', async () => {
    const fake = await startGitHub({ user: 'installation', poster: ACTIONS_BOT })
    // The other run's comment lands between our listing and our POST, so it is the older one.
    fake.onCreate = (created) => {
      fake.comments.splice(fake.comments.indexOf(created), 0, { id: 999, body: ours('ee', 'the other run'), user: ACTIONS_BOT })
      return false
    }
    const log = recordingLog()

    const result = await publishComment(client(fake), target, ours('ff', 'summary'), { botOnly: true }, log)

    expect(fake.comments).toEqual([{ id: 999, body: ours('ff', 'summary'), user: ACTIONS_BOT }])
    expect(result).toEqual({ id: 999, url: 'https://github.com/octo/app/pull/7#issuecomment-999' })
    expect(writes(fake)).toEqual([
      'POST /repos/octo/app/issues/7/comments',
      'PATCH /repos/octo/app/issues/comments/999',
      'DELETE /repos/octo/app/issues/comments/1000'
    ])
  })

  it('explains a read-only token when the POST is refused', async () => {
    const fake = await startGitHub({ user: 'installation', poster: ACTIONS_BOT })
    fake.onCreate = (created, res) => {
      fake.comments.splice(fake.comments.indexOf(created), 1)
      json(res, 403, { message: 'Resource not accessible by integration' })
      return true
    }
    const error = await publishComment(client(fake), target, ours('ff', 's'), { botOnly: true }, recordingLog()).catch(
      (e: unknown) => e
    )
    expect(error).toBeInstanceOf(ActionError)
    expect((error as Error).message).toMatch(
      /^Could not create the summary comment on octo\/app#7: the token is read-only here .*pull-requests: write/
    )
  })
})

describe('spliceDescription', () => {
  const section = (fp: string, text: string) => `${descriptionStart(fp)}\n${text}\n${DESCRIPTION_END}`

  it('appends our section after a blank line the first time, and leaves an empty body to it alone', () => {
    expect(spliceDescription('Human text.', () => 'summary', 'ab', GITHUB_BODY_LIMIT)).toBe(
      `Human text.\n\n${section('ab', 'summary')}`
    )
    expect(spliceDescription('Human text.\r\n', () => 'summary', 'ab', GITHUB_BODY_LIMIT)).toBe(
      `Human text.\r\n\n${section('ab', 'summary')}`
    )
    expect(spliceDescription('', () => 'summary', 'ab', GITHUB_BODY_LIMIT)).toBe(section('ab', 'summary'))
  })

  it('replaces our section and keeps the human text above and below byte for byte', () => {
    const marker = /azure-openai-pr-summary/
    const human = fc.string({ unit: 'binary' }).filter((s) => !marker.test(s))
    fc.assert(
      fc.property(human, human, fc.string(), (above, below, text) => {
        const body = `${above}${section('0a', 'old summary')}${below}`
        expect(spliceDescription(body, () => text, 'ff', GITHUB_BODY_LIMIT)).toBe(`${above}${section('ff', text)}${below}`)
      })
    )
  })

  it('does not swallow human text after a start marker a human left without its end', () => {
    const body = `Intro\n${descriptionStart('0a')}\nhuman notes\n${section('0b', 'old')}\nOutro`
    expect(spliceDescription(body, () => 'new', 'ff', GITHUB_BODY_LIMIT)).toBe(
      `Intro\n${descriptionStart('0a')}\nhuman notes\n${section('ff', 'new')}\nOutro`
    )
  })

  it('asks for our section within the room the human text leaves, counting code points, and never cuts it as text', () => {
    const above = `${'😀'.repeat(300)}\n`
    const below = '\nSigned-off-by: a human'
    const limit = 1200
    const body = `${above}${section('0a', 'old')}${below}`
    const rooms: number[] = []
    const result = spliceDescription(body, (room) => (rooms.push(room), 'x'.repeat(room)), 'ff', limit)

    expect(rooms).toEqual([limit - Array.from(`${above}${section('ff', '')}${below}`).length])
    expect(Array.from(result ?? '').length).toBe(limit)
    expect(result?.startsWith(`${above}${descriptionStart('ff')}\nxxx`)).toBe(true)
    expect(result?.endsWith(`xxx\n${DESCRIPTION_END}${below}`)).toBe(true)
    // A renderer that ignores the room gets nothing written, rather than a cut in its markdown.
    expect(spliceDescription(body, () => 'x'.repeat(limit), 'ff', limit)).toBeUndefined()
  })

  it('gives up when the human text leaves too little room for a useful section', () => {
    const body = 'h'.repeat(GITHUB_BODY_LIMIT - 300)
    expect(spliceDescription(body, () => 'summary', 'ff', GITHUB_BODY_LIMIT)).toBeUndefined()
  })
})

describe('publishDescription', () => {
  it('writes our section into the PR body, keeping the human text', async () => {
    const fake = await startGitHub({ user: ALICE, poster: ALICE })
    fake.pr.body = 'Please review.'
    const log = recordingLog()

    await expect(publishDescription(client(fake), target, () => 'summary', 'ff', 'a'.repeat(40), log)).resolves.toBe('updated')

    expect(fake.pr.body).toBe(`Please review.\n\n${descriptionStart('ff')}\nsummary\n${DESCRIPTION_END}`)
    expect(log.lines).toContain('info: Updated the summary section of the description: https://github.com/octo/app/pull/7')
  })

  it("returns 'stale' and writes nothing when the head moved since the run started", async () => {
    const fake = await startGitHub({ user: ALICE, poster: ALICE })
    fake.pr = { body: 'Please review.', headSha: 'b'.repeat(40) }

    await expect(publishDescription(client(fake), target, () => 'summary', 'ff', 'a'.repeat(40), recordingLog())).resolves.toBe(
      'stale'
    )

    expect(fake.pr.body).toBe('Please review.')
    expect(writes(fake)).toEqual([])
  })

  it("warns and writes nothing when the human text leaves no room ('too-long')", async () => {
    const fake = await startGitHub({ user: ALICE, poster: ALICE })
    fake.pr.body = 'h'.repeat(GITHUB_BODY_LIMIT - 10)
    const log = recordingLog()

    await expect(publishDescription(client(fake), target, () => 'summary', 'ff', 'a'.repeat(40), log)).resolves.toBe('too-long')

    expect(writes(fake)).toEqual([])
    expect(log.lines.some((l) => l.startsWith('warning: The description of octo/app#7 is too long'))).toBe(true)
  })
})
