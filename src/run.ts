/**
 * The pipeline, top to bottom: PR → previous summary → plan → Azure OpenAI → render → publish →
 * result. Everything it needs comes in a RunContext (main.ts builds it on a runner, tests build it
 * around local fakes); it reads no environment and writes no outputs. Modules only some runs need are
 * imported when the run knows it needs them: an unchanged, draft or fork PR never loads Azure auth,
 * the model client, the tokenizer or the markdown parser.
 */
import type { AuthDeps } from './auth.js'
import type { CommandRun } from './command.js'
import { ActionError } from './errors.js'
import type { Octokit } from './github.js'
import { readSinceLastSummary } from './delta.js'
import { HeadStart } from './head-start.js'
import { withInstructionsFile } from './instructions.js'
import { type MarkerState, MAX_HISTORY, type UpdateRecord, withoutDescriptionSection } from './marker.js'
import type { Plan } from './plan.js'
import { type Publication, createPublisher, type PreviousSummary } from './publisher.js'
import { whenRequestsSent } from './proxy.js'
import { readPullRequest } from './pull.js'
import { type RunEvent, type Skip, skipAfterRead, skippedResult } from './skips.js'
import type { UpdatesContext } from './render.js'
import type { Log, PullRequestData, RepoRef, RunResult, Settings, SinceLastSummary, SummaryOutcome } from './types.js'

/** A Log that can also fold a stage's lines into a group (`core.group` on a runner). */
export interface RunLog extends Log {
  group<T>(name: string, work: () => Promise<T>): Promise<T>
}

/** What the run needs from the runner to get an Azure token: the OIDC token endpoint and the masker. */
export interface AzureRunner extends Pick<AuthDeps, 'getIDToken' | 'setSecret' | 'env'> {
  /** The job can request a GitHub OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL is set). */
  readonly hasIdToken: boolean
}

/** Everything one run works with: the event, the settings, the clients, the log and the clock. */
export interface RunContext {
  readonly event: RunEvent
  readonly repo: RepoRef
  readonly settings: Settings
  readonly github: Octokit
  readonly azure: AzureRunner
  readonly log: RunLog
  /** `GITHUB_SERVER_URL` without a trailing slash, for links in the summary. */
  readonly serverUrl: string
  /** When the run started (ms since the epoch): the deadline is timeout-seconds after it. */
  readonly startedAt: number
  readonly now: () => number
  /** Set when a trusted command comment started the run: it summarizes even an unchanged, draft or skip-authors PR. */
  readonly command?: CommandRun
}

