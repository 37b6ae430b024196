/**
 * Which changed files reach the model, in which request, and in what form: filters, priorities,
 * compression, and packing into requests that each fit the prompt budget. Files that do not reach the
 * model become FileNotes with a reason, so the summary can name every changed file.
 */
import { Minimatch, type MinimatchOptions } from 'minimatch'
import { MAX_TOKEN_BYTES, type Tokenizer } from './tokens.js'
import type { ChangedFile, Coverage, FileNote, OmitReason, PullRequestData } from './types.js'

/** Extensions GitHub sends no patch for, or whose text diff says nothing to a reader. */
// prettier-ignore
export const BINARY_EXTENSIONS: readonly string[] = [
  // images, fonts, audio and video
  'png', 'jpg', 'jpeg', 'gif', 'bmp', 'ico', 'icns', 'webp', 'avif', 'heic', 'tif', 'tiff', 'psd', 'svg',
  'woff', 'woff2', 'ttf', 'otf', 'eot',
  'mp3', 'mp4', 'm4a', 'wav', 'ogg', 'flac', 'webm', 'mov', 'avi', 'mkv',
  // archives, compiled code, data stores and office documents
  'zip', 'gz', 'tgz', 'bz2', 'xz', 'zst', '7z', 'rar', 'tar', 'jar', 'war', 'whl', 'nupkg',
  'exe', 'dll', 'so', 'dylib', 'a', 'o', 'obj', 'lib', 'class', 'pyc', 'wasm', 'bin',
  'sqlite', 'db', 'parquet', 'pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx'
]

/**
 * Always left out (then named as excluded): lock files, minified or bundled output, vendored and
 * generated code, test snapshots, binary and media files. `*.lock` and `*.lockfile` cover yarn.lock,
 * Cargo.lock, poetry.lock, Gemfile.lock, gradle.lockfile and the like. `dist/` is not here: an action's
 * committed bundle lives there, but so does hand-written code in many repositories.
 */
// prettier-ignore
export const DEFAULT_EXCLUDES: readonly string[] = [
  'package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'bun.lockb', 'go.sum', 'go.work.sum',
  'packages.lock.json', '*.lockfile', '*.lock', 'Package.resolved',
  '*.min.js', '*.min.mjs', '*.min.cjs', '*.min.css', '*.map',
  '**/vendor/**', '**/node_modules/**', '**/third_party/**', '**/__generated__/**', '*.generated.*',
  '*.pb.go', '*_pb2.py', '*_pb2.pyi', '*_pb2_grpc.py',
  '**/__snapshots__/**', '*.snap',
  `*.{${BINARY_EXTENSIONS.join(',')}}`
]

/** What a file is to a reviewer; when the budget is tight, earlier kinds go first. */
export type FileKind = 'source' | 'test' | 'config' | 'docs'

const KIND_PRIORITY: Record<FileKind, number> = { source: 0, test: 1, config: 2, docs: 3 }

const TEST_DIR = /(?:^|\/)(?:tests?|__tests__|specs?|e2e|testdata|test-data|fixtures|__fixtures__|__mocks__)\//i
const TEST_NAME =
  /(?:[._-](?:test|tests|spec)\.[^.]+$)|(?:^test_.+\.py$)|(?:^conftest\.py$)|(?:_test\.go$)|(?:(?:Test|Tests|Spec|IT)\.(?:java|kt|cs|scala|swift|php|groovy)$)/
const DOCS_DIR = /(?:^|\/)docs?\//i
const DOCS_NAME =
  /(?:\.(?:md|mdx|markdown|rst|adoc|asciidoc|txt|textile)$)|(?:^(?:README|CHANGELOG|CHANGES|LICENSE|COPYING|NOTICE|AUTHORS|CONTRIBUTING|SECURITY|CODE_OF_CONDUCT)(?:\.|$))/i
const CONFIG_NAME =
  /(?:\.(?:json|jsonc|json5|ya?ml|toml|ini|cfg|conf|properties|env|xml|plist|gradle|csproj|props|targets|editorconfig)$)|(?:[.-]config\.[cm]?[jt]s$)|(?:^(?:Dockerfile|Containerfile|Makefile|Procfile|Jenkinsfile|CODEOWNERS|go\.mod)(?:\.|$))|(?:^\.)/i

