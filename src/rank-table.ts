/**
 * The o200k_base ranks as the bundle ships them (dist/o200k_base.ranks, written by
 * scripts/token-ranks.mjs), read without turning each of the ~200,000 text tokens into a string of
 * its own: the tokens stay one decoded text, and a text → rank lookup is an open-addressing hash
 * table over it in a typed array. gpt-tokenizer otherwise builds a `Map` of 200,000 strings, which
 * cost ~60 ms and ~12 MB of heap on every run that counts tokens; its byte-pair encoding asks this
 * table instead (tokens.ts installs it), and the counts are the library's own.
 */

/** The ranks file's name next to the bundle's chunks. */
export const RANKS_FILE = 'o200k_base.ranks'

/** The length byte of a token that is not UTF-8 text (its bytes follow the lengths in the file). */
const BYTE_TOKEN = 255

/** The ranks of one encoding in compact form: index = rank. */
export interface CompactRanks {
  /** Number of ranks (text tokens and byte tokens). */
  readonly count: number
  /** Every text token, in rank order, as one string. */
  readonly text: string
  /** Where each text token starts in `text` (0 for a byte token). */
  readonly starts: Uint32Array
  /** Each token's UTF-16 length in `text`, or 255 for a byte token. */
  readonly lengths: Uint8Array
  /** The bytes of each token that is not UTF-8 text, by rank. */
  readonly bytesOf: ReadonlyMap<number, number[]>
}

/**
 * The ranks in the compact form scripts/token-ranks.mjs writes (its comment gives the layout). Throws
 * when the data does not hold exactly what its header says, rather than counting with wrong ranks.
 */
export function readRanksFile(data: Uint8Array): CompactRanks {
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  const fail = (why: string): never => {
    throw new Error(
      `The token ranks file ${RANKS_FILE} is damaged (${why}): reinstall the action (its dist/ must be as released).`
    )
  }
  if (buffer.length < 16 || buffer.toString('latin1', 0, 4) !== 'RNK1') fail('no RNK1 header')
  const count = buffer.readUInt32LE(4)
  const byteTokens = buffer.readUInt32LE(8)
  const textBytes = buffer.readUInt32LE(12)
  if (16 + count > buffer.length) fail('lengths cut short')
  // A copy: the lengths outlive the file's buffer, which can then be collected.
  const lengths = Uint8Array.from(buffer.subarray(16, 16 + count))
  let at = 16 + count
  const bytesOf = new Map<number, number[]>()
  for (let index = 0; index < byteTokens; index++) {
    if (at + 5 > buffer.length) fail('byte tokens cut short')
    const length = buffer[at + 4] ?? 0
    bytesOf.set(buffer.readUInt32LE(at), [...buffer.subarray(at + 5, at + 5 + length)])
    at += 5 + length
  }
  if (at + textBytes !== buffer.length) fail('wrong size')
  // One decode of all the text tokens (every token is whole UTF-8); each is a span of it.
  const text = buffer.toString('utf8', at)
  const starts = new Uint32Array(count)
  let position = 0
  for (let rank = 0; rank < count; rank++) {
    const length = lengths[rank] ?? 0
    if (length === BYTE_TOKEN) {
      if (!bytesOf.has(rank)) fail(`no bytes for rank ${rank}`)
      continue
    }
    starts[rank] = position
    position += length
  }
  if (position !== text.length) fail('text left over')
  return { count, text, starts, lengths, bytesOf }
}

/** Whether the token of `rank` is text (else its bytes are in `bytesOf`). */
export function isTextToken(ranks: CompactRanks, rank: number): boolean {
  return ranks.lengths[rank] !== BYTE_TOKEN
}

/** The text of the token of `rank` (a text token: see isTextToken). */
export function tokenText(ranks: CompactRanks, rank: number): string {
  const start = ranks.starts[rank] ?? 0
  return ranks.text.slice(start, start + (ranks.lengths[rank] ?? 0))
}

/** Every rank as gpt-tokenizer lists them: the token's text, or its bytes. */
export function expandRanks(ranks: CompactRanks): Array<string | number[]> {
  const expanded: Array<string | number[]> = new Array(ranks.count)
  for (let rank = 0; rank < ranks.count; rank++) {
    expanded[rank] = isTextToken(ranks, rank) ? tokenText(ranks, rank) : (ranks.bytesOf.get(rank) ?? [])
  }
  return expanded
}

