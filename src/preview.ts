/**
 * `npm run preview`: the action's own pipeline (run() with publish 'none') on a real PR, from a
 * developer's terminal, with their GitHub token and their Azure CLI login. It builds a RunContext the
 * way main.ts does on a runner, with a GitHub client that refuses every request but a read, and
 * formats what the run produced: the comment the action would post, the plan, the tokens spent.
 */
import { AUTH_LABELS, resolveAuthMode } from './auth-mode.js'
import { ActionError } from './errors.js'
import { createOctokit, type Octokit } from './github.js'
import type { AzureTarget, PullRequestUrl } from './local.js'
import { run, type RunLog } from './run.js'
import { readSettings } from './settings.js'
import type { CloudName, FileNote, RunResult, Settings } from './types.js'

/** What to preview and how to reach Azure OpenAI. */
export interface PreviewOptions {
  readonly pr: PullRequestUrl
  readonly target: AzureTarget
  /** `azure-cli` (the signed-in Azure CLI) or `default` (DefaultAzureCredential). */
  readonly auth: 'azure-cli' | 'default'
  readonly tenantId?: string
  readonly cloud?: CloudName
  readonly instructions?: string
  readonly language?: string
}

/** The clients' surroundings: a token that can read the PR, the environment (proxies), the log, the clock. */
export interface PreviewDeps {
  readonly githubToken: string
  readonly env: NodeJS.ProcessEnv
  readonly log: RunLog
  readonly now: () => number
}

/** What the run produced, and what it ran with. */
export interface PreviewReport {
  readonly pr: PullRequestUrl
  readonly settings: Settings
  readonly authLabel: string
  readonly result: RunResult
}

/**
 * Runs the action's pipeline on `options.pr` with publish 'none' and a read-only GitHub client. Draft
 * PRs are summarized too (skip-drafts off): a preview is asked for on purpose.
 */
export async function previewPullRequest(options: PreviewOptions, deps: PreviewDeps): Promise<PreviewReport> {
  const { pr, target } = options
  const inputs: Record<string, string> = {
    endpoint: target.endpoint,
    deployment: target.deployment,
    'api-version': target.apiVersion,
    // `auto` with no client-id and no api-key resolves to DefaultAzureCredential.
    auth: options.auth === 'default' ? 'auto' : 'azure-cli',
    'tenant-id': options.tenantId ?? '',
    cloud: options.cloud ?? '',
    instructions: options.instructions ?? '',
    language: options.language ?? '',
    'pull-number': String(pr.number),
    'github-token': deps.githubToken,
    publish: 'none',
    'skip-drafts': 'false'
  }
  // No environment: AZURE_CLIENT_ID in a developer's shell must not turn `auto` into OIDC.
  const settings = readSettings({ getInput: (name) => inputs[name] ?? '', env: {}, event: {}, eventName: 'workflow_dispatch' })
  const github = readOnly(
    createOctokit(deps.githubToken, {
      log: deps.log,
      timeoutMs: settings.timeoutSeconds * 1000,
      baseUrl: pr.apiUrl,
      env: deps.env
    })
  )
  const result = await run({
    event: { name: 'workflow_dispatch', payload: {} },
    repo: { owner: pr.owner, repo: pr.repo },
    settings,
    github,
    azure: {
      hasIdToken: false,
      // Never called: azure-cli and DefaultAzureCredential do not use a GitHub OIDC token.
      getIDToken: () => Promise.reject(new Error('A preview has no GitHub OIDC token.')),
      // Nothing of a preview is shown to anyone but the person who ran it; tokens are never printed.
      setSecret: () => undefined,
      env: deps.env
    },
    log: deps.log,
    serverUrl: pr.serverUrl,
    startedAt: deps.now(),
    now: deps.now
  })
  return { pr, settings, authLabel: AUTH_LABELS[resolveAuthMode(settings, false)], result }
}

/**
 * `octokit` with every request but GET and HEAD refused before it is sent: publish 'none' already
 * writes nothing, and this makes "a preview never writes to GitHub" hold whatever the pipeline becomes.
 */
export function readOnly(octokit: Octokit): Octokit {
  octokit.hook.before('request', (options) => {
    const method = options.method.toUpperCase()
    if (method !== 'GET' && method !== 'HEAD') {
      throw new ActionError(
        `A preview never writes to GitHub, yet the pipeline asked for ${method} ${options.url}: please report this.`
      )
    }
  })
  return octokit
}

/** The first line of the comment block in formatPreview's output; the comment follows on the next line. */
export const COMMENT_START = '──── Comment the action would post (nothing was posted) ────'
/** The line after the comment block. */
export const COMMENT_END = '──── End of comment ────'

/** Names listed per group of files before "… and N more". */
const LISTED = 20

/** The comment, the plan, the tokens and the deployment, for a terminal. */
export function formatPreview(report: PreviewReport): string {
  const { result, settings, pr } = report
  const where = `${pr.owner}/${pr.repo}#${pr.number}`
  if (result.skipped) {
    return `No comment would be posted on ${where} (skipped: ${result.skipped}); the notice above says why.\n`
  }
  const api = settings.apiVersion ? `api-version ${settings.apiVersion}` : 'v1 API'
  const lines = [COMMENT_START, result.summary.trimEnd(), COMMENT_END, '', `Plan for ${where}:`]
  const coverage = result.coverage
  if (coverage) {
    const compressed = new Set(coverage.compressed)
    const whole = coverage.summarized.filter((path) => !compressed.has(path))
    lines.push(
      ...group('Sent whole', whole),
      ...group('Sent compressed', coverage.compressed),
      ...group('Excluded', coverage.excluded.map(noted)),
      ...group('Omitted', coverage.omitted.map(noted)),
      ...(coverage.unlisted > 0 ? [`  Not listed by GitHub (past its 3,000-file limit): ${coverage.unlisted}`] : [])
    )
  }
  lines.push(
    `Tokens: ${result.promptTokens.toLocaleString('en-US')} prompt + ${result.completionTokens.toLocaleString('en-US')} completion in ${result.modelCalls} model ${result.modelCalls === 1 ? 'call' : 'calls'}`,
    `Deployment: ${settings.deployment} on ${settings.endpoint} (${api}), auth: ${report.authLabel}`
  )
  return `${lines.join('\n')}\n`
}

function group(title: string, names: readonly string[]): string[] {
  if (names.length === 0) return []
  const shown = names.slice(0, LISTED).join(', ')
  const more = names.length > LISTED ? `, … and ${names.length - LISTED} more` : ''
  return [`  ${title} (${names.length}): ${shown}${more}`]
}

function noted(note: FileNote): string {
  return `${note.path} (${note.reason})`
}
