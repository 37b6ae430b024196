/**
 * Shared e2e plumbing: start the four emulators, plant a PR, run dist/index.js as a runner would,
 * and scan everything the run printed or wrote for secrets.
 */
import { expect } from '@jest/globals'
import { startEmulators } from '../emulators/index.mjs'
import { pullRequestEvent, samplePullRequest } from '../emulators/fixtures.mjs'
import { runAction } from '../emulators/run-action.mjs'

export type Emulators = Awaited<ReturnType<typeof startEmulators>>
export type ActionRun = Awaited<ReturnType<typeof runAction>>
export type FixturePull = ReturnType<typeof samplePullRequest>

export const API_KEY = 'emulated-azure-openai-key-0123456789abcdef'

export async function start(options: Parameters<typeof startEmulators>[0] = {}): Promise<Emulators> {
  return startEmulators({ apiKey: API_KEY, ...options })
}

/** Plants `pr` (default: the sample PR) and returns it with its `pull_request` event. */
export function plant(
  emu: Emulators,
  pr: FixturePull = samplePullRequest(),
  options: { fork?: boolean; action?: 'opened' | 'synchronize' } = {}
) {
  emu.github.addPullRequest({ ...pr, headRepo: options.fork ? { owner: 'outside-contributor', repo: pr.repo } : undefined })
  const event = pullRequestEvent(pr, {
    fork: options.fork ?? false,
    action: options.action ?? 'opened',
    serverUrl: emu.github.serverUrl
  })
  return { pr, event }
}

export interface RunOptions {
  inputs?: Record<string, string | number | boolean | undefined>
  env?: Record<string, string>
  event?: unknown
  eventName?: string
  timeoutMs?: number
}

/** Runs the bundled action with the emulators' default (keyless OIDC) inputs merged under `inputs`. */
export async function act(emu: Emulators, event: unknown, options: RunOptions = {}): Promise<ActionRun> {
  const run = await runAction({
    emu,
    inputs: { ...emu.defaultInputs(), ...options.inputs },
    event: options.event ?? event,
    eventName: options.eventName ?? 'pull_request',
    env: { ACTIONS_STEP_DEBUG: 'true', ...options.env },
    timeoutMs: options.timeoutMs
  })
  expectNoSecrets(emu, run)
  return run
}

/** The `::error::` lines of a run (the one-line messages users see). */
export function errors(run: ActionRun): string[] {
  return run.stdout.split('\n').filter((line) => line.startsWith('::error'))
}

export function warnings(run: ActionRun): string[] {
  return run.stdout.split('\n').filter((line) => line.startsWith('::warning'))
}

export function notices(run: ActionRun): string[] {
  return run.stdout.split('\n').filter((line) => line.startsWith('::notice'))
}

/** Our sticky comments on the PR (marker at the start), oldest first. */
export function summaryComments(emu: Emulators, pr: FixturePull) {
  return emu.github
    .comments(pr.owner, pr.repo, pr.number)
    .filter((comment: { body: string }) => comment.body.startsWith('<!-- azure-openai-pr-summary:comment'))
}

const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/

/**
 * No GitHub OIDC JWT, Azure access token or api-key in stdout, stderr, GITHUB_OUTPUT or the job
 * summary — debug logging included (ACTIONS_STEP_DEBUG is on in every run).
 */
export function expectNoSecrets(emu: Emulators, run: ActionRun): void {
  const secrets = [API_KEY, ...emu.entra.issued.map((record: { token: string }) => record.token)]
  // `::add-mask::<secret>` is how a secret reaches the runner's masker; the runner never shows it.
  const stdout = run.stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n')
  const places = { stdout, stderr: run.stderr, outputs: JSON.stringify(run.outputs), summary: run.summary }
  for (const [place, text] of Object.entries(places)) {
    expect({ place, jwt: JWT.exec(text)?.[0] }).toEqual({ place, jwt: undefined })
    for (const secret of secrets) expect({ place, leaked: text.includes(secret) }).toEqual({ place, leaked: false })
  }
}
