// @ts-check
/**
 * Runs the bundled action (`dist/index.js`) the way a GitHub runner does: a fresh Node 24 process, a
 * clean environment, `INPUT_*` for every input (action.yml defaults filled in), the event payload in a
 * file, and GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files read back afterwards. The child runs
 * asynchronously because the emulators it talks to live in this process.
 *
 * The runner variables that depend on the trigger follow `eventName` and the payload, as on GitHub:
 * GITHUB_ACTOR is the event's sender; `pull_request*` runs get GITHUB_REF `refs/pull/{n}/merge` and
 * GITHUB_HEAD_REF/GITHUB_BASE_REF; `issue_comment` runs (and others) run on the default branch,
 * GITHUB_REF `refs/heads/{default_branch}`, with empty GITHUB_HEAD_REF/GITHUB_BASE_REF.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { distStaleness } from '../../scripts/dist-hash.mjs'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
/** The bundled action, as `runs.main` names it. */
export const ACTION_ENTRY = join(REPO_ROOT, 'dist', 'index.js')
const ACTION_MANIFEST = join(REPO_ROOT, 'action.yml')
const NODE_24 = join(REPO_ROOT, 'node_modules', 'node', 'bin', 'node')
/** The Node that runs the action: the pinned Node 24 devDependency, else this process's own. */
export const NODE_BINARY = existsSync(NODE_24) ? NODE_24 : process.execPath
const DEFAULT_TIMEOUT_MS = 120_000

/**
 * Why dist/ is not the bundle of the current sources (`message` undefined when it is): asked once per
 * process, since the sources do not change under a test run.
 * @type {{ message: string | undefined } | undefined}
 */
let staleness

/**
 * @typedef {object} RunResult
 * @property {number | null} code Exit code (null when killed).
 * @property {string} stdout
 * @property {string} stderr
 * @property {Record<string, string>} outputs Parsed from GITHUB_OUTPUT.
 * @property {string} summary Contents of GITHUB_STEP_SUMMARY.
 * @property {number} durationMs
 */

/**
 * @param {object} options
 * @param {{ env(extra?: Record<string, string>): Record<string, string>, github: { installationToken: string } }} options.emu
 * @param {Record<string, string | number | boolean | undefined>} [options.inputs] Given inputs; others get action.yml's defaults.
 * @param {unknown} [options.event] The webhook payload written to GITHUB_EVENT_PATH.
 * @param {string} [options.eventName]
 * @param {Record<string, string>} [options.env] Extra environment, applied last.
 * @param {number} [options.timeoutMs] The child is killed after this long and the run rejects.
 * @param {string} [options.entry] Script to run instead of dist/index.js.
 * @param {string} [options.manifest] action.yml whose input defaults apply.
 * @returns {Promise<RunResult>}
 */
