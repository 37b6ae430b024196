// @ts-check
/**
 * Pull requests to plant in the GitHub emulator, and the event payloads that go with them:
 *   samplePullRequest()                 a small realistic PR (#42)
 *   generatedPullRequest({ files, … })  a large deterministic PR
 *   botPullRequest({ bot })             a Dependabot or Renovate dependency bump (user.type Bot)
 *   pullRequestEvent(pr, { action, before, fork })   the `pull_request` payload; `pr` may also be the
 *                                       emulator's stored PR (`github.pull(o, r, n)`) after a push
 *   issueCommentEvent(pr, comment)      the `issue_comment` payload for a comment on the PR; pass the
 *                                       comment `github.addComment` returned so it exists for reactions
 * Everything is deterministic: the same arguments give the same PR, byte for byte.
 */

/** Owner of the fixtures' repository; matches the OIDC emulator's default `repository` claim. */
export const FIXTURE_OWNER = 'octo-org'
/** Name of the fixtures' repository. */
export const FIXTURE_REPO = 'octo-repo'

/**
 * @typedef {{ filename: string, status: string, additions: number, deletions: number, patch?: string, previous_filename?: string }} FixtureFile
 * @typedef {{ owner: string, repo: string, number: number, title: string, body: string | null, draft: boolean, headSha: string,
 *   baseSha: string, headRef: string, baseRef: string, user: string, headRepo?: { owner: string, repo: string },
 *   files: FixtureFile[], commits: { sha: string, message: string }[] }} FixturePull
 * @typedef {FixturePull | (Omit<FixturePull, 'headRepo'> & { headOwner: string, headRepoName: string })} AnyPull
 *   a fixture, or the emulator's stored PR (which names its head repository headOwner/headRepoName)
 */

/** GitHub's ids of the well-known bot accounts. */
const BOT_IDS = /** @type {Record<string, number>} */ ({ 'dependabot[bot]': 49699333, 'renovate[bot]': 29139614 })

/** @param {string} login */
const userOf = (login) => ({ login, id: BOT_IDS[login] ?? 583231, type: login.endsWith('[bot]') ? 'Bot' : 'User' })

