/**
 * Real token counts, as Azure OpenAI bills `prompt_tokens` for GPT-4o-family deployments (o200k_base).
 * The encoding is bundled with gpt-tokenizer, so nothing is downloaded at run time; it is loaded
 * lazily because building it costs time and memory that a run which counts nothing should not pay.
 * The bundle reads the ranks from dist/o200k_base.ranks (written by scripts/token-ranks.mjs from
 * gpt-tokenizer's own), which is cheaper than compiling the 2 MB JavaScript array they ship as; run
 * from src/ (tests), there is no such file and that array is imported instead. Either way the ranks
 * are kept in compact form (rank-table.ts) and gpt-tokenizer's byte-pair encoding counts with them.
 */
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type CompactRanks, compactRanks, decodeTokens, expandRanks, RankTable, RANKS_FILE, readRanksFile } from './rank-table.js'
import { lastCleanSplit, piecesAtLeast, splitsCleanly } from './token-pieces.js'

/** A chat message as far as counting is concerned (structurally the `ChatMessage` of model.ts). */
export interface CountableMessage {
  readonly role: string
  readonly content: string
}

/** A text and its exact token count (`countTokens`). */
export interface KnownCount {
  readonly text: string
  readonly tokens: number
}

/** Token counts of one encoding: real (o200k_base) or the byte-counting upper bound. */
export interface Tokenizer {
  /** Tokens of `text`, with special-token look-alikes (`<|endoftext|>`) counted as the plain text the API sees. */
  countTokens(text: string): number
  /** Tokens of `text` if they are at most `limit`, else undefined; stops counting early on long texts. */
  countTokensWithin(text: string, limit: number): number | undefined
  /**
   * Tokens of a chat request's messages, framing included: what the service reports as `prompt_tokens`.
   * `known`: texts the messages likely contain, in this order, with their exact counts (file sections
   * counted while planning); what they save is counting them again, never exactness.
   */
  countChatTokens(messages: readonly CountableMessage[], known?: readonly KnownCount[]): number
  /** The longest start (`head`) or end (`tail`) of `text` that is at most `maxTokens` tokens. */
  truncate(text: string, maxTokens: number, keep?: 'head' | 'tail'): string
}

/**
 * ChatML framing of the GPT-4 family: each message is `<|im_start|>{role}<|im_sep|>{content}<|im_end|>`
 * (3 tokens + the role), and the reply is primed with `<|im_start|>assistant<|im_sep|>` (3 tokens).
 * Same as gpt-tokenizer's `encodeChat` for gpt-4o and OpenAI's cookbook "How to count tokens with tiktoken".
 */
export const MESSAGE_FRAMING_TOKENS = 3
/** `<|im_start|>assistant<|im_sep|>`, which primes the reply: see MESSAGE_FRAMING_TOKENS. */
export const REPLY_PRIMER_TOKENS = 3

/** Bytes of the longest o200k_base token (a run of 128 spaces): a text of N bytes has at least N/128 tokens. */
export const MAX_TOKEN_BYTES = 128

// PR text may contain `<|endoftext|>` and friends; the API encodes them as ordinary text, and the
// library's default would throw on them instead.
const AS_PLAIN_TEXT = { disallowedSpecial: new Set<string>() }

const LIKELY_CHARS_PER_TOKEN = 4

/** What the tokenizer needs of a gpt-tokenizer encoding. */
interface Encoding {
  countTokens(text: string, options: typeof AS_PLAIN_TEXT): number
  isWithinTokenLimit(text: string, limit: number, options: typeof AS_PLAIN_TEXT): number | false
  encode(text: string, options: typeof AS_PLAIN_TEXT): number[]
}

let loading: Promise<Tokenizer> | undefined

/** The o200k_base tokenizer, loaded on first use and shared afterwards. */
export function loadTokenizer(): Promise<Tokenizer> {
  loading ??= loadRanks().then(tokenizerOn)
  return loading
}

async function loadRanks(): Promise<CompactRanks> {
  const file = await readFile(join(dirname(fileURLToPath(import.meta.url)), RANKS_FILE)).catch(() => undefined)
  if (file) return readRanksFile(file)
  // Run from src/: gpt-tokenizer's own list (the bundle never reaches this, so it does not carry it).
  const module = (await import(/* webpackIgnore: true */ 'gpt-tokenizer/bpeRanks/o200k_base')) as {
    default: ReadonlyArray<string | readonly number[]>
  }
  return compactRanks(module.default)
}

/** The o200k_base tokenizer on `ranks` (tests hold it to gpt-tokenizer's own). */
export async function tokenizerOn(ranks: CompactRanks): Promise<Tokenizer> {
  return tokenizerOf(await encodingOn(ranks), ranks)
}

/** What tokens.ts sets in gpt-tokenizer's byte-pair encoder (private there: see encodingOn). */
interface EncoderInternals {
  bytePairStringRankEncoder: unknown
  mergeableBytePairRankCount: number
}

/**
 * The o200k_base encoding on `ranks`: gpt-tokenizer's own encoder, built with only the byte tokens
 * listed, then given the RankTable as its text → rank map. That map is a private field of
 * gpt-tokenizer's BytePairEncodingCore: if a version of the library no longer has it as this expects,
 * the encoding is built the library's way from every rank instead (slower, the same counts), and a
 * tokens test fails so that the upgrade looks here.
 */
