/**
 * From PR data to a summary: plan what is sent (selection, fingerprint; no model call), then one
 * request when the PR fits it, else map requests in parallel and one reduce: never more than two
 * model rounds on the critical path, never more than `max-model-calls` requests, and no request
 * over `max-input-tokens` as counted by the real tokenizer.
 */
import { createHash, randomBytes } from 'node:crypto'
import { ActionError } from './errors.js'
import type { ChatMessage, ModelClient } from './model.js'
import {
  type AnswerFormat,
  chooseDelimiter,
  cleanUntrusted,
  fileSection,
  mapMessages,
  parseSummaryDoc,
  partialText,
  PROMPT_VERSION,
  type PromptContext,
  reduceMessages,
  singleMessages,
  SUMMARY_SCHEMA
} from './prompt.js'
import { type PackedFile, refit, SECTION_OVERHEAD_TOKENS, selectFiles } from './select.js'
import { byteCountingTokenizer, loadTokenizer, type Tokenizer } from './tokens.js'
import type { ChangedFile, Coverage, FileNote, Log, PullRequestData, Settings, SummaryDoc, SummaryOutcome } from './types.js'

/** Share of max-input-tokens that the PR title, description and commit messages may take. */
export const CONTEXT_SHARE = 0.25
/** Tokens kept free in every request for what additive counting cannot see (joins between texts). */
export const SAFETY_MARGIN_TOKENS = 32
/** After `context_length_exceeded`, the request is rebuilt within this share of its budget, once. */
export const CONTEXT_LENGTH_SHRINK = 0.7
const DESCRIPTION_TRUNCATED = '\n[description truncated]'
// Below this, a map request would carry little more than its own instructions.
const MIN_FILE_CAPACITY = 256

export const FILTERED_NOTICE = 'No summary this time: the Azure OpenAI content filter withheld the answer for this pull request.'
export const EMPTY_NOTICE = 'No summary this time: the model returned an empty answer for this pull request.'
export const UNREADABLE_NOTICE = 'No summary this time: the model returned an answer that could not be read.'

/** Prompt tokens of everything in a request except the file sections or partial results. */
interface Overheads {
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
    `max-input-tokens ${settings.maxInputTokens} leaves no room for diffs next to the prompt and instructions: set max-input-tokens to at least ${counted.needed}, or shorten 'instructions'.`
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

/** What one request produced. */
type Answer =
  | { readonly kind: 'doc'; readonly doc: SummaryDoc }
  | { readonly kind: 'markdown'; readonly markdown: string }
  | { readonly kind: 'filtered' | 'empty' }
  | { readonly kind: 'unreadable'; readonly content: string }
  | { readonly kind: 'no-calls'; readonly error: unknown }

type BuildRequest = (format: AnswerFormat, scale: number) => ChatMessage[]

/** State of one summarize run: call budget, answer format, usage, files dropped on the way. */
class Session {
  format: AnswerFormat = 'json'
  callsLeft: number
  /** Calls promised to requests that have not been sent yet; retries may not take them. */
  reserved = 0
  modelCalls = 0
  promptTokens = 0
  completionTokens = 0
  /** One warning per run when an answer hits max-output-tokens. */
  warnedLength = false
  readonly dropped: FileNote[] = []
  readonly trimmed = new Set<string>()

  constructor(
    readonly plan: Plan,
    readonly model: ModelClient,
    readonly settings: Settings,
    readonly log: Log,
    readonly tokenizer: Tokenizer
  ) {
    this.callsLeft = settings.maxModelCalls
  }

  /**
   * One logical request, with its bounded retries: once without json_schema when the deployment
   * rejects it (and for every later request), once as markdown when the JSON does not parse, once
   * within a smaller budget after `context_length_exceeded`. The first call was reserved up front;
   * a retry takes a call only if one is left beyond the reserved ones.
   */
  async ask(label: string, build: BuildRequest): Promise<Answer> {
    let scale = 1
    let markdownOnly = false
    let lastError: unknown
    for (let attempt = 0; ; attempt++) {
      if (attempt === 0) this.reserved--
      else if (this.callsLeft - this.reserved <= 0) return { kind: 'no-calls', error: lastError }
      const format: AnswerFormat = markdownOnly ? 'markdown' : this.format
      const messages = build(format, scale)
      this.callsLeft--
      this.modelCalls++
      let result
      try {
        result = await this.model.chat({
          messages,
          maxOutputTokens: this.settings.maxOutputTokens,
          ...(format === 'json' ? { jsonSchema: SUMMARY_SCHEMA } : {})
        })
      } catch (error) {
        lastError = error
        const kind = (error as { kind?: unknown }).kind
        if (kind === 'json-schema-unsupported' && format === 'json') {
          if (this.format === 'json')
            this.log.info('The deployment rejects structured output (json_schema): asking for markdown from now on.')
          this.format = 'markdown'
          continue
        }
        if (kind === 'context-length' && scale === 1) {
          this.log.info(
            `The ${label} request was over the deployment's context length: retrying it within ${CONTEXT_LENGTH_SHRINK * 100}% of max-input-tokens.`
          )
          scale = CONTEXT_LENGTH_SHRINK
          continue
        }
        if (kind === 'content-filter') return { kind: 'filtered' }
        throw error
      }
      this.promptTokens += result.promptTokens
      this.completionTokens += result.completionTokens
      if (result.finishReason === 'length' && !this.warnedLength) {
        this.warnedLength = true
        this.log.warning(
          `The ${label} answer stopped at max-output-tokens (${this.settings.maxOutputTokens}) and may be cut short: raise max-output-tokens (reasoning models spend part of it on reasoning).`
        )
      }
      if (result.filtered) return { kind: 'filtered' }
      if (result.content.trim() === '') return { kind: 'empty' }
      if (format === 'markdown') return { kind: 'markdown', markdown: result.content.trim() }
      const doc = parseSummaryDoc(result.content)
      if (doc) return { kind: 'doc', doc }
      if (this.callsLeft - this.reserved <= 0) return { kind: 'unreadable', content: result.content }
      this.log.info(`The ${label} answer was not the JSON that was asked for: asking for markdown once.`)
      markdownOnly = true
    }
  }

