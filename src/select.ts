/**
 * Which changed files reach the model, in which request, and in what form: filters, priorities,
 * compression, and packing into requests that each fit the prompt budget. Files that do not reach the
 * model become FileNotes with a reason, so the summary can name every changed file.
 */
import { Minimatch, type MinimatchOptions } from 'minimatch'
import { MAX_TOKEN_BYTES, type Tokenizer } from './tokens.js'
import type { ChangedFile, Coverage, FileKind, FileNote, OmitReason, PullRequestData } from './types.js'

export type { FileKind } from './types.js'

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
 * Build output, excluded by default: what peers skip too (CodeRabbit's default path filters block
 * `dist/`, `.next`, `.nuxt`, `.svelte-kit`, `.docusaurus`, `.webpack`, `.cache`…). Only folders
 * that hold nothing but generated files are here: `build/` and `out/` are left alone, since Gradle,
 * CMake, Bazel and many other projects keep hand-written code and scripts under those names. `dist/`
 * can hold a committed bundle (a GitHub Action's `dist/index.js`) or packaging files: `include` brings
 * it back.
 */
// prettier-ignore
export const BUILD_OUTPUT_EXCLUDES: readonly string[] = [
  '**/dist/**', '**/.next/**', '**/.nuxt/**', '**/.output/**', '**/.svelte-kit/**', '**/.docusaurus/**',
  '**/.vercel/**', '**/.netlify/**', '**/.turbo/**', '**/.parcel-cache/**', '**/.webpack/**', '**/.angular/**',
  '**/.cache/**'
]

/**
 * Always left out (then named as excluded) unless an `include` glob names them (createExcludeFilter):
 * lock files, minified or bundled output, build output, vendored and generated code, test snapshots,
 * binary and media files. `*.lock` and `*.lockfile` cover yarn.lock, Cargo.lock, poetry.lock,
 * Gemfile.lock, gradle.lockfile and the like.
 */
// prettier-ignore
export const DEFAULT_EXCLUDES: readonly string[] = [
  'package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'bun.lockb', 'go.sum', 'go.work.sum',
  'packages.lock.json', '*.lockfile', '*.lock', 'Package.resolved',
  '*.min.js', '*.min.mjs', '*.min.cjs', '*.min.css', '*.map',
  ...BUILD_OUTPUT_EXCLUDES,
  '**/vendor/**', '**/node_modules/**', '**/third_party/**', '**/__generated__/**', '*.generated.*',
  '*.pb.go', '*_pb2.py', '*_pb2.pyi', '*_pb2_grpc.py',
  '**/__snapshots__/**', '*.snap',
  `*.{${BINARY_EXTENSIONS.join(',')}}`
]

/**
 * What a file is to a reviewer, in the order files are sent when not every diff fits
 * (docs/ranking.md): the code itself, then its tests, configuration and docs, then translations,
 * then fixtures, snapshots and other data.
 */
export const FILE_KINDS: readonly FileKind[] = ['source', 'test', 'config', 'docs', 'translation', 'data']

// ISO 639-1: a file named after one of these (`de.json`, `messages_pt_BR.properties`) holds a language.
const ISO_639_1 =
  'aa|ab|ae|af|ak|am|an|ar|as|av|ay|az|ba|be|bg|bh|bi|bm|bn|bo|br|bs|ca|ce|ch|co|cr|cs|cu|cv|cy|da|de|dv|dz|ee|el|en|eo|es|et|eu|fa|ff|fi|fj|fo|fr|fy|ga|gd|gl|gn|gu|gv|ha|he|hi|ho|hr|ht|hu|hy|hz|ia|id|ie|ig|ii|ik|io|is|it|iu|ja|jv|ka|kg|ki|kj|kk|kl|km|kn|ko|kr|ks|ku|kv|kw|ky|la|lb|lg|li|ln|lo|lt|lu|lv|mg|mh|mi|mk|ml|mn|mr|ms|mt|my|na|nb|nd|ne|ng|nl|nn|no|nr|nv|ny|oc|oj|om|or|os|pa|pi|pl|ps|pt|qu|rm|rn|ro|ru|rw|sa|sc|sd|se|sg|si|sk|sl|sm|sn|so|sq|sr|ss|st|su|sv|sw|ta|te|tg|th|ti|tk|tl|tn|to|tr|ts|tt|tw|ty|ug|uk|ur|uz|ve|vi|vo|wa|wo|xh|yi|yo|za|zh|zu'
// Subtags of a language tag: script (Latn), region (BR, 419) or a three-letter extension (ku-kmr).
const SUBTAG = '[-_](?:[A-Za-z]{2,4}|[0-9]{3})'
const LANGUAGE = new RegExp(`^(?:${ISO_639_1})(?:${SUBTAG})*$`)
const LANGUAGE_SUFFIX = new RegExp(`[._-](?:${ISO_639_1})(?:${SUBTAG})?$`)
// Languages without a two-letter code that locale sets often ship (moment: fil, tet, tlh, tzm).
const THREE_LETTER_LANGUAGES = 'ast|ceb|chr|ckb|fil|fur|gom|haw|kab|mai|sah|tet|tlh|tzl|tzm|yue|zgh'
/**
 * A file in a locale folder named as a language: `de`, `pt-br`, `zh_Hans`, `fil`, `tzm-latn`,
 * `x-pseudo`. A bare three-letter name must be a known language, so `set.js` or `api.ts` stay code.
 */
const LOCALE_TAG = new RegExp(
  `^(?:(?:${ISO_639_1}|${THREE_LETTER_LANGUAGES})(?:${SUBTAG})*|[a-z]{3}(?:${SUBTAG})+|x-[a-z0-9]{2,8})$`,
  'i'
)

const DATA_DIR = /(?:^|\/)(?:fixtures?|__fixtures__|testdata|test-data|test_data|__snapshots__|snapshots)\//i
const DATA_NAME = /\.(?:csv|tsv|psv|jsonl|ndjson|geojson|topojson|snap|golden|har|dat)$/i
const TEST_DIR = /(?:^|\/)(?:tests?|__tests__|specs?|e2e|__mocks__|benchmarks?|bench)\//i
const TEST_NAME =
  /(?:[._-](?:test|tests|spec)\.[^.]+$)|(?:^test_.+\.py$)|(?:^conftest\.py$)|(?:_test\.go$)|(?:(?:Test|Tests|Spec|IT)\.(?:java|kt|cs|scala|swift|php|groovy)$)/
/** Folders of translations; the rest of the path is captured. */
const LOCALE_DIR = /(?:^|\/)(?:locales?|i18n|l10n|translations?|lang)\/(.*)$/i
/** Apple's `de.lproj/` and Android's `values-de/`, `values-pt-rBR/`, `values-b+sr+Latn/`. */
const LOCALE_BUNDLE_DIR =
  /(?:^|\/)(?:[a-z]{2,3}(?:[-_][a-z0-9]{2,8})*\.lproj|values-(?:[a-z]{2,3}|b\+[a-z]{2,3}(?:\+[a-z0-9]+)*)(?:-r[a-z]{2})?)\//i
const TRANSLATION_NAME = /\.(?:po|pot|xliff|xlf|arb|strings|stringsdict)$/i
const LANGUAGE_DATA_NAME = /\.(?:json[c5]?|ya?ml|toml|properties|resx|ftl)$/i
const CODE_NAME =
  /\.(?:[cm]?[jt]sx?|py|rb|php|go|java|kts?|scala|groovy|cs|fs|vb|swift|mm?|c|cc|cpp|cxx|h|hh|hpp|rs|dart|lua|pl|pm|r|ex|exs|erl|cljs?|elm|hs|ml|vue|svelte|astro|sh|bash|ps1|sql)$/i
const DOCS_DIR = /(?:^|\/)(?:docs?|documentation|examples?|samples?|demos?)\//i
const DOCS_NAME =
  /(?:\.(?:md|mdx|markdown|rst|adoc|asciidoc|txt|textile)$)|(?:^(?:README|CHANGELOG|CHANGES|LICENSE|COPYING|NOTICE|AUTHORS|CONTRIBUTING|SECURITY|CODE_OF_CONDUCT)(?:\.|$))/i
const CONFIG_NAME =
  /(?:\.(?:ya?ml|toml|ini|cfg|conf|properties|env|xml|plist|gradle|gradle\.kts|csproj|fsproj|vbproj|sln|props|targets|editorconfig|cmake)$)|(?:\.config\.[cm]?[jt]s$)|(?:^(?:Dockerfile|Containerfile|Makefile|GNUmakefile|Procfile|Jenkinsfile|Vagrantfile|Gemfile|Podfile|Brewfile|Rakefile|Justfile|CODEOWNERS|go\.mod|go\.work|CMakeLists\.txt|BUILD|WORKSPACE|MODULE\.bazel|requirements.*\.txt|constraints.*\.txt)(?:\.|$))|(?:^\.)/i
const JSON_NAME = /\.json[c5]?$/i
/** JSON that configures a tool; other JSON away from the root and config folders is data. */
const CONFIG_JSON_NAME =
  /^(?:package|composer|(?:ts|js)config.*|.*rc|.*[.-]config|config|settings|appsettings.*|launchSettings|manifest|project|angular|nx|lerna|turbo|deno|vercel|netlify|firebase|renovate|app|biome|cspell|global|.*\.schema|openapi|swagger)\.json[c5]?$/i
const CONFIG_DIR = /(?:^|\/)(?:\.[^/]+|config|configs|conf|settings|deploy|deployment|k8s|helm|charts)\//i

/**
 * Classifies a path by its folders, name and extension only (no content is read); the signals are
 * the ones docs/ranking.md lists, checked in this order: fixtures and data folders, tests,
 * translations, docs folders, configuration, docs by name, data by extension; anything else is source.
 */
export function fileKind(path: string): FileKind {
  const name = path.slice(path.lastIndexOf('/') + 1)
  if (DATA_DIR.test(path) || DATA_NAME.test(name)) return 'data'
  if (TEST_DIR.test(path) || TEST_NAME.test(name)) return 'test'
  if (isTranslation(path, name)) return 'translation'
  if (DOCS_DIR.test(path)) return 'docs'
  if (JSON_NAME.test(name) ? !path.includes('/') || CONFIG_DIR.test(path) || CONFIG_JSON_NAME.test(name) : CONFIG_NAME.test(name))
    return 'config'
  if (DOCS_NAME.test(name)) return 'docs'
  if (JSON_NAME.test(name)) return 'data'
  if (path.startsWith('.github/')) return 'config'
  return 'source'
}

function isTranslation(path: string, name: string): boolean {
  if (TRANSLATION_NAME.test(name) || LOCALE_BUNDLE_DIR.test(path)) return true
  const stem = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : name
  const inLocaleDir = LOCALE_DIR.exec(path)
  if (inLocaleDir) {
    // Code in a locale folder is a translation when it is named after a language (moment's
    // src/locale/de.js, Laravel's lang/de/auth.php); its index.ts or loader.ts is code.
    if (!CODE_NAME.test(name)) return true
    const folders = (inLocaleDir[1] ?? '').split('/').slice(0, -1)
    return LOCALE_TAG.test(stem) || LANGUAGE_SUFFIX.test(stem) || folders.some((folder) => LANGUAGE.test(folder))
  }
  // Elsewhere only data files named after a language, away from the root and dot files (`.release-it.json`).
  return (
    path.includes('/') &&
    !name.startsWith('.') &&
    !path.startsWith('.') &&
    LANGUAGE_DATA_NAME.test(name) &&
    (LANGUAGE.test(stem) || LANGUAGE_SUFFIX.test(stem))
  )
}

/** Rank of a kind: lower goes first. */
const KIND_RANK = new Map<FileKind, number>(FILE_KINDS.map((kind, index) => [kind, index]))

/**
 * Size class of a change: log2 of its changed lines + 1, rounded down, so that a 300-line and a
 * 310-line change count as the same size (then ordered by path); capped so that a huge generated-
 * looking change does not outrank every ordinary one.
 */
const MAX_SIZE_CLASS = 9 // 511 changed lines and more
function sizeClass(changedLines: number): number {
  return Math.min(MAX_SIZE_CLASS, Math.floor(Math.log2(changedLines + 1)))
}

/** The review order of a file: kind, size class, path (compareForReview). */
interface ReviewKey {
  readonly kind: number
  readonly size: number
  readonly path: string
}

function reviewKey(path: string, changedLines: number): ReviewKey {
  return { kind: KIND_RANK.get(fileKind(path)) ?? 0, size: sizeClass(changedLines), path }
}

function compareForReview(a: ReviewKey, b: ReviewKey): number {
  return a.kind - b.kind || b.size - a.size || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
}

/**
 * `items` in review order: kind (FILE_KINDS), then larger changes first (by size class), then path.
 * Total and deterministic: the same files give the same order whatever order GitHub listed them in.
 */
export function sortForReview<T extends { readonly additions: number; readonly deletions: number }>(
  items: readonly T[],
  pathOf: (item: T) => string
): T[] {
  return items
    .map((item) => ({ item, key: reviewKey(pathOf(item), item.additions + item.deletions) }))
    .sort((a, b) => compareForReview(a.key, b.key))
    .map(({ item }) => item)
}

const GLOB_OPTIONS: MinimatchOptions = { dot: true, matchBase: true, nocomment: true, nonegate: true }

/**
 * A predicate "is this path left out?". Globs without `/` match the file name in any folder.
 * - A user `exclude` glob always wins.
 * - An `include` glob that names files the defaults leave out (`dist/**`, `yarn.lock`, `*.snap`: a
 *   default matches the glob itself) brings back the files it matches, from those defaults only:
 *   `include: dist/**` brings back `dist/app.js` but not `dist/app.js.map` (`*.map`).
 * - The other `include` globs are an allow-list: when there is one, a file that matches no include
 *   glob is left out. So `include: dist/**` alone summarizes every file plus `dist/`, while
 *   `include: src/**` summarizes only `src/`, and keeps `src/vendor/` and lock files out.
 */
export function createExcludeFilter(include: readonly string[], exclude: readonly string[]): (path: string) => boolean {
  const patterns = (list: readonly string[]): string[] =>
    list.map((pattern) => pattern.trim()).filter((pattern) => pattern !== '')
  // Extensions and lock-file names vary in case across platforms (IMAGE.PNG); user globs stay exact.
  const defaults = DEFAULT_EXCLUDES.map((pattern) => new Minimatch(pattern, { ...GLOB_OPTIONS, nocase: true }))
  const excluded = patterns(exclude).map((pattern) => new Minimatch(pattern, GLOB_OPTIONS))
  const included = patterns(include).map((pattern) => ({
    glob: new Minimatch(pattern, GLOB_OPTIONS),
    lifts: new Set(defaults.filter((glob) => glob.match(pattern)))
  }))
  const allowList = included.some((entry) => entry.lifts.size === 0)
  return (path) => {
    if (excluded.some((glob) => glob.match(path))) return true
    const matching = included.filter((entry) => entry.glob.match(path))
    if (allowList && matching.length === 0) return true
    return defaults.some((glob) => glob.match(path) && !matching.some((entry) => entry.lifts.has(glob)))
  }
}

/**
 * createExcludeFilter, with each path's answer kept: a run asks about every file up to three times
 * (whether any can be sent, then planning by bytes and with real counts), and each answer matches
 * ~40 globs. The last filters built are reused for the same include/exclude.
 */
function cachedExcludeFilter(include: readonly string[], exclude: readonly string[]): (path: string) => boolean {
  const key = JSON.stringify([include, exclude])
  let cached = excludeFilters.get(key)
  if (!cached) {
    const filter = createExcludeFilter(include, exclude)
    const answers = new Map<string, boolean>()
    cached = (path) => {
      let answer = answers.get(path)
      if (answer === undefined) {
        answer = filter(path)
        answers.set(path, answer)
      }
      return answer
    }
    if (excludeFilters.size >= 4) excludeFilters.clear()
    excludeFilters.set(key, cached)
  }
  return cached
}

const excludeFilters = new Map<string, (path: string) => boolean>()

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
  private compressedPatch: string | undefined
  // Exact counts once known; until then, the least a form is known to need (after a count stopped early).
  private readonly tokens = { whole: undefined as number | undefined, compressed: undefined as number | undefined }
  private readonly atLeast = { whole: 0, compressed: 0 }

  constructor(
    readonly file: ChangedFile,
    /** Position in review order (sortForReview): lower is sent first. */
    readonly rank: number,
    private readonly tokenizer: Tokenizer,
    private readonly render: SectionRenderer
  ) {}

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
  return { path: file.filename, additions: file.additions, deletions: file.deletions, reason, kind: fileKind(file.filename) }
}

