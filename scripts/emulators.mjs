#!/usr/bin/env node
// @ts-check
/**
 * The project's emulators as a background service, for running the action through `uses: ./` on a real
 * GitHub runner (.github/workflows/runner-e2e.yml) and for trying that path locally.
 *
 *   node scripts/emulators.mjs start    --emulator-env FILE [--repository OWNER/REPO]   (stays in the foreground)
 *   node scripts/emulators.mjs wait     --emulator-env FILE [--timeout-seconds N]
 *   node scripts/emulators.mjs verify   --emulator-env FILE [--report-out FILE]
 *   node scripts/emulators.mjs stop     --emulator-env FILE
 *   node scripts/emulators.mjs scan-log --report FILE --log FILE
 *
 * (Not `--env-file`: Node itself reads that option from anywhere on its command line.)
 * `start` writes FILE (NAME=value lines, ready for $GITHUB_ENV) once everything listens. A runner fixes
 * GITHUB_API_URL at https://api.github.com and a step cannot change it, so the GitHub emulator is reached
 * through EMU_HTTPS_PROXY: a proxy that answers for api.github.com with a certificate from its own CA
 * (EMU_CA_CERTS, which also holds the Entra emulator's CA) and forwards to the emulator. The OIDC
 * endpoint is given as ACTIONS_ID_TOKEN_REQUEST_URL in the step's env, which the runner keeps when the job
 * has no `id-token: write` (it sets that variable only when the job may get a real token).
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

/** Host and port a runner's GITHUB_API_URL names on github.com. */
const GITHUB_API_HOST = 'api.github.com:443'
/** What the action's comment starts with (src/marker.ts). */
const COMMENT_MARKER = '<!-- azure-openai-pr-summary:comment'
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/

/**
 * @typedef {object} Report What the emulators saw, as `verify` reads it from the control endpoint.
 * @property {{ owner: string, repo: string, number: number }} pullRequest
 * @property {{ id: number, body: string, user: string }[]} comments
 * @property {{ path: string, auth: string }[]} openaiRequests
 * @property {string[]} azureTokens Access tokens the Entra emulator issued: they must never reach a log.
 * @property {number} oidcTokensIssued
 * @property {{ method: string, target: string }[]} proxied
 */

/** @param {string[]} argv @returns {Record<string, string>} */
function options(argv) {
  /** @type {Record<string, string>} */
  const parsed = {}
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i] ?? ''
    const value = argv[i + 1]
    if (!name.startsWith('--') || value === undefined) throw new Usage(`argument '${name}' needs a value`)
    parsed[name.slice(2)] = value
  }
  return parsed
}

class Usage extends Error {}

/** @param {Record<string, string>} opts @param {string} name */
function required(opts, name) {
  const value = opts[name]
  if (!value) throw new Usage(`--${name} is required`)
  return value
}

/** NAME=value lines into an object (the format `start` writes and $GITHUB_ENV reads). @param {string} text */
export function parseEnvFile(text) {
  /** @type {Record<string, string>} */
  const env = {}
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=')
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1)
  }
  return env
}