  /** Builds a single or map request for `files`, refitting them when `scale` or an exact count demands it. */
  fileRequest(kind: 'single' | 'map', files: readonly PackedFile[]): { build: BuildRequest; files: () => readonly PackedFile[] } {
    let current = files
    const overhead = kind === 'single' ? this.plan.overheads.single : this.plan.overheads.map
    const build: BuildRequest = (format, scale) => {
      const limit = Math.floor(this.settings.maxInputTokens * scale)
      let capacity = limit - overhead - SAFETY_MARGIN_TOKENS
      const render = (): ChatMessage[] => {
        const sections = current.map((packed) => packed.section)
        const options = { format, settings: this.settings, delimiter: this.plan.delimiter }
        return kind === 'single'
          ? singleMessages(this.plan.context, sections, options)
          : mapMessages(this.plan.context.title, sections, options)
      }
      for (let attempt = 0; ; attempt++) {
        if (current.reduce((used, packed) => used + packed.tokens + SECTION_OVERHEAD_TOKENS, 0) > capacity) {
          current = this.refit(current, capacity)
        }
        const messages = render()
        const excess = this.count(messages, format) - limit
        if (excess <= 0) return messages
        if (attempt === 4) throw new Error(`Could not fit a ${kind} request into ${limit} tokens (${excess} over).`)
        capacity -= excess + SAFETY_MARGIN_TOKENS
      }
    }
    return { build, files: () => current }
  }

  /** The reduce request: partial results cut to fair shares of the room when together they are too long. */
  reduceRequest(partials: ReadonlyArray<SummaryDoc | string>): BuildRequest {
    return (format, scale) => {
      const limit = Math.floor(this.settings.maxInputTokens * scale)
      // Map answers followed whatever the PR asked for: they are untrusted like the PR itself. Hidden
      // characters and HTML comments are stripped, and a model could echo this run's delimiter:
      // neutralize it so a partial cannot close the fence.
      const texts = partials.map((partial, index) =>
        cleanUntrusted(partialText(index, partial, format === 'markdown' || typeof partial === 'string'), 'prose')
          .text.split(this.plan.delimiter)
          .join('PR-DATA')
      )
      const tokens = texts.map((text) => this.tokenizer.countTokens(text))
      let capacity = limit - this.plan.overheads.reduce - SAFETY_MARGIN_TOKENS
      for (let attempt = 0; ; attempt++) {
        const shares = fairShares(tokens, capacity - texts.length * SECTION_OVERHEAD_TOKENS)
        const fitted = texts.map((text, index) =>
          (shares[index] ?? 0) >= (tokens[index] ?? 0)
            ? text
            : `${this.tokenizer.truncate(text, Math.max(0, (shares[index] ?? 0) - 12))}\n[partial summary truncated]`
        )
        const messages = reduceMessages(this.plan.context, fitted, {
          format,
          settings: this.settings,
          delimiter: this.plan.delimiter
        })
        const excess = this.count(messages, format) - limit
        if (excess <= 0) return messages
        if (attempt === 4) throw new Error(`Could not fit the reduce request into ${limit} tokens (${excess} over).`)
        capacity -= excess + SAFETY_MARGIN_TOKENS
      }
    }
  }

  private count(messages: readonly ChatMessage[], format: AnswerFormat): number {
    return this.tokenizer.countChatTokens(messages) + (format === 'json' ? this.plan.overheads.schema : 0)
  }

  private refit(files: readonly PackedFile[], capacity: number): PackedFile[] {
    const fitted = refit(files, capacity, this.tokenizer, fileSection)
    this.dropped.push(...fitted.dropped)
    for (const packed of fitted.files) if (packed.compressed) this.trimmed.add(packed.file.filename)
    return fitted.files
  }