/** Classifies a path by name only (no content is read). */
export function fileKind(path: string): FileKind {
  const name = path.slice(path.lastIndexOf('/') + 1)
  if (TEST_DIR.test(path) || TEST_NAME.test(name)) return 'test'
  if (DOCS_DIR.test(path) || DOCS_NAME.test(name)) return 'docs'
  if (CONFIG_NAME.test(name) || path.startsWith('.github/')) return 'config'
  return 'source'
}

const GLOB_OPTIONS: MinimatchOptions = { dot: true, matchBase: true, nocomment: true, nonegate: true }

/**
 * A predicate "is this path left out?": it matches an exclude glob (defaults included) or, when
 * include globs are given, none of them. Globs without `/` match the file name in any folder.
 */
export function createExcludeFilter(include: readonly string[], exclude: readonly string[]): (path: string) => boolean {
  const compile = (patterns: readonly string[], options: MinimatchOptions): Minimatch[] =>
    patterns
      .map((pattern) => pattern.trim())
      .filter((pattern) => pattern !== '')
      .map((pattern) => new Minimatch(pattern, options))
  // Extensions and lock-file names vary in case across platforms (IMAGE.PNG); user globs stay exact.
  const excluded = [...compile(DEFAULT_EXCLUDES, { ...GLOB_OPTIONS, nocase: true }), ...compile(exclude, GLOB_OPTIONS)]
  const included = compile(include, GLOB_OPTIONS)
  return (path) =>
    (included.length > 0 && !included.some((glob) => glob.match(path))) || excluded.some((glob) => glob.match(path))
}

/** Context lines kept next to a change when a patch is compressed (GitHub sends 3). */
const COMPRESSED_CONTEXT_LINES = 1
/** A hunk longer than this many lines keeps only its head and tail when compressed. */
export const GIANT_HUNK_LINES = 400
const GIANT_HUNK_HEAD = 150
const GIANT_HUNK_TAIL = 50

/**
 * A shorter patch with the same changes: fewer context lines, deletion-only hunks collapsed to
 * `[N lines deleted]`, giant hunks cut to head and tail. Notes are lines in square brackets, which no
 * patch line can be (patch lines start with ` `, `+`, `-`, `@` or `\`).
 */
export function compressPatch(patch: string): string {
  const out: string[] = []
  let hunk: string[] = []
  const flush = (): void => {
    if (hunk.length > 0) out.push(...compressHunk(hunk))
    hunk = []
  }
  for (const line of patch.split('\n')) {
    if (line.startsWith('@@')) flush()
    if (line.startsWith('@@') || hunk.length > 0) hunk.push(line)
    else out.push(line)
  }
  flush()
  return out.join('\n')
}

function compressHunk([header, ...body]: string[]): string[] {
  const lines = body.filter((line) => !line.startsWith('\\'))
  const added = lines.some((line) => line.startsWith('+'))
  const deleted = lines.filter((line) => line.startsWith('-')).length
  if (!added && deleted > 0) return [header ?? '', `[${deleted} lines deleted]`]

  const kept: string[] = []
  let run: string[] = []
  let seenChange = false
  const flushContext = (beforeChange: boolean): void => {
    const head = seenChange ? run.slice(0, COMPRESSED_CONTEXT_LINES) : []
    const tail = beforeChange ? run.slice(Math.max(head.length, run.length - COMPRESSED_CONTEXT_LINES)) : []
    const dropped = run.length - head.length - tail.length
    kept.push(...head)
    if (dropped > 0 && seenChange && beforeChange) kept.push(`[${dropped} unchanged lines]`)
    kept.push(...tail)
    run = []
  }
  for (const line of lines) {
    if (line.startsWith('+') || line.startsWith('-')) {
      flushContext(true)
      seenChange = true
      kept.push(line)
    } else {
      run.push(line)
    }
  }
  flushContext(false)

  if (kept.length <= GIANT_HUNK_LINES) return [header ?? '', ...kept]
  const omitted = kept.length - GIANT_HUNK_HEAD - GIANT_HUNK_TAIL
  return [header ?? '', ...kept.slice(0, GIANT_HUNK_HEAD), `[${omitted} lines omitted]`, ...kept.slice(-GIANT_HUNK_TAIL)]
}

