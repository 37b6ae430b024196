import { readFileSync } from 'node:fs'
import * as core from '@actions/core'
import { createOctokit } from './github.js'
import { ActionError, SkipRun } from './errors.js'
import { commentMarker, descriptionSectionText, parseDescriptionMarker, withoutDescriptionSection } from './marker.js'
import { codePointLength } from './limits.js'
import { readPullRequest } from './pull.js'
import {
  findOurComments,
  publishComment,
  publishDescription,
  resolveIdentity,
  type Identity,
  type OurComment
} from './publish.js'
import { readSettings } from './settings.js'
import type { Log, PullRequestData, RepoRef, RunResult, Settings, SummaryOutcome } from './types.js'

/** Time after timeout-seconds for clients to report their own timeout before the watchdog ends the run. */
const WATCHDOG_GRACE_SECONDS = 10

const log: Log = {
  info: (message) => core.info(message),
  debug: (message) => core.debug(message),
  notice: (message) => core.notice(message),
  warning: (message) => core.warning(message)
}

/**
 * The pipeline, top to bottom: event → settings → PR → selection → model → render → publish → outputs.
 * Modules that only some runs need are imported when the run knows it needs them: an unchanged,
 * draft or fork PR never loads Azure auth, the model client, the tokenizer or the markdown parser.
 */
export async function run(): Promise<void> {
  const started = Date.now()
  const event = readEvent()
  const eventName = process.env.GITHUB_EVENT_NAME ?? ''
  const early = skipBeforeSettings(event, eventName)
  if (early) return skip(early, 0)
  const settings = readSettings({ getInput: (name) => core.getInput(name), env: process.env, event, eventName })
  if (settings.apiKey) core.setSecret(settings.apiKey)
  if (settings.githubToken) core.setSecret(settings.githubToken)
  core.debug(`settings: ${JSON.stringify({ ...settings, apiKey: settings.apiKey ? '***' : '', githubToken: '***' })}`)

  const repo = repoFromEnv()
  if (settings.pullNumber === undefined) {
    throw new ActionError(
      `No pull request in this '${process.env.GITHUB_EVENT_NAME ?? 'unknown'}' event: set the 'pull-number' input (for example pull-number: \${{ inputs.pr }} on workflow_dispatch).`
    )
  }
  if (!settings.githubToken)
    throw new ActionError(
      `Input 'github-token' is empty: leave it at its default (\${{ github.token }}) or pass a token that can read the PR.`
    )

  const deadline = started + settings.timeoutSeconds * 1000
  // Every client stops at the deadline on its own; this is the last line of defence, so that nothing
  // (a hung socket in a library we do not control) can hold the job until GitHub's 6-hour limit.
  const watchdog = setTimeout(
    () => {
      core.setFailed(
        `The run did not finish within timeout-seconds (${settings.timeoutSeconds} s) plus ${WATCHDOG_GRACE_SECONDS} s: a remote stopped answering. Re-run the job; if it recurs, raise timeout-seconds or check the network between the runner and GitHub, Entra ID and Azure OpenAI.`
      )
      process.exit(1)
    },
    (settings.timeoutSeconds + WATCHDOG_GRACE_SECONDS) * 1000
  ).unref()
  try {
    await readSummarizePublish(settings, repo, settings.pullNumber, deadline)
  } finally {
    clearTimeout(watchdog)
  }
}

