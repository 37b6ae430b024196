/**
 * Shorter forms of a diff: compressed (fewer context lines, deletion-only hunks collapsed, giant hunks
 * cut to head and tail) and trimmed to a token budget, each cut marked by a note in square brackets.
 */
import type { Tokenizer } from './tokens.js'
import type { ChangedFile } from './types.js'

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
  // Most diffs of a large PR have nothing to compress: say so without building arrays of their lines.
  return compressesToItself(patch) ? patch : compressHunks(patch)
}

/** compressPatch without its shortcut for a patch that compresses to itself (the reference it is tested against). */
export function compressHunks(patch: string): string {
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

const PLUS = 43
const MINUS = 45
const AT = 64
const BACKSLASH = 92

/**
 * True only when compressPatch would return `patch` as it is: every hunk adds a line, has no `\` line,
 * at most one context line before its first change and after its last one, at most two between changes,
 * and at most GIANT_HUNK_LINES lines. False in every other case, also some that would come out unchanged
 * (a hunk without a change): compressing then finds out.
 */
function compressesToItself(patch: string): boolean {
  let inHunk = false
  let added = false
  let seenChange = false
  let run = 0
  let lines = 0
  const hunkKept = (): boolean => !inHunk || (added && run <= 1 && lines <= GIANT_HUNK_LINES)
  for (let start = 0; start <= patch.length;) {
    let end = patch.indexOf('\n', start)
    if (end < 0) end = patch.length
    const first = patch.charCodeAt(start)
    if (first === AT && start + 1 < end && patch.charCodeAt(start + 1) === AT) {
      if (!hunkKept()) return false
      inHunk = true
      added = false
      seenChange = false
      run = 0
      lines = 0
    } else if (inHunk) {
      if (first === BACKSLASH) return false
      lines++
      if (first === PLUS || first === MINUS) {
        if (run > (seenChange ? 2 : 1)) return false
        seenChange = true
        run = 0
        if (first === PLUS) added = true
      } else {
        run++
      }
    }
    start = end + 1
  }
  return hunkKept()
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
export const MIN_TRIMMED_DIFF_TOKENS = 48
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