/** Tokens each file section costs beyond its own text: the blank line that separates sections. */
export const SECTION_OVERHEAD_TOKENS = 2
// Trimming a file below this many tokens of diff would leave only noise.
const MIN_TRIMMED_DIFF_TOKENS = 48
const TRIM_NOTE_TOKENS = 12

/** Renders a file's section exactly as the prompt will contain it (prompt.ts: `fileSection`). */
export type SectionRenderer = (file: ChangedFile, patch: string) => string

/** A file as it will be sent: the patch (maybe compressed), its rendered section and that section's tokens. */
export interface PackedFile {
  readonly file: ChangedFile
  readonly patch: string
  readonly section: string
  readonly tokens: number
  readonly compressed: boolean
}

/**
 * Keeps the head (¾) and the tail (¼) of a patch so that its section fits `capacity` tokens, with a
 * `[N lines omitted]` note between them. Undefined when not even the file's header fits.
 */
export function trimToFit(
  file: ChangedFile,
  patch: string,
  capacity: number,
  tokenizer: Tokenizer,
  render: SectionRenderer
): PackedFile | undefined {
  let available = capacity - tokenizer.countTokens(render(file, '')) - TRIM_NOTE_TOKENS
  // Token boundaries do not survive re-encoding exactly: shrink until the rendered section fits.
  for (let attempt = 0; attempt < 6 && available >= MIN_TRIMMED_DIFF_TOKENS; attempt++) {
    let head = tokenizer.truncate(patch, Math.floor(available * 0.75), 'head')
    let tail = tokenizer.truncate(patch, Math.floor(available * 0.25), 'tail')
    if (head.lastIndexOf('\n') > 0) head = head.slice(0, head.lastIndexOf('\n'))
    const tailStart = tail.indexOf('\n')
    if (tailStart >= 0) tail = tail.slice(tailStart + 1)
    // Head and tail meet: nothing needs to go (the header, not the patch, made the section too long).
    const whole = head.length + tail.length >= patch.length
    const middle = patch.slice(head.length, patch.length - tail.length)
    const trimmed = whole ? patch : `${head}\n[${Math.max(middle.split('\n').length - 2, 1)} lines omitted]\n${tail}`
    const section = render(file, trimmed)
    const tokens = tokenizer.countTokens(section)
    if (tokens <= capacity) return { file, patch: trimmed, section, tokens, compressed: true }
    available = Math.floor(available * 0.85) - (tokens - capacity)
  }
  return undefined
}

/** One candidate file, with token counts computed at most once per form. */
class Candidate {
  readonly priority: number
  private compressedPatch: string | undefined
  // Exact counts once known; until then, the least a form is known to need (after a count stopped early).
  private readonly tokens = { whole: undefined as number | undefined, compressed: undefined as number | undefined }
  private readonly atLeast = { whole: 0, compressed: 0 }

  constructor(
    readonly file: ChangedFile,
    readonly order: number,
    private readonly tokenizer: Tokenizer,
    private readonly render: SectionRenderer
  ) {
    this.priority = KIND_PRIORITY[fileKind(file.filename)]
  }

  /** The unchanged patch, if its section fits `limit` tokens. */
  full(limit: number): PackedFile | undefined {
    return this.form(this.file.patch ?? '', 'whole', limit)
  }

  /** The compressed patch (the unchanged one when compression removes nothing), if it fits `limit`. */
  compact(limit: number): PackedFile | undefined {
    this.compressedPatch ??= compressPatch(this.file.patch ?? '')
    return this.compressedPatch === (this.file.patch ?? '')
      ? this.full(limit)
      : this.form(this.compressedPatch, 'compressed', limit)
  }

  /** The compressed patch cut to head and tail so that it fits `limit`. */
  trimmed(limit: number): PackedFile | undefined {
    this.compressedPatch ??= compressPatch(this.file.patch ?? '')
    return trimToFit(this.file, this.compressedPatch, limit, this.tokenizer, this.render)
  }

  private form(patch: string, which: 'whole' | 'compressed', limit: number): PackedFile | undefined {
    let tokens = this.tokens[which]
    if (tokens === undefined) {
      // Every token is at most MAX_TOKEN_BYTES bytes: a longer text cannot fit, whatever it holds.
      if (limit < this.atLeast[which] || patch.length > limit * MAX_TOKEN_BYTES) return undefined
      tokens = this.tokenizer.countTokensWithin(this.render(this.file, patch), limit)
      if (tokens === undefined) {
        this.atLeast[which] = limit + 1
        return undefined
      }
      this.tokens[which] = tokens
    }
    if (tokens > limit) return undefined
    return { file: this.file, patch, section: this.render(this.file, patch), tokens, compressed: which === 'compressed' }
  }
}