/** From the PR read to the outputs; a SkipRun on the way ends it with a notice and exit 0. */
async function readSummarizePublish(settings: Settings, repo: RepoRef, number: number, deadline: number): Promise<void> {
  const octokit = createOctokit(settings.githubToken, { log, timeoutMs: settings.timeoutSeconds * 1000 })
  const target = { ...repo, number }

  // Reads that do not depend on each other start together.
  const dataPromise = readPullRequest(octokit, repo, number, log)
  const identityPromise = settings.publish === 'comment' ? resolveIdentity(octokit, log) : Promise.resolve(undefined)
  const commentsPromise = identityPromise.then((identity) => (identity ? findOurComments(octokit, target, identity) : []))
  const planning = import('./summarize.js')
  for (const pending of [identityPromise, commentsPromise, planning]) pending.catch(() => undefined)

  const data = await core.group('Reading the pull request', async () => {
    const data = await dataPromise
    log.info(
      `#${data.pr.number} "${data.pr.title}": ${data.files.length} files, ${data.commits.length} commits (${data.pr.htmlUrl})`
    )
    return data
  })

  try {
    const result = await summarizeAndPublish({
      settings,
      data,
      target,
      octokit,
      identityPromise,
      commentsPromise,
      planning,
      deadline
    })
    setOutputs(result)
  } catch (error) {
    if (!(error instanceof SkipRun)) throw error
    await skip(error, Math.max(data.pr.changedFiles, data.files.length))
  }
}

/**
 * Runs that end before settings are even read: under `pull_request`, a fork PR gets no OIDC token,
 * and its workflow may get neither secrets nor variables (so client-id and tenant-id can be empty
 * too); a comment on a plain issue has no pull request to summarize.
 */
function skipBeforeSettings(event: Record<string, unknown>, eventName: string): SkipRun | undefined {
  const { pull_request: pull, issue } = event as {
    pull_request?: { number?: number; head?: { repo?: { full_name?: string } | null }; base?: { repo?: { full_name?: string } } }
    issue?: { number?: number; pull_request?: unknown }
  }
  const headRepo = pull?.head?.repo?.full_name
  const fork = pull !== undefined && headRepo !== pull.base?.repo?.full_name
  const wantsOidc =
    ['', 'auto', 'oidc'].includes(core.getInput('auth').trim().toLowerCase()) && core.getInput('api-key').trim() === ''
  if (fork && wantsOidc && !process.env.ACTIONS_ID_TOKEN_REQUEST_URL) {
    return new SkipRun(
      'fork-without-oidc',
      `PR #${pull?.number ?? '?'} comes from a fork, and GitHub gives fork PRs no OIDC token under '${eventName}': skipped. See the README section "Forks" to summarize fork PRs safely.`
    )
  }
  if (eventName === 'issue_comment' && issue && !issue.pull_request && core.getInput('pull-number').trim() === '') {
    return new SkipRun('not-a-pull-request', `Issue #${issue.number ?? '?'} is not a pull request: nothing to summarize.`)
  }
  return undefined
}

/** Ends the run on purpose: a notice, the outputs with nothing spent, and a line in the job summary. */
async function skip(reason: SkipRun, filesTotal: number): Promise<void> {
  core.notice(reason.message)
  setOutputs(skippedResult(reason.reason, filesTotal))
  await writeJobSummary(`### Azure OpenAI PR summary skipped\n\n${reason.message}\n`)
}

interface Stage {
  readonly settings: Settings
  readonly data: PullRequestData
  readonly target: RepoRef & { readonly number: number }
  readonly octokit: ReturnType<typeof createOctokit>
  readonly identityPromise: Promise<Identity | undefined>
  readonly commentsPromise: Promise<OurComment[]>
  readonly planning: Promise<typeof import('./summarize.js')>
  readonly deadline: number
}