/** Summarizes the PR and publishes the summary; a skip is a result, never an error. */
export async function run(context: RunContext): Promise<RunResult> {
  const { settings, log } = context
  if (settings.pullNumber === undefined) {
    throw new ActionError(
      `No pull request in this '${context.event.name || 'unknown'}' event: set the 'pull-number' input (for example pull-number: \${{ inputs.pr }} on workflow_dispatch).`
    )
  }
  const target = { ...context.repo, number: settings.pullNumber }
  // Reads that do not depend on each other start together: the publisher looks for our previous
  // summary while the PR is read, and the planning code loads meanwhile.
  const publisher = createPublisher(settings.publish, context.github, target, log)
  const planning = import('./plan.js')
  planning.catch(() => undefined)
  // What only needs the PR itself (or our previous summary) starts once it is read: src/head-start.ts.
  const headStart = new HeadStart(context)

  const data = await log.group('Reading the pull request', async () => {
    const data = await readPullRequest(context.github, context.repo, target.number, log, (pr, firstFiles) =>
      headStart.pulled(pr, publisher.previous(pr), firstFiles)
    )
    log.info(
      `#${data.pr.number} "${data.pr.title}": ${data.files.length} files, ${data.commits.length} commits (${data.pr.htmlUrl})`
    )
    return data
  })
  const filesTotal = Math.max(data.pr.changedFiles, data.files.length)
  const early = skipAfterRead(data, settings, context.command !== undefined)
  if (early) return skip(early, filesTotal, log)

  // instructions-file is read at the PR's base commit (so a PR cannot rewrite its own prompt), before
  // the fingerprint, which must change with the file.
  const [previous, prompting] = await Promise.all([
    publisher.previous(data.pr),
    withInstructionsFile(context.github, settings, data.pr, log)
  ])
  // Our own description section is not the author's text: it is neither fingerprinted nor prompted.
  const authored: PullRequestData = { ...data, pr: { ...data.pr, body: withoutDescriptionSection(data.pr.body) } }
  const { fingerprint, planSummary, hasSendableFile } = await planning
  const print = fingerprint(authored, prompting)
  if (previous && previous.fingerprint === print && !context.command) return unchanged(data, previous, log)
  // The model will be called unless nothing can be sent: the token is on its way while the run plans.
  if (hasSendableFile(data.files, settings.include, settings.exclude)) void headStart.connect(data.pr)

  // New commits since the summary before: what they changed gets a section of its own.
  const since =
    previous?.head && previous.head !== data.pr.headSha
      ? await readSinceLastSummary(context.github, context.repo, { from: previous.head, to: data.pr.headSha }, data.files, log)
      : undefined
  const plan = await planSummary(authored, prompting, since ? { since } : {})
  log.debug(
    `Removed ${plan.removedCharacters} hidden characters (HTML comments, zero-width, bidi, tags) from PR text before prompting.`
  )
  log.info(
    `Plan: ${plan.coverage.summarized.length} of ${plan.coverage.filesTotal} files to the model in ${plan.single ? 'one request' : `${plan.groups.length} map requests + 1 reduce`}; ${plan.coverage.excluded.length} excluded, ${plan.coverage.omitted.length} omitted${describeUpdate(plan)}.`
  )
  if (plan.coverage.summarized.length === 0) return skip(nothingToSend(plan, data), filesTotal, log)

  const rendering = import('./render.js')
  rendering.catch(() => undefined)
  // The render's first run is mostly compiling. For a map-reduce plan (a long summary) it is done while
  // the model works on the reduce request, off the path to the comment: once that request has left,
  // since on this one thread it would hold up the request, as earlier it would the token exchange and
  // the map requests. A single request's summary renders quickly even cold, and a fast answer would
  // wait for the warm-up.
  let answered = false
  const warmUp = (): void =>
    whenRequestsSent(() => void rendering.then((render) => render.warmUp(() => answered)).catch(() => undefined), {
      path: CHAT_PATH
    })
  const summarized = await summarizeWithAzure({ ...context, settings: prompting }, headStart, plan, data, warmUp).finally(() => {
    answered = true
  })
  if ('reason' in summarized) return skip(summarized, filesTotal, log)
  const { outcome, authLabel } = summarized
  if (outcome.notice) {
    log.warning(
      `${outcome.notice} A neutral notice was published; the next run tries again. If it recurs, check the deployment's content filter settings (Azure AI Foundry: Guardrails + controls) and max-output-tokens.`
    )
  }

  const history = previous?.history ?? []
  const { renderFitted, describeFit, DEFAULT_RENDER_LIMIT } = await rendering
  const renderWithin = (limit: number): string => {
    const { markdown, fit } = renderFitted(outcome, {
      serverUrl: context.serverUrl,
      owner: target.owner,
      repo: target.repo,
      number: target.number,
      deployment: settings.deployment,
      authLabel,
      limit: Math.min(limit, DEFAULT_RENDER_LIMIT),
      ...(since || history.length > 0 ? { updates: { ...(since ? { since: sinceForRender(since) } : {}), history } } : {})
    })
    if (fit.level === 'whole') log.debug(describeFit(fit))
    else log.info(describeFit(fit))
    return markdown
  }
  const markdown = renderWithin(DEFAULT_RENDER_LIMIT)
  const marker: MarkerState = {
    // A notice is published without the fingerprint, so that a re-run of the same PR tries again.
    fingerprint: outcome.notice ? '' : print,
    head: data.pr.headSha,
    history: since ? [...history, updateRecord(since, context.now())].slice(-MAX_HISTORY) : history
  }
  const publication = await log.group(`Publishing (${settings.publish})`, () =>
    publisher.publish({ markdown, marker, renderWithin }, data.pr)
  )

  return {
    summary: markdown,
    ...(publication.published && publication.commentId !== undefined
      ? { commentId: publication.commentId, commentUrl: publication.url }
      : {}),
    published: publication.published,
    skipped: '',
    filesTotal: outcome.coverage.filesTotal,
    filesSummarized: outcome.coverage.summarized.length,
    filesOmitted: outcome.coverage.excluded.length + outcome.coverage.omitted.length + outcome.coverage.unlisted,
    promptTokens: outcome.usage.promptTokens,
    completionTokens: outcome.usage.completionTokens,
    modelCalls: outcome.usage.modelCalls,
    coverage: outcome.coverage,
    jobSummary: jobSummary(markdown, outcome, authLabel, publication)
  }
}