/** Files packed into requests, and those that did not fit. */
interface Packing {
  readonly groups: ReadonlyArray<readonly PackedFile[]>
  readonly omitted: readonly FileNote[]
}

function note(file: ChangedFile, reason: OmitReason): FileNote {
  return { path: file.filename, additions: file.additions, deletions: file.deletions, reason }
}

/**
 * First-fit packing in priority order into at most `maxGroups` requests of `capacity` tokens each.
 * A file larger than a whole request gets a request of its own, compressed and trimmed if need be.
 * With `compress`, every diff is compressed, and a file that finds no room is omitted (`call-cap`, or
 * `budget` when not even a request of its own holds it) while later, smaller files may still fill
 * the gaps. Without it, the other diffs are kept whole, and packing gives up (undefined) at the first
 * file that finds no room.
 */
function pack(candidates: readonly Candidate[], capacity: number, maxGroups: number, compress: true): Packing
function pack(candidates: readonly Candidate[], capacity: number, maxGroups: number, compress: false): Packing | undefined
function pack(candidates: readonly Candidate[], capacity: number, maxGroups: number, compress: boolean): Packing | undefined {
  const groups: Array<{ files: PackedFile[]; used: number }> = []
  const omitted: FileNote[] = []
  const limit = capacity - SECTION_OVERHEAD_TOKENS
  const roomLeft = (): number =>
    groups.length < maxGroups ? limit : groups.reduce((room, group) => Math.max(room, limit - group.used), 0)

  for (const candidate of candidates) {
    const room = roomLeft()
    // Once every request is full, later files are named as omitted without tokenizing them.
    if (room < MIN_TRIMMED_DIFF_TOKENS) {
      if (!compress) return undefined
      omitted.push(note(candidate.file, 'call-cap'))
      continue
    }
    // Counting stops at `room`: a file that cannot fit is not tokenized to the end.
    let form = compress ? candidate.compact(room) : candidate.full(room)
    if (!form && room === limit) {
      // Larger than a whole request: compressed, and trimmed if need be, rather than dropped.
      form = (compress ? undefined : candidate.compact(limit)) ?? candidate.trimmed(limit)
    }
    if (!form) {
      // Whole diffs are only kept when all of them fit: the first miss settles it.
      if (!compress) return undefined
      omitted.push(note(candidate.file, room < limit ? 'call-cap' : 'budget'))
      continue
    }
    const cost = form.tokens + SECTION_OVERHEAD_TOKENS
    let group = groups.find((existing) => capacity - existing.used >= cost)
    if (!group) {
      group = { files: [], used: 0 }
      groups.push(group)
    }
    group.files.push(form)
    group.used += cost
  }
  return { groups: groups.map((group) => group.files), omitted }
}

/** Packs whole diffs if they all fit; otherwise compresses every diff and packs again. */
function packAll(candidates: readonly Candidate[], capacity: number, maxGroups: number): Packing {
  return pack(candidates, capacity, maxGroups, false) ?? pack(candidates, capacity, maxGroups, true)
}

/**
 * Refits one request's files into a smaller `capacity` (after the service said the request was too
 * long, or an exact count came out over): keeps files in order while they fit, trimming a file that is
 * larger than the whole request; the rest are returned as `budget` notes.
 */
export function refit(
  files: readonly PackedFile[],
  capacity: number,
  tokenizer: Tokenizer,
  render: SectionRenderer
): { files: PackedFile[]; dropped: FileNote[] } {
  const kept: PackedFile[] = []
  const dropped: FileNote[] = []
  let used = 0
  for (const packed of files) {
    const room = capacity - used - SECTION_OVERHEAD_TOKENS
    const form =
      packed.tokens <= room
        ? packed
        : kept.length === 0
          ? trimToFit(packed.file, packed.patch, room, tokenizer, render)
          : undefined
    if (!form) {
      dropped.push(note(packed.file, 'budget'))
      continue
    }
    kept.push(form)
    used += form.tokens + SECTION_OVERHEAD_TOKENS
  }
  return { files: kept, dropped }
}

