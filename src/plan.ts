/**
 * Planning a summary, before any model call: which files are sent in which request and in what form,
 * the PR context within its share of the budget, and the fingerprint that makes an unchanged re-run
 * free. Pure: no model, no network (the tokenizer is loaded only for PRs that need real counts).
 */
import { createHash, randomBytes } from 'node:crypto'
import { ActionError } from './errors.js'
import {
  type AnswerFormat,
  chooseDelimiter,
  cleanUntrusted,
  fileSection,
  mapMessages,
  PROMPT_VERSION,
  type PromptContext,
  reduceMessages,
  singleMessages,
  SUMMARY_SCHEMA,
  SUMMARY_WITH_UPDATE_SCHEMA,
  type UpdatePrompt,
  updateMessages,
  UPDATE_SCHEMA
} from './prompt.js'
import { compressPatch, type PackedFile, SECTION_OVERHEAD_TOKENS, trimToFit } from './compress.js'
import { type Selection, selectFiles, selectWhole } from './select.js'
import { byteCountingTokenizer, loadTokenizer, type Tokenizer } from './tokens.js'
import type { ChangedFile, ChatMessage, Coverage, FileNote, PullRequestData, Settings, SinceLastSummary } from './types.js'

export { hasSendableFile } from './select.js'

/** Share of max-input-tokens that the PR title, description and commit messages may take. */
export const CONTEXT_SHARE = 0.25
/** Tokens kept free in every request for what additive counting cannot see (joins between texts). */
export const SAFETY_MARGIN_TOKENS = 32
const DESCRIPTION_TRUNCATED = '\n[description truncated]'
// Below this, a map request would carry little more than its own instructions.
const MIN_FILE_CAPACITY = 256

/** New commits named in an update request; the rest are counted in one line. */
const MAX_UPDATE_COMMITS = 20

/** Prompt tokens of everything in a request except the file sections or partial results. */
export interface Overheads {
  readonly single: number
  readonly map: number
  readonly reduce: number
  /** Allowance for the json_schema response format, which the service adds to the prompt. */
  readonly schema: number
}

/**
 * How the commits since the last summary are asked about. `inline`: in the single request (its
 * `update` field); `parallel`: a request of their own beside the single or the reduce request, so no
 * round is added; `none`: no call is left for them, so their files are only named.
 */
export type UpdatePlan =
  | { readonly kind: 'rewritten'; readonly from: string; readonly to: string }
  | {
      readonly kind: 'delta'
      readonly from: string
      readonly to: string
      /** Every PR file the new commits changed, in the order compare lists them. */
      readonly paths: readonly string[]
      readonly prompt: UpdatePrompt
      readonly request: 'inline' | 'parallel' | 'none'
      /** Prompt tokens the update adds to the single request (inline), or of its own request (parallel). */
      readonly tokens: number
    }

/** What will be sent and how: the result of planning, before any model call. */
export interface Plan {
  /** True: one request. False: `groups` are map requests, followed by one reduce request. */
  readonly single: boolean
  readonly groups: ReadonlyArray<readonly PackedFile[]>
  readonly coverage: Coverage
  /** Hidden characters (HTML comments, zero-width, bidi, Unicode tags) removed from PR text. */
  readonly removedCharacters: number
  readonly context: PromptContext
  /** This run's random fence around untrusted text. */
  readonly delimiter: string
  readonly overheads: Overheads
  /** What the plan was counted with; requests are built and checked with the same counts. */
  readonly tokenizer: Tokenizer
  /** What changed since the last summary, and how the model is asked about it. */
  readonly update?: UpdatePlan
}

export interface PlanOptions {
  /** `bytes` random bytes as hex; injectable so prompts can be snapshot-tested. */
  readonly random?: (bytes: number) => string
  /** What changed since the summary before this one (run.ts reads it with the compare API). */
  readonly since?: SinceLastSummary
}

/**
 * Selection, context and fingerprint for a PR. Makes no model call. A PR that fits one request even
 * when every byte counts as a token is planned without loading the tokenizer; any other PR is planned
 * with real token counts.
 */
export async function planSummary(data: PullRequestData, settings: Settings, options: PlanOptions = {}): Promise<Plan> {
  const cleaned = cleanInputs(data, options.since)
  // By byte count, only a plan that sends everything whole in one request is kept: the search for it
  // stops at the first file that does not fit, so a large PR costs little here.
  const bounded = planWith(byteCountingTokenizer, cleaned, data, settings, options, true)
  if (bounded && 'plan' in bounded && fitsWhole(bounded.plan)) return bounded.plan
  const counted = planWith(await loadTokenizer(), cleaned, data, settings, options, false)
  if ('plan' in counted) return counted.plan
  throw new ActionError(
    `max-input-tokens ${settings.maxInputTokens} leaves no room for diffs next to the prompt and instructions: set max-input-tokens to at least ${counted.needed}, or shorten 'instructions' (and the instructions-file).`
  )
}

