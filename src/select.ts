/**
 * Which changed files reach the model, in which request, and in what form: the filters (filters.ts),
 * the review order (kinds.ts), compression (compress.ts), and packing into requests that each fit the
 * prompt budget. Files that do not reach the model become FileNotes with a reason, so the summary can
 * name every changed file.
 */
import {
  compressPatch,
  MIN_TRIMMED_DIFF_TOKENS,
  type PackedFile,
  SECTION_OVERHEAD_TOKENS,
  type SectionRenderer,
  trimToFit
} from './compress.js'
import { BINARY_EXTENSIONS, cachedExcludeFilter } from './filters.js'
import { fileKind, sortForReview } from './kinds.js'
import { MAX_TOKEN_BYTES, type Tokenizer } from './tokens.js'
import type { ChangedFile, Coverage, FileNote, OmitReason, PullRequestData } from './types.js'

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