/** The filters, call limits and token capacities a selection must respect. */
export interface SelectOptions {
  readonly include: readonly string[]
  readonly exclude: readonly string[]
  readonly maxModelCalls: number
  /** Map requests beyond this many would run in a second wave: a third round on the critical path. */
  readonly maxConcurrency: number
  /** Tokens left for file sections in the one request of a PR that fits it. */
  readonly singleCapacity: number
  /** Tokens left for file sections in one map request. */
  readonly mapCapacity: number
  readonly render: SectionRenderer
}

/** What is sent, in which request, and what is not (with the reason). */
export interface Selection {
  /** True: one request summarizes the PR; false: `groups` are map requests followed by one reduce. */
  readonly single: boolean
  readonly groups: ReadonlyArray<readonly PackedFile[]>
  readonly coverage: Coverage
}

/**
 * Filters the PR's files and packs the rest: one request when everything fits it (compressed if need
 * be), else map requests for one reduce: at most `maxModelCalls - 1` of them, so that the reduce has
 * its call, and at most `maxConcurrency`, so that all of them run in one round.
 */
export function selectFiles(data: PullRequestData, options: SelectOptions, tokenizer: Tokenizer): Selection {
  const isExcluded = createExcludeFilter(options.include, options.exclude)
  const binary = new Set(BINARY_EXTENSIONS)
  const excluded: FileNote[] = []
  const unsent: FileNote[] = []
  const candidates: Candidate[] = []

  data.files.forEach((file, order) => {
    const extension = /\.([^./]+)$/.exec(file.filename)?.[1]?.toLowerCase() ?? ''
    const changesWithoutPatch = file.patch === undefined && file.additions + file.deletions > 0
    if (file.patch === undefined && binary.has(extension)) unsent.push(note(file, 'binary'))
    else if (isExcluded(file.filename)) excluded.push(note(file, 'excluded'))
    else if (changesWithoutPatch) unsent.push(note(file, 'too-large'))
    // A rename, mode change or empty file has no patch and no changed lines: its header says it all.
    else candidates.push(new Candidate(file, order, tokenizer, options.render))
  })
  candidates.sort((a, b) => a.priority - b.priority || a.order - b.order)

  const { single, packing } = plan(candidates, options)
  const sent = packing.groups.flat()

  return {
    single,
    groups: single && packing.groups.length === 0 ? [[]] : packing.groups,
    coverage: {
      filesTotal: Math.max(data.pr.changedFiles, data.files.length),
      summarized: sent.map((packed) => packed.file.filename),
      compressed: sent.filter((packed) => packed.compressed).map((packed) => packed.file.filename),
      excluded,
      omitted: [...unsent, ...packing.omitted],
      // pulls.listFiles stops at 3,000 files (pull.ts, GITHUB_FILES_LIMIT): the rest can only be counted.
      unlisted: data.filesTruncated ? Math.max(0, data.pr.changedFiles - data.files.length) : 0
    }
  }
}

function plan(candidates: readonly Candidate[], options: SelectOptions): { single: boolean; packing: Packing } {
  const { singleCapacity, mapCapacity, maxModelCalls, maxConcurrency } = options
  if (fits(candidates, singleCapacity, (candidate, limit) => candidate.full(limit))) {
    return { single: true, packing: packAll(candidates, singleCapacity, 1) }
  }
  if (fits(candidates, singleCapacity, (candidate, limit) => candidate.compact(limit))) {
    return { single: true, packing: pack(candidates, singleCapacity, 1, true) }
  }
  if (maxModelCalls === 1) return { single: true, packing: packAll(candidates, singleCapacity, 1) }
  return { single: false, packing: packAll(candidates, mapCapacity, Math.min(maxModelCalls - 1, maxConcurrency)) }
}

// Stops at the first file that breaks the budget, so a huge PR is not tokenized just to learn that.
function fits(
  candidates: readonly Candidate[],
  capacity: number,
  form: (candidate: Candidate, limit: number) => PackedFile | undefined
): boolean {
  let used = 0
  for (const candidate of candidates) {
    const packed = form(candidate, capacity - used - SECTION_OVERHEAD_TOKENS)
    if (!packed) return false
    used += packed.tokens + SECTION_OVERHEAD_TOKENS
  }
  return true
}