/** Nothing was cut, compressed or left out for the budget: the plan is the one real counts would make. */
function fitsWhole(plan: Plan): boolean {
  const { coverage, context } = plan
  const cut = (reason: FileNote['reason']): boolean => reason === 'budget' || reason === 'call-cap'
  return (
    plan.single &&
    coverage.compressed.length === 0 &&
    !coverage.omitted.some((note) => cut(note.reason)) &&
    !/^\[\d+ more commits not shown\]$/.test(context.commits.at(-1) ?? '') &&
    !context.body.endsWith(DESCRIPTION_TRUNCATED) &&
    (plan.update?.kind !== 'delta' || plan.update.request === 'inline')
  )
}

/** The PR's text with hidden characters removed (cleanUntrusted), once for both plans. */
interface CleanInputs {
  readonly files: readonly ChangedFile[]
  readonly title: string
  readonly body: string
  readonly commits: readonly string[]
  readonly deltaFiles: readonly ChangedFile[]
  readonly deltaCommits: readonly string[]
  readonly removedCharacters: number
}

function cleanInputs(data: PullRequestData, since: SinceLastSummary | undefined): CleanInputs {
  let removedCharacters = 0
  const clean = (text: string, kind: 'prose' | 'code'): string => {
    const cleaned = cleanUntrusted(text, kind)
    removedCharacters += cleaned.removed
    return cleaned.text
  }
  const cleanFile = (file: ChangedFile): ChangedFile => ({
    ...file,
    filename: clean(file.filename, 'code'),
    ...(file.previousFilename === undefined ? {} : { previousFilename: clean(file.previousFilename, 'code') }),
    ...(file.patch === undefined ? {} : { patch: clean(file.patch, 'code') })
  })
  const files = data.files.map(cleanFile)
  const title = clean(data.pr.title, 'prose').replace(/\s+/g, ' ').trim()
  const body = clean(data.pr.body, 'prose').trim()
  const commits = data.commits.map((commit) => clean(commit.message, 'prose').trim()).filter((message) => message !== '')
  const deltaFiles = since?.kind === 'delta' ? since.files.map(cleanFile) : []
  const deltaCommits = since?.kind === 'delta' ? since.commits.map((commit) => firstLine(clean(commit.message, 'prose'))) : []
  return { files, title, body, commits, deltaFiles, deltaCommits, removedCharacters }
}

/**
 * The plan with `tokenizer`'s counts, or the max-input-tokens needed when the prompt leaves no room
 * for diffs. With `wholeOnly`, undefined unless the selection sends every file whole in one request.
 */