/** @param {Record<string, string>} opts */
async function start(opts) {
  const envFile = required(opts, 'emulator-env')
  const repository = opts.repository ?? process.env.GITHUB_REPOSITORY ?? 'octo-org/octo-repo'
  const [owner, repo] = repository.split('/')
  if (!owner || !repo) throw new Usage(`--repository '${repository}' is not OWNER/REPO`)
  // Loaded here only: scan-log runs in a job without node_modules.
  const { startEmulators } = await import('../test/emulators/index.mjs')
  const { samplePullRequest } = await import('../test/emulators/fixtures.mjs')
  const { startConnectProxy } = await import('../test/emulators/proxy.mjs')
  const { generateCertificates } = await import('../test/emulators/tls.mjs')

  const dir = await mkdtemp(join(tmpdir(), 'emulators-'))
  const emu = await startEmulators({ repository })
  const pr = { ...samplePullRequest(), owner, repo }
  emu.github.addPullRequest(pr)
  const tls = await generateCertificates('Runner e2e proxy CA', [GITHUB_API_HOST.split(':')[0] ?? ''])
  const proxy = await startConnectProxy({
    intercept: { [GITHUB_API_HOST]: { key: tls.serverKey, cert: tls.serverCert, target: emu.github.apiUrl } }
  })
  const caBundle = join(dir, 'ca-bundle.pem')
  await writeFile(caBundle, `${await readFile(emu.entra.caCertPath, 'utf8')}\n${tls.caCert}`)

  const controlKey = randomBytes(16).toString('hex')
  /** @type {() => void} */
  let stopped = () => {}
  const done = new Promise((resolve) => (stopped = () => resolve(undefined)))
  const control = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (url.searchParams.get('key') !== controlKey) {
      res.writeHead(403).end()
    } else if (req.method === 'GET' && url.pathname === '/report') {
      /** @type {Report} */
      const report = {
        pullRequest: { owner, repo, number: pr.number },
        comments: emu.github
          .comments(owner, repo, pr.number)
          .map((/** @type {{ id: number, body: string, user: { login: string } }} */ c) => ({
            id: c.id,
            body: c.body,
            user: c.user.login
          })),
        openaiRequests: emu.openai.requests.map((/** @type {{ path: string, auth: string }} */ r) => ({
          path: r.path,
          auth: r.auth
        })),
        azureTokens: emu.entra.issued.map((/** @type {{ token: string }} */ t) => t.token),
        oidcTokensIssued: emu.oidc.state.issued,
        proxied: proxy.requests
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(report))
    } else if (req.method === 'POST' && url.pathname === '/stop') {
      res.writeHead(204).end()
      stopped()
    } else {
      res.writeHead(404).end()
    }
  })
  await new Promise((resolve) => control.listen(0, '127.0.0.1', () => resolve(undefined)))
  const controlPort = /** @type {import('node:net').AddressInfo} */ (control.address()).port
  const inputs = emu.defaultInputs()

  const env = {
    EMU_ENDPOINT: inputs.endpoint,
    EMU_DEPLOYMENT: inputs.deployment,
    EMU_CLIENT_ID: inputs['client-id'],
    EMU_TENANT_ID: inputs['tenant-id'],
    EMU_AUTHORITY_HOST: inputs['authority-host'],
    EMU_GITHUB_TOKEN: inputs['github-token'],
    EMU_REPOSITORY: repository,
    EMU_PULL_NUMBER: String(pr.number),
    EMU_ID_TOKEN_REQUEST_URL: emu.oidc.requestUrl,
    EMU_ID_TOKEN_REQUEST_TOKEN: emu.oidc.requestToken,
    EMU_HTTPS_PROXY: proxy.url,
    // Entra ID and Azure OpenAI emulators are on 127.0.0.1: straight there, not through the proxy.
    EMU_NO_PROXY: '127.0.0.1,localhost',
    EMU_CA_CERTS: caBundle,
    EMU_CONTROL_URL: `http://127.0.0.1:${controlPort}/?key=${controlKey}`
  }
  // Written whole or not at all: `wait` treats the file's existence as "ready".
  await writeFile(
    `${envFile}.partial`,
    Object.entries(env)
      .map(([name, value]) => `${name}=${value}\n`)
      .join('')
  )
  await rename(`${envFile}.partial`, envFile)
  process.stderr.write(`emulators: ready for ${repository}#${pr.number}; GitHub at ${emu.github.apiUrl} behind ${proxy.url}\n`)

  for (const signal of /** @type {const} */ (['SIGTERM', 'SIGINT'])) process.once(signal, () => stopped())
  await done
  control.close()
  await Promise.allSettled([emu.close(), proxy.close()])
  await rm(dir, { recursive: true, force: true })
  process.stderr.write('emulators: stopped\n')
  return 0
}