/**
 * First-fit packing in review order into at most `maxGroups` requests of `capacity` tokens each.
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
  const ranks = new Map<PackedFile, number>()
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
    ranks.set(form, candidate.rank)
  }
  return {
    groups: groupByFolder(
      groups.map((group) => group.files),
      capacity,
      ranks
    ),
    omitted
  }
}

/**
 * The same files in at most as many requests, arranged so that the files of one folder share a
 * request where that costs nothing (no extra request, nothing dropped): the summary of a request then
 * reads as one area of the PR. Folders, in path order, go whole into the first request with room for
 * them; a folder larger than a request fills requests of its own. Within a request, files stay in
 * review order (refit drops from the end). When folders do not fit as many requests, files are placed
 * one by one in folder order; when that does not fit either, `groups` stay as they are.
 */
function groupByFolder(
  groups: ReadonlyArray<readonly PackedFile[]>,
  capacity: number,
  ranks: ReadonlyMap<PackedFile, number>
): PackedFile[][] {
  const rank = (packed: PackedFile): number => ranks.get(packed) ?? 0
  if (groups.length < 2) return groups.map((group) => [...group])
  const folders = new Map(groups.flat().map((packed) => [packed, folderOf(packed.file.filename)]))
  const inFolderOrder = groups
    .flat()
    .sort((a, b) => compareFolders(folders.get(a) ?? [], folders.get(b) ?? []) || rank(a) - rank(b))
  const blocks: PackedFile[][] = []
  for (const packed of inFolderOrder) {
    const last = blocks.at(-1)
    if (last?.[0] && (folders.get(last[0]) ?? []).join('/') === (folders.get(packed) ?? []).join('/')) last.push(packed)
    else blocks.push([packed])
  }
  type Bin = { files: PackedFile[]; used: number }
  const cost = (packed: PackedFile): number => packed.tokens + SECTION_OVERHEAD_TOKENS
  const place = (bins: Bin[], files: readonly PackedFile[], bin: Bin): void => {
    bin.files.push(...files)
    bin.used += files.reduce((sum, packed) => sum + cost(packed), 0)
    if (!bins.includes(bin)) bins.push(bin)
  }
  const wholeFolders = (): Bin[] => {
    const bins: Bin[] = []
    for (const block of blocks) {
      const size = block.reduce((sum, packed) => sum + cost(packed), 0)
      const bin = bins.find((existing) => capacity - existing.used >= size)
      if (bin || size <= capacity) {
        place(bins, block, bin ?? { files: [], used: 0 })
        continue
      }
      let current: Bin = { files: [], used: 0 }
      for (const packed of block) {
        if (capacity - current.used < cost(packed)) current = { files: [], used: 0 }
        place(bins, [packed], current)
      }
    }
    return bins
  }
  const fileByFile = (): Bin[] => {
    const bins: Bin[] = []
    for (const packed of inFolderOrder)
      place(bins, [packed], bins.find((existing) => capacity - existing.used >= cost(packed)) ?? { files: [], used: 0 })
    return bins
  }
  for (const arrange of [wholeFolders, fileByFile]) {
    const bins = arrange()
    if (bins.length <= groups.length) return bins.map((bin) => bin.files.sort((a, b) => rank(a) - rank(b)))
  }
  return groups.map((group) => [...group])
}