/** The compact form of gpt-tokenizer's list of ranks (index = rank: the token's text, or its bytes). */
export function compactRanks(list: ReadonlyArray<string | readonly number[]>): CompactRanks {
  const starts = new Uint32Array(list.length)
  const lengths = new Uint8Array(list.length)
  const bytesOf = new Map<number, number[]>()
  const texts: string[] = []
  let position = 0
  list.forEach((token, rank) => {
    if (typeof token === 'string') {
      if (token.length < 1 || token.length >= BYTE_TOKEN)
        throw new Error(`rank ${rank}: a text token of ${token.length} UTF-16 units`)
      starts[rank] = position
      lengths[rank] = token.length
      texts.push(token)
      position += token.length
    } else {
      lengths[rank] = BYTE_TOKEN
      bytesOf.set(rank, [...token])
    }
  })
  return { count: list.length, text: texts.join(''), starts, lengths, bytesOf }
}

/**
 * The text of `tokens`, bytes of consecutive byte tokens decoded together; an incomplete character
 * decodes to U+FFFD. gpt-tokenizer's own `decode` keeps one streaming UTF-8 decoder for all calls,
 * so an incomplete character at the end of one call ran into the text of the next one.
 */
export function decodeTokens(ranks: CompactRanks, tokens: readonly number[]): string {
  let decoded = ''
  let bytes: number[] = []
  for (const rank of tokens) {
    if (isTextToken(ranks, rank)) {
      if (bytes.length > 0) decoded += Buffer.from(bytes).toString('utf8')
      bytes = []
      decoded += tokenText(ranks, rank)
    } else {
      bytes.push(...(ranks.bytesOf.get(rank) ?? []))
    }
  }
  return bytes.length > 0 ? decoded + Buffer.from(bytes).toString('utf8') : decoded
}

// FNV-1a over UTF-16 code units: cheap, and spreads the short, similar token texts well enough.
const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193

/**
 * Text token → rank, the `get` of a `Map<string, number>` without 200,000 strings: slots hold rank + 1
 * (0 = empty), at most half of them used, collisions probed linearly; a candidate is confirmed by
 * comparing its span of the text with the key.
 */
export class RankTable {
  readonly #ranks: CompactRanks
  readonly #slots: Int32Array
  readonly #mask: number

  constructor(ranks: CompactRanks) {
    this.#ranks = ranks
    let size = 2
    while (size < ranks.count * 2) size *= 2
    this.#slots = new Int32Array(size)
    this.#mask = size - 1
    const { text, starts, lengths } = ranks
    for (let rank = 0; rank < ranks.count; rank++) {
      const length = lengths[rank] ?? 0
      if (length === BYTE_TOKEN) continue
      const start = starts[rank] ?? 0
      let hash = FNV_OFFSET
      for (let index = start; index < start + length; index++) hash = Math.imul(hash ^ text.charCodeAt(index), FNV_PRIME)
      let slot = hash & this.#mask
      // A text listed twice keeps its first rank (the encodings have none; Map#set would keep the last).
      while (this.#slots[slot] !== 0) {
        if (this.#matches((this.#slots[slot] ?? 0) - 1, text, start, length)) break
        slot = (slot + 1) & this.#mask
      }
      if (this.#slots[slot] === 0) this.#slots[slot] = rank + 1
    }
  }

  /** The rank of the token whose text is `key`, if there is one. */
  get(key: string): number | undefined {
    const length = key.length
    let hash = FNV_OFFSET
    for (let index = 0; index < length; index++) hash = Math.imul(hash ^ key.charCodeAt(index), FNV_PRIME)
    for (let slot = hash & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const entry = this.#slots[slot] ?? 0
      if (entry === 0) return undefined
      if (this.#matches(entry - 1, key, 0, length)) return entry - 1
    }
  }

  /** Whether the token of `rank` is `source`'s `length` characters from `from`. */
  #matches(rank: number, source: string, from: number, length: number): boolean {
    const { text, starts, lengths } = this.#ranks
    if (lengths[rank] !== length) return false
    const start = starts[rank] ?? 0
    for (let index = 0; index < length; index++) {
      if (text.charCodeAt(start + index) !== source.charCodeAt(from + index)) return false
    }
    return true
  }
}
