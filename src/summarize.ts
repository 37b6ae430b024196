/**
 * The model requests for a planned summary (plan.ts): one request when the PR fits it, else map
 * requests in parallel and one reduce: never more than two model rounds on the critical path, never
 * more than `max-model-calls` requests, and no request over `max-input-tokens` as counted by the real
 * tokenizer. Answers that cannot be used become a neutral notice or omitted files, never an empty summary.
 */
import {
  type AnswerFormat,
  cleanUntrusted,
  fileSection,
  mapMessages,
  parseSummaryDoc,
  parseUpdateAnswer,
  partialText,
  reduceMessages,
  singleMessages,
  SUMMARY_SCHEMA,
  SUMMARY_WITH_UPDATE_SCHEMA,
  updateMessages,
  UPDATE_SCHEMA
} from './prompt.js'
import type { ModelClient } from './model.js'
import { type Plan, SAFETY_MARGIN_TOKENS, type UpdatePlan } from './plan.js'
import { type PackedFile, SECTION_OVERHEAD_TOKENS } from './compress.js'
import { refit } from './select.js'
import type { KnownCount, Tokenizer } from './tokens.js'
import type { ChatMessage, FileNote, Log, Settings, SummaryDoc, SummaryOutcome, UpdateDoc } from './types.js'

/** After `context_length_exceeded`, the request is rebuilt within this share of its budget, once. */
export const CONTEXT_LENGTH_SHRINK = 0.7

export const FILTERED_NOTICE = 'No summary this time: the Azure OpenAI content filter withheld the answer for this pull request.'
export const EMPTY_NOTICE = 'No summary this time: the model returned an empty answer for this pull request.'
export const UNREADABLE_NOTICE = 'No summary this time: the model returned an answer that could not be read.'

/** The structured answer a request asks for: its json_schema and how to read it. */
interface AnswerShape<T> {
  readonly schema: { readonly name: string; readonly schema: Record<string, unknown> }
  parse(content: string): T | undefined
}

const SUMMARY: AnswerShape<SummaryDoc> = { schema: SUMMARY_SCHEMA, parse: parseSummaryDoc }
/** The single request that also carries the commits since the last summary (its `update` field). */
const SUMMARY_WITH_UPDATE: AnswerShape<SummaryDoc> = { schema: SUMMARY_WITH_UPDATE_SCHEMA, parse: parseSummaryDoc }
const UPDATE: AnswerShape<UpdateDoc> = { schema: UPDATE_SCHEMA, parse: parseUpdateAnswer }

/** What one request produced. */
type Answer<T = SummaryDoc> =
  | { readonly kind: 'doc'; readonly doc: T }
  | { readonly kind: 'markdown'; readonly markdown: string }
  | { readonly kind: 'filtered' | 'empty' }
  | { readonly kind: 'unreadable'; readonly content: string }
  | { readonly kind: 'no-calls'; readonly error: unknown }