/**
 * Azure auth, the model client and the map-reduce (started by `headStart` once the run knew it would
 * call the model). A fork PR whose job has no OIDC token is a skip.
 */
async function summarizeWithAzure(
  context: RunContext,
  headStart: HeadStart,
  plan: Plan,
  data: PullRequestData,
  onLastRound: () => void
): Promise<{ outcome: SummaryOutcome; authLabel: string } | Skip> {
  const { settings, log } = context
  const azure = await headStart.connect(data.pr)
  if ('reason' in azure) return azure
  log.info(`Azure auth: ${azure.label}`)
  const outcome = await log.group('Summarizing', () => azure.summarize(plan, azure.client, settings, log, onLastRound))
  return { outcome, authLabel: azure.label }
}

/** The plan for the commits since the last summary, for the log. */
function describeUpdate(plan: Plan): string {
  const update = plan.update
  if (!update) return ''
  if (update.kind === 'rewritten') return `; the branch was rewritten since ${update.from.slice(0, 7)}`
  const how = { inline: 'in the same request', parallel: 'in a request beside it', none: 'named only' }[update.request]
  return `; ${update.paths.length} files changed since ${update.from.slice(0, 7)}, ${how}`
}

/** The section's view of what changed: counts and paths, no patches. */
function sinceForRender(since: SinceLastSummary): NonNullable<UpdatesContext['since']> {
  if (since.kind === 'rewritten') return since
  const { from, to } = since
  return { kind: 'delta', from, to, commits: since.commits.length, paths: since.files.map((file) => file.filename) }
}

/** This update, for the history the marker keeps. */
function updateRecord(since: SinceLastSummary, now: number): UpdateRecord {
  return {
    at: `${new Date(now).toISOString().slice(0, 16)}Z`,
    from: since.from.slice(0, 7),
    to: since.to.slice(0, 7),
    ...(since.kind === 'delta' ? { files: since.files.length } : {})
  }
}

/** What the path of every model request contains (model.ts modelUrl). */
const CHAT_PATH = '/chat/completions'

/** Every file was excluded or had no diff: named in the notice, so that a filter mistake shows. */
function nothingToSend(plan: Plan, data: PullRequestData): Skip {
  const names = [...plan.coverage.excluded, ...plan.coverage.omitted].map((note) => `${note.path} (${note.reason})`).join(', ')
  return {
    reason: 'no-files',
    message: `No changed file of PR #${data.pr.number} has a diff to summarize: ${names}. Adjust 'include'/'exclude' if a file was left out by mistake.`
  }
}

function skip(reason: Skip, filesTotal: number, log: Log): RunResult {
  log.notice(reason.message)
  return skippedResult(reason, filesTotal)
}

/** The result for an unchanged PR: what was published before, and nothing spent. */
function unchanged(data: PullRequestData, previous: PreviousSummary, log: Log): RunResult {
  const where = previous.commentId === undefined ? '' : ` (${previous.url})`
  const message = `PR #${data.pr.number} is unchanged since the last summary${where}: no model call made.`
  log.notice(message)
  return {
    ...skippedResult({ reason: 'unchanged', message }, Math.max(data.pr.changedFiles, data.files.length)),
    summary: previous.markdown,
    published: true,
    ...(previous.commentId === undefined ? {} : { commentId: previous.commentId, commentUrl: previous.url }),
    jobSummary: `### Azure OpenAI PR summary unchanged\n\n${message}\n`
  }
}

const NOT_PUBLISHED: Record<Exclude<Publication, { published: true }>['because'], string> = {
  'publish-none': 'Not published (publish: none).',
  stale: 'Not published: the PR moved on while this run worked; the run for its new head publishes.',
  'too-long': "Not published: the PR description leaves no room for the section within GitHub's body limit."
}

function jobSummary(markdown: string, outcome: SummaryOutcome, authLabel: string, publication: Publication): string {
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
  const where = publication.published ? `Published: ${publication.url}` : NOT_PUBLISHED[publication.because]
  return `${markdown}\n\n---\n\n${table}\n\n${where}\n`
}