async function summarizeAndPublish(stage: Stage): Promise<RunResult> {
  const { settings, data, target, octokit } = stage
  const { pr } = data
  if (pr.draft && settings.skipDrafts) {
    throw new SkipRun(
      'draft',
      `PR #${pr.number} is a draft: not summarized until it is marked ready for review (set skip-drafts: false to summarize drafts).`
    )
  }
  if (data.files.length === 0) throw new SkipRun('no-files', `PR #${pr.number} changes no files: nothing to summarize.`)

  const summarize = await stage.planning
  const existing = await stage.commentsPromise
  const previousFingerprint =
    settings.publish === 'comment'
      ? existing[0]?.fingerprint
      : settings.publish === 'description'
        ? parseDescriptionMarker(pr.body)?.fingerprint
        : undefined
  // Our own description section is not the author's text: it is neither fingerprinted nor prompted.
  const authored: PullRequestData = { ...data, pr: { ...pr, body: withoutDescriptionSection(pr.body) } }
  const fingerprint = summarize.fingerprint(authored, settings)
  if (previousFingerprint === fingerprint) {
    const previous =
      settings.publish === 'comment'
        ? existing[0]?.body.slice(existing[0].body.indexOf('\n') + 1)
        : descriptionSectionText(pr.body)
    return await unchangedResult(data, previous ?? '', existing[0])
  }

  const plan = await summarize.planSummary(authored, settings)
  core.debug(
    `Removed ${plan.removedCharacters} hidden characters (HTML comments, zero-width, bidi, tags) from PR text before prompting.`
  )
  log.info(
    `Plan: ${plan.coverage.summarized.length} of ${plan.coverage.filesTotal} files to the model in ${plan.single ? 'one request' : `${plan.groups.length} map requests + 1 reduce`}; ${plan.coverage.excluded.length} excluded, ${plan.coverage.omitted.length} omitted.`
  )
  if (plan.coverage.summarized.length === 0) {
    const notes = [...plan.coverage.excluded, ...plan.coverage.omitted]
    const names = notes.map((note) => `${note.path} (${note.reason})`).join(', ')
    throw new SkipRun(
      'no-files',
      `No changed file of PR #${pr.number} has a diff to summarize: ${names}. Adjust 'include'/'exclude' if a file was left out by mistake.`
    )
  }

  // From here on the run calls the model: load what that takes.
  const rendering = import('./render.js')
  rendering.catch(() => undefined)
  const [auth, model] = await Promise.all([import('./auth.js'), import('./model.js')])
  const azure = auth.createAuth(settings, {
    getIDToken: (audience) => core.getIDToken(audience),
    setSecret: (secret) => core.setSecret(secret),
    log,
    env: process.env
  })
  if (azure.mode === 'oidc' && !process.env.ACTIONS_ID_TOKEN_REQUEST_URL) {
    if (pr.isFork) {
      throw new SkipRun(
        'fork-without-oidc',
        `PR #${pr.number} comes from a fork, and GitHub gives fork PRs no OIDC token under 'pull_request': skipped. See the README section "Forks" to summarize fork PRs safely.`
      )
    }
    throw new ActionError(auth.missingIdTokenPermissionMessage())
  }
  log.info(`Azure auth: ${azure.label}`)

  const remainingMs = Math.max(1000, stage.deadline - Date.now())
  const client = await model.createModelClient(settings, azure, { log, timeoutMs: remainingMs, maxRetries: 4 })
  const outcome: SummaryOutcome = await core.group('Summarizing', () => summarize.summarize(plan, client, settings, log))
  if (outcome.notice) {
    core.warning(
      `${outcome.notice} A neutral notice was published; the next run tries again. If it recurs, check the deployment's content filter settings (Azure AI Foundry: Guardrails + controls) and max-output-tokens.`
    )
  }
  // A notice is published without the fingerprint, so that a re-run of the same PR tries again.
  const publishedFingerprint = outcome.notice ? '' : fingerprint

  const { renderSummary, DEFAULT_RENDER_LIMIT } = await rendering
  const renderWithin = (limit: number): string =>
    renderSummary(outcome, {
      serverUrl: serverUrl(),
      owner: target.owner,
      repo: target.repo,
      number: target.number,
      deployment: settings.deployment,
      authLabel: azure.label,
      limit: Math.min(limit, DEFAULT_RENDER_LIMIT)
    })
  const markdown = renderWithin(DEFAULT_RENDER_LIMIT)

  let published: { id: number; url: string } | undefined
  await core.group(`Publishing (${settings.publish})`, async () => {
    if (settings.publish === 'comment') {
      const identity = (await stage.identityPromise) ?? { botOnly: true }
      published = await publishComment(octokit, target, `${commentMarker(publishedFingerprint)}\n${markdown}`, identity, log)
    } else if (settings.publish === 'description') {
      // Next to the human text there may be less room: the section is rendered again to fit it.
      await publishDescription(
        octokit,
        target,
        (room) => (room >= codePointLength(markdown) ? markdown : renderWithin(room)),
        publishedFingerprint,
        pr.headSha,
        log
      )
    }
  })

  await writeJobSummary(jobSummary(markdown, outcome, azure.label, published?.url))
  return {
    summary: markdown,
    commentId: published?.id,
    commentUrl: published?.url,
    skipped: '',
    filesTotal: outcome.coverage.filesTotal,
    filesSummarized: outcome.coverage.summarized.length,
    filesOmitted: outcome.coverage.excluded.length + outcome.coverage.omitted.length + outcome.coverage.unlisted,
    promptTokens: outcome.usage.promptTokens,
    completionTokens: outcome.usage.completionTokens,
    modelCalls: outcome.usage.modelCalls
  }
}