function folderOf(path: string): string[] {
  return path.split('/').slice(0, -1)
}

/** Folders in path order, a folder right before its subfolders (`src/a`, `src/a/b`, `src/a-b`). */
function compareFolders(a: readonly string[], b: readonly string[]): number {
  for (let index = 0; index < Math.min(a.length, b.length); index++) {
    const x = a[index] ?? ''
    const y = b[index] ?? ''
    if (x !== y) return x < y ? -1 : 1
  }
  return a.length - b.length
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
  return select(data, options, tokenizer, false) as Selection
}

/**
 * selectFiles if it sends every file whole in one request, else undefined, found without packing the
 * files into map requests: planning by byte count (plan.ts) only keeps a selection of that kind.
 */
export function selectWhole(data: PullRequestData, options: SelectOptions, tokenizer: Tokenizer): Selection | undefined {
  return select(data, options, tokenizer, true)
}

function select(data: PullRequestData, options: SelectOptions, tokenizer: Tokenizer, wholeOnly: boolean): Selection | undefined {
  const classify = fileClassifier(options.include, options.exclude)
  const excluded: FileNote[] = []
  const unsent: FileNote[] = []
  const sendable: ChangedFile[] = []

  for (const file of data.files) {
    const reason = classify(file)
    if (reason === undefined) sendable.push(file)
    else if (reason === 'excluded') excluded.push(note(file, reason))
    else unsent.push(note(file, reason))
  }
  const candidates = sortForReview(sendable, (file) => file.filename).map(
    (file, rank) => new Candidate(file, rank, tokenizer, options.render)
  )
  const rankOf = new Map(candidates.map((candidate) => [candidate.file, candidate.rank]))

  if (wholeOnly && !fits(candidates, options.singleCapacity, (candidate, limit) => candidate.full(limit))) return undefined
  const { single, packing } = plan(candidates, options)
  const sent = packing.groups.flat().sort((a, b) => (rankOf.get(a.file) ?? 0) - (rankOf.get(b.file) ?? 0))
  const byReview = (notes: readonly FileNote[]): FileNote[] => sortForReview(notes, (entry) => entry.path)

  return {
    single,
    groups: single && packing.groups.length === 0 ? [[]] : packing.groups,
    coverage: {
      filesTotal: Math.max(data.pr.changedFiles, data.files.length),
      // Everything in review order, so that lists cut short keep the files a reviewer reads first.
      summarized: sent.map((packed) => packed.file.filename),
      compressed: sent.filter((packed) => packed.compressed).map((packed) => packed.file.filename),
      excluded: byReview(excluded),
      omitted: [...byReview(unsent), ...packing.omitted],
      // pulls.listFiles stops at 3,000 files (pull.ts, GITHUB_FILES_LIMIT): the rest can only be counted.
      unlisted: data.filesTruncated ? Math.max(0, data.pr.changedFiles - data.files.length) : 0
    }
  }
}