export async function encodingOn(ranks: CompactRanks): Promise<Encoding> {
  const { GptEncoding } = await import('gpt-tokenizer/GptEncoding')
  // Holes for the text tokens: the encoder's constructor skips them instead of mapping each one.
  const byteTokensOnly: Array<string | number[]> = []
  byteTokensOnly.length = ranks.count
  for (const [rank, bytes] of ranks.bytesOf) byteTokensOnly[rank] = bytes
  const encoding = GptEncoding.getEncodingApi('o200k_base', () => byteTokensOnly)
  const core = (encoding as unknown as { bytePairEncodingCoreProcessor?: Partial<EncoderInternals> })
    .bytePairEncodingCoreProcessor
  const textMap = core?.bytePairStringRankEncoder
  if (!core || !(textMap instanceof Map) || textMap.size !== 0) {
    return GptEncoding.getEncodingApi('o200k_base', () => expandRanks(ranks))
  }
  core.bytePairStringRankEncoder = new RankTable(ranks)
  core.mergeableBytePairRankCount = ranks.count
  return encoding
}

function tokenizerOf(encoding: Encoding, ranks: CompactRanks): Tokenizer {
  const countTokens = (text: string): number => (text === '' ? 0 : encoding.countTokens(text, AS_PLAIN_TEXT))
  const roleTokens = new Map<string, number>()
  const framing = (role: string): number => {
    let tokens = roleTokens.get(role)
    if (tokens === undefined) {
      tokens = countTokens(role)
      roleTokens.set(role, tokens)
    }
    return MESSAGE_FRAMING_TOKENS + tokens
  }
  // Tokens of `text`, taking those of each known text found in it at a clean split (splitsCleanly) as
  // known, up to its own last clean split: between such positions, the counts add up exactly.
  const countAround = (text: string, known: readonly KnownCount[]): number => {
    let total = 0
    let cursor = 0
    for (const part of known) {
      const last = lastCleanSplit(part.text)
      if (last < 0) continue
      const at = text.indexOf(part.text, cursor)
      if (at < 0 || !splitsCleanly(text, at)) continue
      total += countTokens(text.slice(cursor, at)) + part.tokens - countTokens(part.text.slice(last))
      cursor = at + last
    }
    return total + countTokens(cursor === 0 ? text : text.slice(cursor))
  }
  return {
    countTokens,
    countTokensWithin(text, limit) {
      if (limit < 0) return undefined
      // Pieces of the pre-tokenizer are fewer than tokens: when they alone are over, no BPE is needed.
      // A text of at most two characters a token of the limit most likely fits: the scan would be wasted.
      if (text.length > limit * 2 && piecesAtLeast(text, limit) > limit) return undefined
      // At ~4 characters a token, a text this short most likely fits: the one-pass counter is faster.
      // A longer one most likely does not, and the streaming check stops as soon as it is over.
      if (text.length <= limit * LIKELY_CHARS_PER_TOKEN) {
        const tokens = countTokens(text)
        return tokens <= limit ? tokens : undefined
      }
      const tokens = encoding.isWithinTokenLimit(text, limit, AS_PLAIN_TEXT)
      return tokens === false ? undefined : tokens
    },
    countChatTokens(messages, known = []) {
      let total = REPLY_PRIMER_TOKENS
      for (const message of messages) total += framing(message.role) + countAround(message.content, known)
      return total
    },
    truncate(text, maxTokens, keep = 'head') {
      if (maxTokens <= 0) return ''
      // Encoding is linear in the text; no more than maxTokens * MAX_TOKEN_BYTES characters can matter.
      const reach = maxTokens * MAX_TOKEN_BYTES
      const window = text.length <= reach ? text : keep === 'head' ? text.slice(0, reach) : text.slice(-reach)
      const tokens = encoding.encode(window, AS_PLAIN_TEXT)
      if (tokens.length <= maxTokens && window === text) return text
      const kept = keep === 'head' ? tokens.slice(0, maxTokens) : tokens.slice(-maxTokens)
      // A cut inside a multi-byte character decodes to U+FFFD: drop that partial character.
      const decoded = decodeTokens(ranks, kept)
      return keep === 'head' ? decoded.replace(/\uFFFD+$/u, '') : decoded.replace(/^\uFFFD+/u, '')
    }
  }
}

/**
 * Counts UTF-8 bytes instead of tokens: an upper bound, since every o200k_base token stands for at
 * least one byte of the text (the API encodes special-token look-alikes as plain text too). A PR
 * whose prompt fits `max-input-tokens` even counted this way fits for real, and the run never loads
 * the 2 MB encoding.
 */
export const byteCountingTokenizer: Tokenizer = {
  countTokens: (text) => Buffer.byteLength(text, 'utf8'),
  countTokensWithin(text, limit) {
    const bytes = Buffer.byteLength(text, 'utf8')
    return bytes <= limit ? bytes : undefined
  },
  countChatTokens(messages) {
    let total = REPLY_PRIMER_TOKENS
    for (const message of messages)
      total += MESSAGE_FRAMING_TOKENS + Buffer.byteLength(message.role, 'utf8') + Buffer.byteLength(message.content, 'utf8')
    return total
  },
  truncate(text, maxTokens, keep = 'head') {
    if (maxTokens <= 0) return ''
    const bytes = Buffer.from(text, 'utf8')
    if (bytes.length <= maxTokens) return text
    const kept = keep === 'head' ? bytes.subarray(0, maxTokens) : bytes.subarray(bytes.length - maxTokens)
    // A cut inside a multi-byte character decodes to U+FFFD: drop that partial character.
    const decoded = kept.toString('utf8')
    return keep === 'head' ? decoded.replace(/\uFFFD+$/u, '') : decoded.replace(/^\uFFFD+/u, '')
  }
}