/** A realistic small PR: a retry option for an HTTP client in a TypeScript project. @returns {FixturePull} */
export function samplePullRequest() {
  const files = [
    file('src/http/client.ts', 'modified', [
      '@@ -1,12 +1,15 @@',
      " import { request } from 'undici'",
      "+import { withRetry, type RetryOptions } from './retry.js'",
      ' ',
      ' export interface ClientOptions {',
      '   baseUrl: string',
      '   timeoutMs?: number',
      '+  /** Retries for idempotent requests; off by default. */',
      '+  retry?: RetryOptions',
      ' }',
      ' ',
      ' export async function getJson<T>(options: ClientOptions, path: string): Promise<T> {',
      '-  const response = await request(new URL(path, options.baseUrl), { bodyTimeout: options.timeoutMs })',
      '-  return (await response.body.json()) as T',
      '+  const send = () => request(new URL(path, options.baseUrl), { bodyTimeout: options.timeoutMs })',
      '+  const response = options.retry ? await withRetry(send, options.retry) : await send()',
      '+  return (await response.body.json()) as T',
      ' }'
    ]),
    file('src/http/retry.ts', 'added', [
      '@@ -0,0 +1,24 @@',
      '+export interface RetryOptions {',
      '+  attempts: number',
      '+  baseDelayMs: number',
      '+}',
      '+',
      '+const RETRYABLE = new Set([429, 502, 503, 504])',
      '+',
      '+/** Retries `send` on 429/5xx with exponential backoff and full jitter. */',
      '+export async function withRetry<T extends { statusCode: number }>(send: () => Promise<T>, options: RetryOptions): Promise<T> {',
      '+  let last: T | undefined',
      '+  for (let attempt = 0; attempt < options.attempts; attempt++) {',
      '+    last = await send()',
      '+    if (!RETRYABLE.has(last.statusCode)) return last',
      '+    const cap = options.baseDelayMs * 2 ** attempt',
      '+    await new Promise((resolve) => setTimeout(resolve, Math.random() * cap))',
      '+  }',
      '+  if (last === undefined) throw new Error("attempts must be at least 1")',
      '+  return last',
      '+}',
      '+',
      '+export function isRetryable(status: number): boolean {',
      '+  return RETRYABLE.has(status)',
      '+}',
      '+'
    ]),
    file('test/retry.test.ts', 'added', [
      '@@ -0,0 +1,18 @@',
      "+import { describe, expect, it } from '@jest/globals'",
      "+import { isRetryable, withRetry } from '../src/http/retry.js'",
      '+',
      "+describe('withRetry', () => {",
      "+  it('stops at the first non-retryable status', async () => {",
      '+    const statuses = [503, 429, 200]',
      '+    let calls = 0',
      '+    const result = await withRetry(async () => ({ statusCode: statuses[calls++] ?? 200 }), { attempts: 5, baseDelayMs: 0 })',
      '+    expect(result.statusCode).toBe(200)',
      '+    expect(calls).toBe(3)',
      '+  })',
      '+',
      "+  it('knows which statuses are retryable', () => {",
      '+    expect(isRetryable(502)).toBe(true)',
      '+    expect(isRetryable(404)).toBe(false)',
      '+  })',
      '+})',
      '+'
    ]),
    file('README.md', 'modified', [
      "@@ -18,6 +18,14 @@ const data = await getJson(options, '/v1/items')",
      ' ```',
      ' ',
      ' ## Options',
      ' ',
      ' - `timeoutMs`: body timeout in milliseconds.',
      '+- `retry`: `{ attempts, baseDelayMs }` retries 429 and 5xx answers with exponential backoff.',
      '+',
      '+```ts',
      "+const data = await getJson({ baseUrl, retry: { attempts: 3, baseDelayMs: 200 } }, '/v1/items')",
      '+```',
      '+',
      '+Only idempotent GET requests are retried.',
      '+'
    ]),
    file('package-lock.json', 'modified', [
      '@@ -1,12 +1,12 @@',
      ' {',
      '   "name": "tiny-http-client",',
      '-  "version": "1.3.0",',
      '+  "version": "1.4.0",',
      '   "lockfileVersion": 3,',
      '   "requires": true,',
      '   "packages": {',
      '     "": {',
      '       "name": "tiny-http-client",',
      '-      "version": "1.3.0",',
      '+      "version": "1.4.0",',
      '       "dependencies": {',
      '         "undici": "^6.21.0"',
      '       }'
    ])
  ]
  return {
    owner: FIXTURE_OWNER,
    repo: FIXTURE_REPO,
    number: 42,
    title: 'Add opt-in retries with backoff to the HTTP client',
    body: 'Adds a `retry` option to `getJson` so callers can retry 429 and 5xx answers.\n\n- exponential backoff with full jitter\n- unit tests for the retry loop\n- README section\n\nCloses nothing yet; follow-up will add POST support.',
    draft: false,
    headSha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    baseSha: '0f1e2d3c4b5a69788796a5b4c3d2e1f009876543',
    headRef: 'feature/http-retry',
    baseRef: 'main',
    user: 'octo-contributor',
    files,
    commits: [
      { sha: 'c0ffee0000000000000000000000000000000001', message: 'Add withRetry helper with exponential backoff' },
      { sha: 'c0ffee0000000000000000000000000000000002', message: 'Wire retry option into getJson' },
      // The last commit is the head, as on GitHub.
      { sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', message: 'Document the retry option and bump to 1.4.0' }
    ]
  }
}

/**
 * A large deterministic PR: `files` files across src/, test/, docs/, config and one lock file, each
 * with a real-looking hunk of `linesPerFile` added/changed lines.
 * @param {{ files?: number, linesPerFile?: number, seed?: number, number?: number }} [options]
 * @returns {FixturePull}
 */
export function generatedPullRequest({ files = 50, linesPerFile = 20, seed = 1, number = 7 } = {}) {
  const random = mulberry32(seed)
  const words = ['cache', 'queue', 'token', 'budget', 'retry', 'parser', 'render', 'select', 'limit', 'report', 'client', 'event']
  const pick = () => /** @type {string} */ (words[Math.floor(random() * words.length)])
  /** @type {FixtureFile[]} */
  const list = []
  for (let i = 0; i < files; i++) {
    const a = pick()
    const b = pick()
    if (i === Math.floor(files / 2)) {
      list.push(lockFile(linesPerFile, random))
      continue
    }
    const kind = i % 10
    if (kind < 5)
      list.push(file(`src/${a}/${b}-${i}.ts`, i % 7 === 0 ? 'added' : 'modified', codeHunk(a, b, i, linesPerFile, random)))
    else if (kind < 8) list.push(file(`test/${a}-${b}-${i}.test.ts`, 'modified', testHunk(a, b, i, linesPerFile)))
    else if (kind === 8) list.push(file(`docs/${a}-${i}.md`, 'modified', docHunk(a, b, linesPerFile)))
    else list.push(file(`config/${a}-${i}.json`, 'modified', configHunk(a, i, linesPerFile)))
  }
  const headSha = sha(`head-${seed}-${files}-${linesPerFile}`)
  const commitCount = Math.min(5, Math.max(1, Math.ceil(files / 100)))
  return {
    owner: FIXTURE_OWNER,
    repo: FIXTURE_REPO,
    number,
    title: `Refactor ${files} files across the pipeline (seed ${seed})`,
    body: `Generated pull request with ${files} changed files for load and budget tests.`,
    draft: false,
    headSha,
    baseSha: sha(`base-${seed}`),
    headRef: `generated/${seed}`,
    baseRef: 'main',
    user: 'octo-contributor',
    files: list,
    commits: Array.from({ length: commitCount }, (_, i) => ({
      sha: i === commitCount - 1 ? headSha : sha(`commit-${seed}-${i}`),
      message: `Refactor batch ${i + 1} of ${files} files`
    }))
  }
}

/**
 * A Dependabot or Renovate dependency bump, authored by the bot account (user.type Bot), with the
 * branch names, titles and bodies those bots write.
 * @param {{ bot?: 'dependabot[bot]' | 'renovate[bot]', number?: number, dependency?: string, from?: string, to?: string }} [options]
 * @returns {FixturePull}
 */
export function botPullRequest({
  bot = 'dependabot[bot]',
  number = 77,
  dependency = 'undici',
  from = '6.21.0',
  to = '6.21.1'
} = {}) {
  const dependabot = bot === 'dependabot[bot]'
  const files = [
    file('package.json', 'modified', [
      '@@ -20,7 +20,7 @@',
      '   "dependencies": {',
      '     "@actions/core": "^3.0.1",',
      `-    "${dependency}": "^${from}"`,
      `+    "${dependency}": "^${to}"`,
      '   },'
    ]),
    file('package-lock.json', 'modified', [
      '@@ -1210,9 +1210,9 @@',
      `     "node_modules/${dependency}": {`,
      `-      "version": "${from}",`,
      `-      "resolved": "https://registry.npmjs.org/${dependency}/-/${dependency}-${from}.tgz",`,
      `-      "integrity": "sha512-${sha(`${dependency}@${from}`)}",`,
      `+      "version": "${to}",`,
      `+      "resolved": "https://registry.npmjs.org/${dependency}/-/${dependency}-${to}.tgz",`,
      `+      "integrity": "sha512-${sha(`${dependency}@${to}`)}",`,
      '       "license": "MIT",'
    ])
  ]
  const headSha = sha(`${bot}-${dependency}-${to}`)
  return {
    owner: FIXTURE_OWNER,
    repo: FIXTURE_REPO,
    number,
    title: dependabot ? `Bump ${dependency} from ${from} to ${to}` : `Update dependency ${dependency} to v${to}`,
    body: dependabot
      ? `Bumps [${dependency}](https://github.com/nodejs/${dependency}) from ${from} to ${to}.\n\n[![Dependabot compatibility score](https://dependabot-badges.githubapp.com/badges/compatibility_score?dependency-name=${dependency}&package-manager=npm_and_yarn&previous-version=${from}&new-version=${to})](https://docs.github.com/en/github/managing-security-vulnerabilities/about-dependabot-security-updates#about-compatibility-scores)\n\nDependabot will resolve any conflicts with this PR as long as you don't alter it yourself.`
      : `This PR contains the following updates:\n\n| Package | Change |\n|---|---|\n| [${dependency}](https://github.com/nodejs/${dependency}) | \`^${from}\` -> \`^${to}\` |\n\n---\n\nThis PR was generated by [Mend Renovate](https://mend.io/renovate/).`,
    draft: false,
    headSha,
    baseSha: '0f1e2d3c4b5a69788796a5b4c3d2e1f009876543',
    headRef: dependabot ? `dependabot/npm_and_yarn/${dependency}-${to}` : `renovate/${dependency}-${to.split('.')[0]}.x`,
    baseRef: 'main',
    user: bot,
    files,
    commits: [
      {
        sha: headSha,
        message: dependabot ? `Bump ${dependency} from ${from} to ${to}` : `fix(deps): update dependency ${dependency} to v${to}`
      }
    ]
  }
}

/**
 * A `pull_request` webhook payload for `pr`, as GitHub writes it to GITHUB_EVENT_PATH.
 * @param {AnyPull} pr
 * A fork's head repository is `pr.headRepo`, else `outside-contributor/<repo>`; plant the same
 * `headRepo` in the GitHub emulator so the API agrees with the event. `before`: the previous head of a
 * `synchronize` (GitHub sends `before` and `after`).
 * @param {{ action?: 'opened' | 'synchronize' | 'reopened' | 'edited', fork?: boolean, serverUrl?: string, before?: string }} [options]
 */
export function pullRequestEvent(pr, { action = 'opened', fork = false, serverUrl = 'https://github.com', before } = {}) {
  const planted = 'headOwner' in pr ? { owner: pr.headOwner, repo: pr.headRepoName } : pr.headRepo
  const headOwner = planted?.owner ?? (fork ? 'outside-contributor' : pr.owner)
  const headName = planted?.repo ?? pr.repo
  const isFork = fork || headOwner !== pr.owner || headName !== pr.repo
  const baseRepo = repository(pr.owner, pr.repo, false)
  const user = userOf(pr.user)
  return {
    action,
    ...(action === 'synchronize' && before !== undefined ? { before, after: pr.headSha } : {}),
    number: pr.number,
    pull_request: {
      number: pr.number,
      state: 'open',
      title: pr.title,
      body: pr.body,
      draft: pr.draft,
      user,
      html_url: `${serverUrl}/${pr.owner}/${pr.repo}/pull/${pr.number}`,
      head: {
        label: `${headOwner}:${pr.headRef}`,
        ref: pr.headRef,
        sha: pr.headSha,
        repo: repository(headOwner, headName, isFork),
        user: { login: headOwner, type: 'User' }
      },
      base: {
        label: `${pr.owner}:${pr.baseRef}`,
        ref: pr.baseRef,
        sha: pr.baseSha,
        repo: baseRepo,
        user: { login: pr.owner, type: 'Organization' }
      },
      changed_files: pr.files.length,
      additions: pr.files.reduce((sum, f) => sum + f.additions, 0),
      deletions: pr.files.reduce((sum, f) => sum + f.deletions, 0),
      commits: pr.commits.length
    },
    repository: baseRepo,
    sender: user
  }
}

/**
 * @typedef {{ id: number, body: string, user: { login: string, type?: string, id?: number },
 *   author_association: string, created_at?: string, updated_at?: string }} CommentJson  as `github.addComment` returns it
 * @typedef {{ body: string, login?: string, association?: string, id?: number }} CommentShorthand
 */

/**
 * An `issue_comment` webhook payload for a comment on `pr`, as GitHub writes it to GITHUB_EVENT_PATH:
 * `issue` is the PR as an issue (with `issue.pull_request` set), `comment` carries `author_association`.
 * Plant the comment first so reactions to it work:
 *
 *   const comment = emu.github.addComment(o, r, n, { body: '/summarize', login: 'maintainer', association: 'MEMBER' })
 *   const event = issueCommentEvent(pr, comment, { serverUrl: emu.github.serverUrl, apiUrl: emu.github.apiUrl })
 *   await runAction({ emu, event, eventName: 'issue_comment', inputs })
 *
 * @param {AnyPull} pr
 * @param {CommentJson | CommentShorthand} comment
 * @param {{ action?: 'created' | 'edited' | 'deleted', previousBody?: string, onIssue?: boolean, serverUrl?: string, apiUrl?: string }} [options]
 *   `onIssue`: the comment is on a plain issue (no `issue.pull_request`); `previousBody` fills `changes` of an `edited` event.
 */
export function issueCommentEvent(
  pr,
  comment,
  { action = 'created', previousBody, onIssue = false, serverUrl = 'https://github.com', apiUrl } = {}
) {
  const api = apiUrl ?? (serverUrl === 'https://github.com' ? 'https://api.github.com' : `${serverUrl}/api/v3`)
  const repo = `${pr.owner}/${pr.repo}`
  const full = 'user' in comment
  const id = full ? comment.id : (comment.id ?? 1_000_000_000 + pr.number)
  const commenter = full ? { ...userOf(comment.user.login), ...comment.user } : userOf(comment.login ?? 'octo-reviewer')
  const association = full ? comment.author_association : (comment.association ?? 'NONE')
  const created = (full ? comment.created_at : undefined) ?? '2025-01-01T00:00:00Z'
  const reactions = {
    url: `${api}/repos/${repo}/issues/comments/${id}/reactions`,
    total_count: 0,
    '+1': 0,
    '-1': 0,
    laugh: 0,
    hooray: 0,
    confused: 0,
    heart: 0,
    rocket: 0,
    eyes: 0
  }
  const kind = onIssue ? 'issues' : 'pull'
  return {
    action,
    ...(action === 'edited' && previousBody !== undefined ? { changes: { body: { from: previousBody } } } : {}),
    issue: {
      url: `${api}/repos/${repo}/issues/${pr.number}`,
      repository_url: `${api}/repos/${repo}`,
      html_url: `${serverUrl}/${repo}/${kind}/${pr.number}`,
      id: 2_000_000_000 + pr.number,
      node_id: `PR_emu${pr.number}`,
      number: pr.number,
      title: pr.title,
      user: userOf(pr.user),
      labels: [],
      state: 'open',
      locked: false,
      assignee: null,
      assignees: [],
      milestone: null,
      comments: 1,
      created_at: created,
      updated_at: created,
      closed_at: null,
      author_association: 'CONTRIBUTOR',
      active_lock_reason: null,
      ...(onIssue
        ? {}
        : {
            draft: pr.draft,
            pull_request: {
              url: `${api}/repos/${repo}/pulls/${pr.number}`,
              html_url: `${serverUrl}/${repo}/pull/${pr.number}`,
              diff_url: `${serverUrl}/${repo}/pull/${pr.number}.diff`,
              patch_url: `${serverUrl}/${repo}/pull/${pr.number}.patch`,
              merged_at: null
            }
          }),
      body: pr.body,
      performed_via_github_app: null,
      state_reason: null
    },
    comment: {
      url: `${api}/repos/${repo}/issues/comments/${id}`,
      html_url: `${serverUrl}/${repo}/${kind}/${pr.number}#issuecomment-${id}`,
      issue_url: `${api}/repos/${repo}/issues/${pr.number}`,
      id,
      node_id: `IC_emu${id}`,
      user: commenter,
      created_at: created,
      updated_at: (full ? comment.updated_at : undefined) ?? created,
      author_association: association,
      body: comment.body,
      reactions,
      performed_via_github_app: null
    },
    repository: repository(pr.owner, pr.repo, false),
    organization: { login: pr.owner },
    sender: commenter
  }
}

/** @param {string} owner @param {string} name @param {boolean} fork */
function repository(owner, name, fork) {
  return { name, full_name: `${owner}/${name}`, owner: { login: owner }, fork, private: false, default_branch: 'main' }
}

/** Counts + and - lines of a hunk so the file's numbers agree with its patch. @param {string} filename @param {string} status @param {string[]} lines @returns {FixtureFile} */
function file(filename, status, lines) {
  const additions = lines.filter((l) => l.startsWith('+')).length
  const deletions = lines.filter((l) => l.startsWith('-')).length
  return { filename, status, additions, deletions, patch: lines.join('\n') }
}

/** @param {string} a @param {string} b @param {number} i @param {number} n @param {() => number} random */
function codeHunk(a, b, i, n, random) {
  const lines = [`@@ -${10 + i},${Math.ceil(n / 4)} +${10 + i},${n} @@ export class ${cap(a)}${cap(b)}${i} {`]
  for (let k = 0; k < n; k++) {
    if (k % 4 === 3) lines.push(`-  private legacy${cap(b)}${k} = ${Math.floor(random() * 1000)}`)
    lines.push(
      `+  ${b}${k}(input: number): number {`,
      `+    return input * ${k + 1} + this.${a}Offset // ${a} ${b} step ${k}`,
      '+  }'
    )
  }
  return lines
}

/** @param {string} a @param {string} b @param {number} i @param {number} n */
function testHunk(a, b, i, n) {
  const lines = [`@@ -1,3 +1,${n + 3} @@`, " import { expect, it } from '@jest/globals'"]
  for (let k = 0; k < n; k++) lines.push(`+it('${a} ${b} case ${k}', () => expect(${k} + ${i}).toBe(${k + i}))`)
  return lines
}

/** @param {string} a @param {string} b @param {number} n */
function docHunk(a, b, n) {
  const lines = ['@@ -4,2 +4,' + (n + 2) + ' @@', ` ## ${cap(a)}`]
  for (let k = 0; k < n; k++) lines.push(`+The ${a} now uses the ${b} step ${k} to keep results stable across runs.`)
  return lines
}

/** @param {string} a @param {number} i @param {number} n */
function configHunk(a, i, n) {
  const lines = ['@@ -1,3 +1,' + (n + 3) + ' @@', ' {']
  for (let k = 0; k < n; k++) lines.push(`+  "${a}_${i}_${k}": ${k * 10},`)
  return lines
}

/** @param {number} n @param {() => number} random */
function lockFile(n, random) {
  const lines = ['@@ -100,6 +100,' + n * 3 + ' @@']
  for (let k = 0; k < n; k++) {
    const version = `${1 + Math.floor(random() * 9)}.${Math.floor(random() * 20)}.${Math.floor(random() * 20)}`
    lines.push(
      `+    "node_modules/dep-${k}": {`,
      `+      "version": "${version}",`,
      `+      "integrity": "sha512-${sha(`dep-${k}-${version}`)}"`
    )
  }
  return file('package-lock.json', 'modified', lines)
}

/** @param {string} text */
const cap = (text) => text.charAt(0).toUpperCase() + text.slice(1)

/** Deterministic PRNG (mulberry32) so generated PRs are reproducible from their seed. @param {number} seed */
export function mulberry32(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A stable 40-hex string. @param {string} text */
function sha(text) {
  let out = ''
  for (let i = 0; out.length < 40; i++) {
    let hash = 0x811c9dc5
    const input = `${i}:${text}`
    for (let k = 0; k < input.length; k++) hash = Math.imul(hash ^ input.charCodeAt(k), 0x01000193) >>> 0
    out += hash.toString(16).padStart(8, '0')
  }
  return out.slice(0, 40)
}