/**
 * Why a file cannot reach the model (`binary`, `excluded`, `too-large`), or undefined when it can. A
 * rename, copy, removal, mode change or empty file has no patch and no changed lines: its header says
 * it all, so it is sent.
 */
function fileClassifier(include: readonly string[], exclude: readonly string[]): (file: ChangedFile) => OmitReason | undefined {
  const isExcluded = cachedExcludeFilter(include, exclude)
  const binary = new Set(BINARY_EXTENSIONS)
  return (file) => {
    const extension = /\.([^./]+)$/.exec(file.filename)?.[1]?.toLowerCase() ?? ''
    const noPatch = file.patch === undefined
    if (noPatch && binary.has(extension)) return 'binary'
    if (isExcluded(file.filename)) return 'excluded'
    if (noPatch && file.additions + file.deletions > 0) return 'too-large'
    if (noPatch && isBinaryByListing(file)) return 'binary'
    return undefined
  }
}

/**
 * Whether any of `files` can reach the model under these filters: what selectFiles sends is never
 * empty then (short of a budget too small for a file's header). The run asks for an Azure token on
 * this, while it plans, rather than after planning.
 */
export function hasSendableFile(files: readonly ChangedFile[], include: readonly string[], exclude: readonly string[]): boolean {
  const classify = fileClassifier(include, exclude)
  return files.some((file) => classify(file) === undefined)
}

/** Git's blob id of an empty file: GitHub lists an added empty file with it and without a patch. */
const EMPTY_BLOB_SHA = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'

/**
 * GitHub lists a binary file it does not recognize by extension (a `.mo` catalogue, an `.onnx` model)
 * like any other, only without a patch and with 0/0 lines. Added or modified, such a file changed
 * content that the model cannot see; a rename, copy, removal or mode change says all there is to say
 * in its header, and so does an added empty file (which GitHub lists with the empty blob's id).
 */
function isBinaryByListing(file: ChangedFile): boolean {
  if (file.status === 'added') return file.sha !== EMPTY_BLOB_SHA
  return file.status === 'modified'
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