function planWith(
  tokenizer: Tokenizer,
  cleaned: CleanInputs,
  data: PullRequestData,
  settings: Settings,
  options: PlanOptions,
  wholeOnly: false
): { plan: Plan } | { needed: number }
function planWith(
  tokenizer: Tokenizer,
  cleaned: CleanInputs,
  data: PullRequestData,
  settings: Settings,
  options: PlanOptions,
  wholeOnly: true
): { plan: Plan } | { needed: number } | undefined
function planWith(
  tokenizer: Tokenizer,
  cleaned: CleanInputs,
  data: PullRequestData,
  settings: Settings,
  options: PlanOptions,
  wholeOnly: boolean
): { plan: Plan } | { needed: number } | undefined {
  const random = options.random ?? ((bytes: number) => randomBytes(bytes).toString('hex'))
  const { files, deltaFiles, deltaCommits, removedCharacters } = cleaned
  const context = fitContext(
    { title: cleaned.title, body: cleaned.body, commits: [...cleaned.commits] },
    Math.floor(settings.maxInputTokens * CONTEXT_SHARE),
    tokenizer
  )
  const since = options.since
  const delimiter = chooseDelimiter(random, [
    context.title,
    context.body,
    ...context.commits,
    ...files.flatMap((file) => [file.filename, file.previousFilename ?? '', file.patch ?? '']),
    ...deltaCommits,
    ...deltaFiles.flatMap((file) => [file.filename, file.previousFilename ?? '', file.patch ?? ''])
  ])

  const overheads = measureOverheads(context, delimiter, settings, tokenizer)
  const capacity = (overhead: number): number => settings.maxInputTokens - overhead - SAFETY_MARGIN_TOKENS
  if (capacity(Math.max(overheads.map, overheads.single)) < MIN_FILE_CAPACITY) {
    return { needed: Math.max(overheads.map, overheads.single) + SAFETY_MARGIN_TOKENS + MIN_FILE_CAPACITY }
  }
  // A summary that needs map-reduce keeps a call for the update request, which runs beside the reduce.
  const updateCall = since?.kind === 'delta' && settings.maxModelCalls >= 3 ? 1 : 0
  const selectOptions = {
    include: settings.include,
    exclude: settings.exclude,
    maxModelCalls: settings.maxModelCalls - updateCall,
    maxConcurrency: settings.maxConcurrency,
    singleCapacity: capacity(overheads.single),
    mapCapacity: capacity(overheads.map),
    render: fileSection
  }
  const selected = { ...data, files: [...files] }
  const chosen = wholeOnly ? selectWhole(selected, selectOptions, tokenizer) : selectFiles(selected, selectOptions, tokenizer)
  if (!chosen) return undefined
  const selection: Selection = chosen
  const plan: Plan = {
    single: selection.single,
    groups: selection.groups,
    coverage: selection.coverage,
    removedCharacters,
    context,
    delimiter,
    overheads,
    tokenizer,
    ...(since === undefined ? {} : { update: planUpdate() })
  }
  return { plan }

  function planUpdate(): UpdatePlan {
    if (since?.kind !== 'delta') return { kind: 'rewritten', from: since?.from ?? '', to: since?.to ?? '' }
    const shown = deltaCommits.slice(0, MAX_UPDATE_COMMITS)
    const more = deltaCommits.length - shown.length
    const header: UpdatePrompt = {
      from: since.from.slice(0, 7),
      to: since.to.slice(0, 7),
      commits: more > 0 ? [...shown, `[${more} more commits not shown]`] : shown,
      sections: []
    }
    const base = { kind: 'delta' as const, from: since.from, to: since.to, paths: deltaFiles.map((file) => file.filename) }
    // Commits that touched none of the PR's files (a merge of the base branch) leave nothing to describe.
    if (deltaFiles.length === 0) return { ...base, prompt: header, request: 'none', tokens: 0 }
    const schemaTokens = (schema: object): number => tokenizer.countTokens(JSON.stringify(schema))
    const json = { format: 'json' as const, settings, delimiter }
    if (selection.single) {
      const inlineCost =
        tokenizer.countChatTokens(singleMessages(context, [], json, header)) +
        schemaTokens(SUMMARY_WITH_UPDATE_SCHEMA) -
        tokenizer.countChatTokens(singleMessages(context, [], json)) -
        overheads.schema
      const used = selection.groups.flat().reduce((sum, packed) => sum + packed.tokens + SECTION_OVERHEAD_TOKENS, 0)
      const inline = packDelta(deltaFiles, capacity(overheads.single) - used - inlineCost, tokenizer)
      if (inline.complete) {
        return {
          ...base,
          prompt: { ...header, sections: inline.sections },
          request: 'inline',
          tokens: inlineCost + inline.tokens
        }
      }
    }
    const ownCost = Math.max(
      tokenizer.countChatTokens(updateMessages(context.title, header, json)) + schemaTokens(UPDATE_SCHEMA),
      tokenizer.countChatTokens(updateMessages(context.title, header, { ...json, format: 'markdown' }))
    )
    const own = packDelta(deltaFiles, capacity(ownCost), tokenizer)
    const callsNeeded = selection.single ? 2 : selection.groups.length + 2
    const request = callsNeeded <= settings.maxModelCalls ? 'parallel' : 'none'
    return { ...base, prompt: { ...header, sections: own.sections }, request, tokens: ownCost + own.tokens }
  }
}

function firstLine(message: string): string {
  return message.trim().split('\n')[0]?.trim() ?? ''
}

/**
 * The delta's file sections within `capacity` tokens: compressed, a file too large for the room left
 * trimmed to head and tail, and a file that no longer fits by its header only. `complete`: every file
 * kept a diff.
 */