type BuildRequest = (format: AnswerFormat, scale: number) => ChatMessage[]
type UpdatePlanOf<K extends UpdatePlan['kind']> = Extract<UpdatePlan, { kind: K }>

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
  async ask<T>(label: string, build: BuildRequest, shape: AnswerShape<T>): Promise<Answer<T>> {
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
          ...(format === 'json' ? { jsonSchema: shape.schema } : {})
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
      const doc = shape.parse(result.content)
      if (doc) return { kind: 'doc', doc }
      if (this.callsLeft - this.reserved <= 0) return { kind: 'unreadable', content: result.content }
      this.log.info(`The ${label} answer was not the JSON that was asked for: asking for markdown once.`)
      markdownOnly = true
    }
  }

  /** Builds a single or map request for `files`, refitting them when `scale` or an exact count demands it. */
  fileRequest(
    kind: 'single' | 'map',
    files: readonly PackedFile[],
    update?: UpdatePlanOf<'delta'>
  ): { build: BuildRequest; files: () => readonly PackedFile[] } {
    let current = files
    const overhead = (kind === 'single' ? this.plan.overheads.single : this.plan.overheads.map) + (update?.tokens ?? 0)
    const shape = update ? SUMMARY_WITH_UPDATE : SUMMARY
    const build: BuildRequest = (format, scale) => {
      const limit = Math.floor(this.settings.maxInputTokens * scale)
      let capacity = limit - overhead - SAFETY_MARGIN_TOKENS
      const render = (): ChatMessage[] => {
        const sections = current.map((packed) => packed.section)
        const options = { format, settings: this.settings, delimiter: this.plan.delimiter }
        return kind === 'single'
          ? singleMessages(this.plan.context, sections, options, update?.prompt)
          : mapMessages(this.plan.context.title, sections, options)
      }
      for (let attempt = 0; ; attempt++) {
        if (current.reduce((used, packed) => used + packed.tokens + SECTION_OVERHEAD_TOKENS, 0) > capacity) {
          current = this.refit(current, capacity)
        }
        const messages = render()
        // The sections' counts from planning spare counting them again (exactly: see countChatTokens).
        const known = current.map((packed) => ({ text: packed.section, tokens: packed.tokens }))
        const excess = this.count(messages, format, shape, known) - limit
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

  /**
   * The update request: the new commits and as many of the delta's file sections as the planned room
   * holds; after `context_length_exceeded` (scale below 1) sections are dropped from the end.
   */
  updateRequest(update: UpdatePlanOf<'delta'>): BuildRequest {
    return (format, scale) => {
      const limit = Math.floor(this.settings.maxInputTokens * scale)
      const options = { format, settings: this.settings, delimiter: this.plan.delimiter }
      const sections = [...update.prompt.sections]
      for (;;) {
        const messages = updateMessages(this.plan.context.title, { ...update.prompt, sections }, options)
        if (this.count(messages, format, UPDATE) <= limit || sections.length === 0) return messages
        sections.pop()
      }
    }
  }

  private readonly schemaTokens = new Map<AnswerShape<unknown>, number>()

  private count(
    messages: readonly ChatMessage[],
    format: AnswerFormat,
    shape: AnswerShape<unknown> = SUMMARY,
    known: readonly KnownCount[] = []
  ): number {
    if (format !== 'json') return this.tokenizer.countChatTokens(messages, known)
    let schema = this.schemaTokens.get(shape)
    if (schema === undefined) {
      schema = this.tokenizer.countTokens(JSON.stringify(shape.schema))
      this.schemaTokens.set(shape, schema)
    }
    return this.tokenizer.countChatTokens(messages, known) + schema
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

  outcome(
    result: { doc: SummaryDoc } | { markdown: string } | { notice: string },
    update?: UpdateDoc | { markdown: string }
  ): SummaryOutcome {
    const dropped = new Set(this.dropped.map((note) => note.path))
    const { coverage } = this.plan
    const inline = 'doc' in result ? result.doc.update : undefined
    return {
      ...result,
      ...((update ?? inline) ? { update: update ?? inline } : {}),
      usage: {
        promptTokens: this.promptTokens,
        completionTokens: this.completionTokens,
        modelCalls: this.modelCalls
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
export async function summarize(
  plan: Plan,
  model: ModelClient,
  settings: Settings,
  log: Log,
  /** Called once the reduce request of a map-reduce plan is on its way: the last wait for the model. */
  onLastRound?: () => void
): Promise<SummaryOutcome> {
  const session = new Session(plan, model, settings, log, plan.tokenizer)
  const update = plan.update?.kind === 'delta' && plan.update.request !== 'none' ? plan.update : undefined
  const parallel = update?.request === 'parallel' ? update : undefined
  // The update request runs beside the last summary request (single or reduce): never a round of its own.
  const askUpdate = (): Promise<UpdateDoc | { markdown: string } | undefined> =>
    parallel ? updateBeside(session, parallel, log) : Promise.resolve(undefined)

  if (plan.single) {
    session.reserved = 1 + (parallel ? 1 : 0)
    const inline = update?.request === 'inline' ? update : undefined
    const request = session.fileRequest('single', plan.groups[0] ?? [], inline)
    const [answer, updated] = await side(
      settings.maxConcurrency,
      () => session.ask('summary', request.build, inline ? SUMMARY_WITH_UPDATE : SUMMARY),
      askUpdate
    )
    if (answer.kind === 'no-calls') throw answer.error
    if (answer.kind === 'doc') return session.outcome({ doc: answer.doc }, updated)
    if (answer.kind === 'markdown') return session.outcome({ markdown: answer.markdown }, updated)
    return session.outcome({ notice: noticeFor(answer) })
  }

  // Every map request and the reduce get their first call before any retry gets one.
  session.reserved = plan.groups.length + 1 + (parallel ? 1 : 0)
  const answers = await inParallel(plan.groups, settings.maxConcurrency, async (files, index) => {
    const request = session.fileRequest('map', files)
    const answer = await session.ask(`map ${index + 1}/${plan.groups.length}`, request.build, SUMMARY)
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
    return session.outcome({ notice: noticeFor(failure) })
  }

  const lastRound = side(
    settings.maxConcurrency,
    () => session.ask('reduce', session.reduceRequest(partials), SUMMARY),
    askUpdate
  )
  onLastRound?.()
  const [answer, updated] = await lastRound
  if (answer.kind === 'no-calls') throw answer.error
  if (answer.kind === 'doc') {
    const mapped = partials.flatMap((partial) => (typeof partial === 'string' ? [] : partial.files))
    return session.outcome({ doc: { ...answer.doc, files: [...mapped, ...answer.doc.files] } }, updated)
  }
  if (answer.kind === 'markdown') return session.outcome({ markdown: answer.markdown }, updated)
  return session.outcome({ notice: noticeFor(answer) })
}

/** `main` and `beside` together when `concurrency` allows two requests in flight, else one after the other. */
async function side<A, B>(concurrency: number, main: () => Promise<A>, beside: () => Promise<B>): Promise<[A, B]> {
  if (concurrency >= 2) return Promise.all([main(), beside()])
  const first = await main()
  return [first, await beside()]
}

/**
 * The update request. Its answer only adds to the summary, so a failure costs the narrative, never
 * the run: the files the new commits changed are still named.
 */
async function updateBeside(
  session: Session,
  update: UpdatePlanOf<'delta'>,
  log: Log
): Promise<UpdateDoc | { markdown: string } | undefined> {
  try {
    const answer = await session.ask('update', session.updateRequest(update), UPDATE)
    if (answer.kind === 'doc') return answer.doc
    if (answer.kind === 'markdown') return { markdown: answer.markdown }
    log.warning(
      `The request for the changes since the last summary produced no answer (${answer.kind}): their files are listed without it.`
    )
  } catch (error) {
    log.warning(
      `The request for the changes since the last summary failed (${error instanceof Error ? error.message : String(error)}): their files are listed without it.`
    )
  }
  return undefined
}