  omit(files: readonly PackedFile[], reason: FileNote['reason']): void {
    for (const { file } of files) {
      this.dropped.push({ path: file.filename, additions: file.additions, deletions: file.deletions, reason })
    }
  }

  outcome(result: { doc: SummaryDoc } | { markdown: string } | { notice: string }, rounds: number): SummaryOutcome {
    const dropped = new Set(this.dropped.map((note) => note.path))
    const { coverage } = this.plan
    return {
      ...result,
      usage: {
        promptTokens: this.promptTokens,
        completionTokens: this.completionTokens,
        modelCalls: this.modelCalls,
        rounds
      },
      coverage: {
        ...coverage,
        summarized: coverage.summarized.filter((path) => !dropped.has(path)),
        compressed: [...new Set([...coverage.compressed, ...this.trimmed])].filter((path) => !dropped.has(path)),
        omitted: [...coverage.omitted, ...this.dropped]
      }
    }
  }
}

/** Splits `capacity` so that small items keep all their tokens and large ones share the rest equally. */
function fairShares(tokens: readonly number[], capacity: number): number[] {
  const shares = new Array<number>(tokens.length).fill(0)
  const order = tokens.map((_, index) => index).sort((a, b) => (tokens[a] ?? 0) - (tokens[b] ?? 0))
  let left = Math.max(0, capacity)
  order.forEach((index, position) => {
    const share = Math.min(tokens[index] ?? 0, Math.floor(left / (order.length - position)))
    shares[index] = share
    left -= share
  })
  return shares
}

function noticeFor(answer: Answer): string {
  return answer.kind === 'filtered' ? FILTERED_NOTICE : answer.kind === 'empty' ? EMPTY_NOTICE : UNREADABLE_NOTICE
}

/** Runs `task` over `items` with at most `limit` in flight; after a failure no new task starts. */
async function inParallel<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  let failed = false
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++
      try {
        results[index] = await task(items[index] as T, index)
      } catch (error) {
        failed = true
        throw error
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker))
  return results
}

/**
 * Summarizes a planned PR through `model`. Content-filtered or empty answers become a neutral notice
 * (a filtered map request only omits its files); other model errors propagate with their fix-it message.
 */
export async function summarize(plan: Plan, model: ModelClient, settings: Settings, log: Log): Promise<SummaryOutcome> {
  const session = new Session(plan, model, settings, log, plan.tokenizer)

  if (plan.single) {
    session.reserved = 1
    const request = session.fileRequest('single', plan.groups[0] ?? [])
    const answer = await session.ask('summary', request.build)
    if (answer.kind === 'no-calls') throw answer.error
    if (answer.kind === 'doc') return session.outcome({ doc: answer.doc }, 1)
    if (answer.kind === 'markdown') return session.outcome({ markdown: answer.markdown }, 1)
    return session.outcome({ notice: noticeFor(answer) }, 1)
  }

  // Every map request and the reduce get their first call before any retry gets one.
  session.reserved = plan.groups.length + 1
  const answers = await inParallel(plan.groups, settings.maxConcurrency, async (files, index) => {
    const request = session.fileRequest('map', files)
    const answer = await session.ask(`map ${index + 1}/${plan.groups.length}`, request.build)
    return { answer, files: request.files() }
  })
  const partials: Array<SummaryDoc | string> = []
  const failures: Answer[] = []
  for (const [index, { answer, files }] of answers.entries()) {
    if (answer.kind === 'doc') partials.push(answer.doc)
    else if (answer.kind === 'markdown') partials.push(answer.markdown)
    else if (answer.kind === 'unreadable') partials.push(answer.content)
    else {
      failures.push(answer)
      session.omit(files, answer.kind === 'no-calls' ? 'call-cap' : 'no-answer')
      log.warning(
        `Map request ${index + 1} of ${plan.groups.length} produced no summary (${answer.kind}): its ${files.length} files are listed as omitted.`
      )
    }
  }
  if (partials.length === 0) {
    const failure = failures.find((answer) => answer.kind !== 'no-calls')
    if (!failure) throw (failures[0] as { error: unknown } | undefined)?.error
    return session.outcome({ notice: noticeFor(failure) }, 1)
  }

  const answer = await session.ask('reduce', session.reduceRequest(partials))
  if (answer.kind === 'no-calls') throw answer.error
  if (answer.kind === 'doc') {
    const mapped = partials.flatMap((partial) => (typeof partial === 'string' ? [] : partial.files))
    return session.outcome({ doc: { ...answer.doc, files: [...mapped, ...answer.doc.files] } }, 2)
  }
  if (answer.kind === 'markdown') return session.outcome({ markdown: answer.markdown }, 2)
  return session.outcome({ notice: noticeFor(answer) }, 2)
}