/** The outputs of an unchanged PR: what was published before, and nothing spent. */
async function unchangedResult(data: PullRequestData, summary: string, comment: OurComment | undefined): Promise<RunResult> {
  const where = comment ? ` (${comment.url})` : ''
  const message = `PR #${data.pr.number} is unchanged since the last summary${where}: no model call made.`
  core.notice(message)
  await writeJobSummary(`### Azure OpenAI PR summary unchanged\n\n${message}\n`)
  return {
    ...skippedResult('unchanged', Math.max(data.pr.changedFiles, data.files.length)),
    summary,
    commentId: comment?.id,
    commentUrl: comment?.url
  }
}

function skippedResult(reason: string, filesTotal: number): RunResult {
  return {
    summary: '',
    skipped: reason,
    filesTotal,
    filesSummarized: 0,
    filesOmitted: 0,
    promptTokens: 0,
    completionTokens: 0,
    modelCalls: 0
  }
}

function setOutputs(result: RunResult): void {
  core.setOutput('summary', result.summary)
  core.setOutput('comment-id', result.commentId ?? '')
  core.setOutput('comment-url', result.commentUrl ?? '')
  core.setOutput('skipped', result.skipped)
  core.setOutput('files-total', result.filesTotal)
  core.setOutput('files-summarized', result.filesSummarized)
  core.setOutput('files-omitted', result.filesOmitted)
  core.setOutput('prompt-tokens', result.promptTokens)
  core.setOutput('completion-tokens', result.completionTokens)
  core.setOutput('model-calls', result.modelCalls)
}

function jobSummary(markdown: string, outcome: SummaryOutcome, authLabel: string, commentUrl: string | undefined): string {
  const { coverage, usage } = outcome
  const rows = [
    ['Summarized', String(coverage.summarized.length)],
    ['Excluded', String(coverage.excluded.length)],
    ['Omitted', String(coverage.omitted.length + coverage.unlisted)],
    ['Model calls', String(usage.modelCalls)],
    ['Prompt tokens', String(usage.promptTokens)],
    ['Completion tokens', String(usage.completionTokens)],
    ['Auth', authLabel]
  ]
  const table = ['| | |', '|---|---|', ...rows.map(([name, value]) => `| ${name} | ${value} |`)].join('\n')
  const link = commentUrl ? `\n\nPublished: ${commentUrl}` : ''
  return `${markdown}\n\n---\n\n${table}${link}\n`
}

async function writeJobSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  await core.summary.addRaw(markdown).write()
}

function readEvent(): Record<string, unknown> {
  const path = process.env.GITHUB_EVENT_PATH
  if (!path) return {}
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
  } catch (error) {
    throw new ActionError(`Cannot read the event payload at GITHUB_EVENT_PATH '${path}': ${(error as Error).message}.`)
  }
}

function repoFromEnv(): RepoRef {
  const [owner, repo, ...rest] = (process.env.GITHUB_REPOSITORY ?? '').split('/')
  if (!owner || !repo || rest.length > 0) {
    throw new ActionError(
      `GITHUB_REPOSITORY '${process.env.GITHUB_REPOSITORY ?? ''}' is not of the form owner/repo: run this action in a GitHub Actions job.`
    )
  }
  return { owner, repo }
}

function serverUrl(): string {
  return (process.env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, '')
}