function packDelta(
  files: readonly ChangedFile[],
  capacity: number,
  tokenizer: Tokenizer
): { sections: string[]; tokens: number; complete: boolean } {
  const sections: string[] = []
  let used = 0
  let complete = true
  for (const file of files) {
    const room = capacity - used - SECTION_OVERHEAD_TOKENS
    const patch = compressPatch(file.patch ?? '')
    const whole = fileSection(file, patch)
    const wholeTokens = tokenizer.countTokensWithin(whole, room)
    let section: string | undefined
    let tokens = 0
    if (wholeTokens !== undefined) {
      section = whole
      tokens = wholeTokens
    } else {
      complete = false
      const trimmed = room > 0 ? trimToFit(file, patch, room, tokenizer, fileSection) : undefined
      const header = fileSection(file, '')
      const headerTokens = trimmed ? undefined : tokenizer.countTokensWithin(header, room)
      if (trimmed) {
        section = trimmed.section
        tokens = trimmed.tokens
      } else if (headerTokens !== undefined) {
        section = header
        tokens = headerTokens
      }
    }
    if (section === undefined) break
    sections.push(section)
    used += tokens + SECTION_OVERHEAD_TOKENS
  }
  return { sections, tokens: used, complete: complete && sections.length === files.length }
}

function measureOverheads(context: PromptContext, delimiter: string, settings: Settings, tokenizer: Tokenizer): Overheads {
  const schema = tokenizer.countTokens(JSON.stringify(SUMMARY_SCHEMA))
  // The markdown prompts differ from the JSON ones: budget for the larger of the two.
  const larger = (build: (format: AnswerFormat) => ChatMessage[]): number =>
    Math.max(tokenizer.countChatTokens(build('json')) + schema, tokenizer.countChatTokens(build('markdown')))
  const options = (format: AnswerFormat) => ({ format, settings, delimiter })
  return {
    single: larger((format) => singleMessages(context, [], options(format))),
    map: larger((format) => mapMessages(context.title, [], options(format))),
    reduce: larger((format) => reduceMessages(context, [], options(format))),
    schema
  }
}

/** Title, description and commit messages within `budget` tokens: commits get half at most, the description the rest. */
function fitContext(context: PromptContext, budget: number, tokenizer: Tokenizer): PromptContext {
  const commits: string[] = []
  let commitTokens = 0
  for (const [index, message] of context.commits.entries()) {
    const tokens = tokenizer.countTokens(message) + SECTION_OVERHEAD_TOKENS
    if (commitTokens + tokens > budget / 2) {
      const rest = `[${context.commits.length - index} more commits not shown]` // fitsWhole recognizes this line
      commits.push(rest)
      commitTokens += tokenizer.countTokens(rest) + SECTION_OVERHEAD_TOKENS
      break
    }
    commits.push(message)
    commitTokens += tokens
  }
  const bodyBudget = Math.max(0, budget - tokenizer.countTokens(context.title) - commitTokens)
  const body =
    tokenizer.countTokensWithin(context.body, bodyBudget) !== undefined
      ? context.body
      : `${tokenizer.truncate(context.body, bodyBudget - tokenizer.countTokens(DESCRIPTION_TRUNCATED) - SECTION_OVERHEAD_TOKENS)}${DESCRIPTION_TRUNCATED}`
  return { title: context.title, body, commits }
}

/**
 * sha256 (hex) of everything that decides what is sent and how (random delimiters excluded), so an
 * unchanged PR is recognized without a model call.
 */
export function fingerprint(data: PullRequestData, settings: Settings): string {
  const hash = createHash('sha256')
  // Each value is framed by its type and length, so no two different inputs hash the same bytes.
  const add = (...values: ReadonlyArray<string | number | null>): void => {
    for (const value of values) {
      if (typeof value === 'string') hash.update(`s${value.length}:`).update(value)
      else hash.update(`${value === null ? 'n' : `i${value}`};`)
    }
    hash.update('\n')
  }
  add('prompt', PROMPT_VERSION)
  add('model', settings.deployment, settings.apiVersion)
  add('prompting', settings.language, settings.instructions)
  add('include', ...settings.include)
  add('exclude', ...settings.exclude)
  // Concurrency bounds the number of map requests (one round), so it shapes the groups too.
  add('budgets', settings.maxInputTokens, settings.maxOutputTokens, settings.maxModelCalls, settings.maxConcurrency)
  // Trailing whitespace of the body is not content (and moves when our description section is added).
  add('pr', data.pr.title, data.pr.body.trimEnd(), data.filesTruncated ? data.pr.changedFiles : null)
  for (const commit of data.commits) add('commit', commit.message)
  for (const file of data.files) {
    add('file', file.filename, file.previousFilename ?? null, file.status, file.additions, file.deletions, file.patch ?? null)
  }
  return hash.digest('hex')
}