/** @param {Record<string, string>} opts */
async function wait(opts) {
  const envFile = required(opts, 'emulator-env')
  const deadline = Date.now() + Number(opts['timeout-seconds'] ?? 60) * 1000
  while (Date.now() < deadline) {
    try {
      parseEnvFile(await readFile(envFile, 'utf8'))
      return 0
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
  process.stderr.write(
    `::error::The emulators did not write ${envFile} in time: see the output of scripts/emulators.mjs start.\n`
  )
  return 1
}

/** @param {string} envFile @param {string} path @param {RequestInit} [init] */
async function control(envFile, path, init) {
  const base = new URL(parseEnvFile(await readFile(envFile, 'utf8')).EMU_CONTROL_URL ?? '')
  base.pathname = path
  return fetch(base, init)
}

/**
 * What must hold after one run of the action against the emulators, given the step's outputs.
 * @param {Report} report
 * @param {{ summary: string, commentId: string, skipped: string }} outputs
 * @returns {string[]} Problems, one line each.
 */
export function verifyRun(report, outputs) {
  const problems = []
  const ours = report.comments.filter((comment) => comment.body.startsWith(COMMENT_MARKER))
  if (outputs.skipped !== '') problems.push(`the action skipped the run (skipped=${outputs.skipped}) instead of summarizing`)
  if (ours.length !== 1) problems.push(`the PR has ${ours.length} summary comments, not exactly 1`)
  if (ours[0] && String(ours[0].id) !== outputs.commentId) {
    problems.push(`output comment-id '${outputs.commentId}' is not the id of the posted comment (${ours[0].id})`)
  }
  if (outputs.summary.trim() === '') problems.push('output summary is empty')
  else if (ours[0] && !ours[0].body.includes(outputs.summary.trim().split('\n')[0] ?? '')) {
    problems.push('output summary is not what the comment says')
  }
  if (!report.openaiRequests.some((request) => request.auth === 'bearer')) {
    problems.push('Azure OpenAI got no request with an Entra ID bearer token')
  }
  if (report.oidcTokensIssued === 0) problems.push('no GitHub OIDC token was requested from ACTIONS_ID_TOKEN_REQUEST_URL')
  if (!report.proxied.some((request) => request.target.startsWith('https://api.github.com/repos/'))) {
    problems.push('no request to https://api.github.com went through the proxy: GITHUB_API_URL was not the one a runner sets')
  }
  return problems
}

/** @param {Record<string, string>} opts */
async function verify(opts) {
  const envFile = required(opts, 'emulator-env')
  const report = /** @type {Report} */ (await (await control(envFile, '/report')).json())
  if (opts['report-out']) await writeFile(opts['report-out'], JSON.stringify(report, null, 2))
  const problems = verifyRun(report, {
    summary: process.env.ACTION_SUMMARY ?? '',
    commentId: process.env.ACTION_COMMENT_ID ?? '',
    skipped: process.env.ACTION_SKIPPED ?? ''
  })
  for (const problem of problems) process.stdout.write(`::error::${problem}\n`)
  if (problems.length === 0) {
    process.stdout.write(
      `The action posted comment ${postedWhere(report)} through the runner: inputs, outputs, OIDC, Entra ID, Azure OpenAI and GitHub all exercised.\n`
    )
  }
  return problems.length === 0 ? 0 : 1
}

/** @param {Report} report */
const postedWhere = (report) =>
  `${report.comments[0]?.id ?? '?'} on ${report.pullRequest.owner}/${report.pullRequest.repo}#${report.pullRequest.number}`

/** @param {Record<string, string>} opts */
async function stop(opts) {
  const response = await control(required(opts, 'emulator-env'), '/stop', { method: 'POST' })
  return response.status === 204 ? 0 : 1
}

/**
 * Problems with a job log as the runner stored it: an Azure token the run got, or anything shaped like a
 * JWT, shows through; or the log is not of a run that got a token at all.
 * @param {string} log @param {Pick<Report, 'azureTokens'>} report
 * @returns {string[]}
 */
export function scanLog(log, report) {
  const problems = []
  if (report.azureTokens.length === 0) problems.push('the report lists no Azure token: the run never authenticated')
  if (!/GitHub OIDC token: issuer /.test(log))
    problems.push('the log has no "GitHub OIDC token: issuer …" line: is it the action job\'s log?')
  const leaked = report.azureTokens.filter((token) => log.includes(token)).length
  if (leaked > 0) problems.push(`${leaked} Azure access token(s) appear unmasked in the job log`)
  const jwt = JWT.exec(log)?.[0]
  if (jwt) problems.push(`a JWT appears unmasked in the job log (starts ${jwt.slice(0, 12)}…)`)
  return problems
}

/** @param {Record<string, string>} opts */
async function scanLogCommand(opts) {
  const report = JSON.parse(await readFile(required(opts, 'report'), 'utf8'))
  const problems = scanLog(await readFile(required(opts, 'log'), 'utf8'), report)
  for (const problem of problems) process.stdout.write(`::error::${problem}\n`)
  if (problems.length === 0) process.stdout.write(`No token of the ${report.azureTokens.length} issued appears in the log.\n`)
  return problems.length === 0 ? 0 : 1
}

/** @param {string[]} argv */
async function main([command = '', ...rest]) {
  /** @type {Record<string, (opts: Record<string, string>) => Promise<number>>} */
  const commands = { start, wait, verify, stop, 'scan-log': scanLogCommand }
  const run = commands[command]
  try {
    if (!run) throw new Usage(`unknown command '${command}'; one of: ${Object.keys(commands).join(', ')}`)
    return await run(options(rest))
  } catch (error) {
    if (!(error instanceof Usage)) throw error
    process.stderr.write(`emulators: ${error.message}\n`)
    return 2
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then((code) => (process.exitCode = code))
}