export async function runAction({
  emu,
  inputs = {},
  event = {},
  eventName = 'pull_request',
  env = {},
  timeoutMs = DEFAULT_TIMEOUT_MS,
  entry = ACTION_ENTRY,
  manifest = ACTION_MANIFEST
}) {
  if (!existsSync(entry)) throw new Error(`runAction: ${entry} does not exist; run \`npm run bundle\` first.`)
  // A run of a bundle built from older sources would test (or demo) yesterday's action.
  if (entry === ACTION_ENTRY) {
    staleness ??= { message: distStaleness(REPO_ROOT) }
    if (staleness.message) throw new Error(`runAction: ${staleness.message}`)
  }
  const dir = await mkdtemp(join(tmpdir(), 'run-action-'))
  try {
    const paths = {
      event: join(dir, 'event.json'),
      output: join(dir, 'github_output'),
      summary: join(dir, 'step_summary.md'),
      state: join(dir, 'github_state'),
      envFile: join(dir, 'github_env'),
      path: join(dir, 'github_path'),
      temp: join(dir, 'runner_temp'),
      workspace: join(dir, 'workspace')
    }
    await Promise.all([
      writeFile(paths.event, JSON.stringify(event)),
      ...[paths.output, paths.summary, paths.state, paths.envFile, paths.path].map((p) => writeFile(p, '')),
      mkdir(paths.temp),
      mkdir(paths.workspace)
    ])
    const childEnv = {
      ...baseEnv(),
      ...emu.env(),
      ...(await inputEnv(manifest, inputs, emu.github.installationToken)),
      ...triggerEnv(eventName, event),
      GITHUB_EVENT_PATH: paths.event,
      GITHUB_EVENT_NAME: eventName,
      GITHUB_OUTPUT: paths.output,
      GITHUB_STEP_SUMMARY: paths.summary,
      GITHUB_STATE: paths.state,
      GITHUB_ENV: paths.envFile,
      GITHUB_PATH: paths.path,
      GITHUB_WORKSPACE: paths.workspace,
      RUNNER_TEMP: paths.temp,
      RUNNER_OS: 'Linux',
      ...env
    }
    const started = performance.now()
    const { code, stdout, stderr } = await spawnWithTimeout(entry, childEnv, paths.workspace, timeoutMs)
    const durationMs = performance.now() - started
    return {
      code,
      stdout,
      stderr,
      outputs: parseOutputs(await readFile(paths.output, 'utf8')),
      summary: await readFile(paths.summary, 'utf8'),
      durationMs
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * GITHUB_REF, GITHUB_HEAD_REF, GITHUB_BASE_REF and GITHUB_ACTOR as the runner derives them from the trigger.
 * @param {string} eventName @param {unknown} event @returns {Record<string, string>}
 */
export function triggerEnv(eventName, event) {
  const payload = /** @type {any} */ (event ?? {})
  /** @type {Record<string, string>} */
  const env = {}
  const sender = payload.sender?.login
  if (typeof sender === 'string') {
    env.GITHUB_ACTOR = sender
    env.GITHUB_TRIGGERING_ACTOR = sender
  }
  const pr = payload.pull_request
  if (eventName.startsWith('pull_request') && pr) {
    env.GITHUB_REF = `refs/pull/${pr.number ?? payload.number}/merge`
    env.GITHUB_HEAD_REF = String(pr.head?.ref ?? '')
    env.GITHUB_BASE_REF = String(pr.base?.ref ?? '')
  } else if (payload.repository) {
    env.GITHUB_REF = `refs/heads/${payload.repository.default_branch ?? 'main'}`
    env.GITHUB_HEAD_REF = ''
    env.GITHUB_BASE_REF = ''
  }
  return env
}

/** Only what a runner's step would inherit from the machine; never GITHUB_*, ACTIONS_*, INPUT_*. */
function baseEnv() {
  /** @type {Record<string, string>} */
  const env = {}
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    const value = process.env[name]
    if (value !== undefined) env[name] = value
  }
  return env
}

/**
 * `INPUT_<NAME>` for every input of action.yml: the runner upper-cases the name, keeps hyphens, and
 * fills in defaults (`${{ github.token }}` evaluates to the job token).
 * @param {string} manifestPath @param {Record<string, string | number | boolean | undefined>} inputs @param {string} jobToken
 */
async function inputEnv(manifestPath, inputs, jobToken) {
  let manifest
  try {
    manifest = parse(await readFile(manifestPath, 'utf8'))
  } catch (error) {
    // A runner refuses such an action too ("Failed to load action.yml"), so fail the run, clearly.
    throw new Error(
      `runAction: ${manifestPath} is not valid YAML, so a runner could not load the action: ${error instanceof Error ? error.message.split('\n')[0] : error}`,
      { cause: error }
    )
  }
  /** @type {Record<string, string>} */
  const env = {}
  for (const [name, spec] of Object.entries(manifest?.inputs ?? {})) {
    const fallback = spec && typeof spec === 'object' && 'default' in spec ? String(spec.default ?? '') : ''
    env[`INPUT_${name.toUpperCase()}`] = fallback.replace(/\$\{\{\s*github\.token\s*\}\}/g, jobToken)
  }
  for (const [name, value] of Object.entries(inputs)) {
    if (value !== undefined) env[`INPUT_${name.toUpperCase()}`] = String(value)
  }
  return env
}

/**
 * @param {string} entry @param {Record<string, string>} env @param {string} cwd @param {number} timeoutMs
 * @returns {Promise<{ code: number | null, stdout: string, stderr: string }>}
 */
function spawnWithTimeout(entry, env, cwd, timeoutMs) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(NODE_BINARY, [entry], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      const tail = (stdout + stderr).split('\n').slice(-15).join('\n')
      reject(new Error(`runAction: ${entry} did not finish within ${timeoutMs} ms and was killed. Last output:\n${tail}`))
    }, timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolvePromise({ code, stdout, stderr })
    })
  })
}

/**
 * Parses GITHUB_OUTPUT as @actions/core writes it (`name<<DELIMITER` … `DELIMITER`), plus the
 * legacy `name=value` lines.
 * @param {string} text
 */
export function parseOutputs(text) {
  /** @type {Record<string, string>} */
  const outputs = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = /** @type {string} */ (lines[i])
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, name, delimiter] = /** @type {[string, string, string]} */ (/** @type {unknown} */ (heredoc))
      const value = []
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i])
      outputs[name] = value.join('\n')
      continue
    }
    const eq = line.indexOf('=')
    if (eq > 0) outputs[line.slice(0, eq)] = line.slice(eq + 1)
  }
  return outputs
}
