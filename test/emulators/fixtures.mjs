// @ts-check
/**
 * Pull requests to plant in the GitHub emulator, and the `pull_request` event payloads that go with
 * them. Everything is deterministic: the same arguments give the same PR, byte for byte.
 */

/** Owner of the fixtures' repository; matches the OIDC emulator's default `repository` claim. */
export const FIXTURE_OWNER = 'octo-org'
/** Name of the fixtures' repository. */
export const FIXTURE_REPO = 'octo-repo'

/**
 * @typedef {{ filename: string, status: string, additions: number, deletions: number, patch?: string, previous_filename?: string }} FixtureFile
 * @typedef {{ owner: string, repo: string, number: number, title: string, body: string, draft: boolean, headSha: string,
 *   baseSha: string, headRef: string, baseRef: string, user: string, headRepo?: { owner: string, repo: string },
 *   files: FixtureFile[], commits: { sha: string, message: string }[] }} FixturePull
 */

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
 * A `pull_request` webhook payload for `pr`, as GitHub writes it to GITHUB_EVENT_PATH.
 * @param {FixturePull} pr
 * A fork's head repository is `pr.headRepo`, else `outside-contributor/<repo>`; plant the same
 * `headRepo` in the GitHub emulator so the API agrees with the event.
 * @param {{ action?: 'opened' | 'synchronize' | 'reopened' | 'edited', fork?: boolean, serverUrl?: string }} [options]
 */
export function pullRequestEvent(pr, { action = 'opened', fork = false, serverUrl = 'https://github.com' } = {}) {
  const headOwner = fork ? (pr.headRepo?.owner ?? 'outside-contributor') : (pr.headRepo?.owner ?? pr.owner)
  const headName = pr.headRepo?.repo ?? pr.repo
  const baseRepo = repository(pr.owner, pr.repo, false)
  const user = { login: pr.user, id: 583231, type: 'User' }
  return {
    action,
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
        repo: repository(headOwner, headName, fork),
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
function mulberry32(seed) {
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
