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
  SUMMARY_SCHEMA
} from './prompt.js'
import { type PackedFile, SECTION_OVERHEAD_TOKENS, selectFiles } from './select.js'
import { byteCountingTokenizer, loadTokenizer, type Tokenizer } from './tokens.js'
import type { ChangedFile, ChatMessage, Coverage, FileNote, PullRequestData, Settings } from './types.js'

/** Share of max-input-tokens that the PR title, description and commit messages may take. */
export const CONTEXT_SHARE = 0.25
/** Tokens kept free in every request for what additive counting cannot see (joins between texts). */
export const SAFETY_MARGIN_TOKENS = 32
const DESCRIPTION_TRUNCATED = '\n[description truncated]'
// Below this, a map request would carry little more than its own instructions.
const MIN_FILE_CAPACITY = 256

/** Prompt tokens of everything in a request except the file sections or partial results. */
export interface Overheads {
  readonly single: number
  readonly map: number
  readonly reduce: number
  /** Allowance for the json_schema response format, which the service adds to the prompt. */
  readonly schema: number
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
}

export interface PlanOptions {
  /** `bytes` random bytes as hex; injectable so prompts can be snapshot-tested. */
  readonly random?: (bytes: number) => string
}

/**
 * Selection, context and fingerprint for a PR. Makes no model call. A PR that fits one request even
 * when every byte counts as a token is planned without loading the tokenizer; any other PR is planned
 * with real token counts.
 */
export async function planSummary(data: PullRequestData, settings: Settings, options: PlanOptions = {}): Promise<Plan> {
  const bounded = planWith(byteCountingTokenizer, data, settings, options)
  if ('plan' in bounded && fitsWhole(bounded.plan)) return bounded.plan
  const counted = planWith(await loadTokenizer(), data, settings, options)
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
    !context.body.endsWith(DESCRIPTION_TRUNCATED)
  )
}

/** The plan with `tokenizer`'s counts, or the max-input-tokens needed when the prompt leaves no room for diffs. */
function planWith(
  tokenizer: Tokenizer,
  data: PullRequestData,
  settings: Settings,
  options: PlanOptions
): { plan: Plan } | { needed: number } {
  const random = options.random ?? ((bytes: number) => randomBytes(bytes).toString('hex'))
  let removedCharacters = 0
  const clean = (text: string, kind: 'prose' | 'code'): string => {
    const cleaned = cleanUntrusted(text, kind)
    removedCharacters += cleaned.removed
    return cleaned.text
  }

  const files = data.files.map((file): ChangedFile => {
    const cleaned: ChangedFile = { ...file, filename: clean(file.filename, 'code') }
    return {
      ...cleaned,
      ...(file.previousFilename === undefined ? {} : { previousFilename: clean(file.previousFilename, 'code') }),
      ...(file.patch === undefined ? {} : { patch: clean(file.patch, 'code') })
    }
  })
  const context = fitContext(
    {
      title: clean(data.pr.title, 'prose').replace(/\s+/g, ' ').trim(),
      body: clean(data.pr.body, 'prose').trim(),
      commits: data.commits.map((commit) => clean(commit.message, 'prose').trim()).filter((message) => message !== '')
    },
    Math.floor(settings.maxInputTokens * CONTEXT_SHARE),
    tokenizer
  )
  const delimiter = chooseDelimiter(random, [
    context.title,
    context.body,
    ...context.commits,
    ...files.flatMap((file) => [file.filename, file.previousFilename ?? '', file.patch ?? ''])
  ])

  const overheads = measureOverheads(context, delimiter, settings, tokenizer)
  const capacity = (overhead: number): number => settings.maxInputTokens - overhead - SAFETY_MARGIN_TOKENS
  if (capacity(Math.max(overheads.map, overheads.single)) < MIN_FILE_CAPACITY) {
    return { needed: Math.max(overheads.map, overheads.single) + SAFETY_MARGIN_TOKENS + MIN_FILE_CAPACITY }
  }
  const selection = selectFiles(
    { ...data, files },
    {
      include: settings.include,
      exclude: settings.exclude,
      maxModelCalls: settings.maxModelCalls,
      maxConcurrency: settings.maxConcurrency,
      singleCapacity: capacity(overheads.single),
      mapCapacity: capacity(overheads.map),
      render: fileSection
    },
    tokenizer
  )
  const plan: Plan = {
    single: selection.single,
    groups: selection.groups,
    coverage: selection.coverage,
    removedCharacters,
    context,
    delimiter,
    overheads,
    tokenizer
  }
  return { plan }
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
