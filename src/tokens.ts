/**
 * Real token counts, as Azure OpenAI bills `prompt_tokens` for GPT-4o-family deployments (o200k_base).
 * The encoding is bundled with gpt-tokenizer, so nothing is downloaded at run time; it is imported
 * lazily because parsing its ranks costs ~150 ms that a run which counts nothing should not pay.
 */

/** A chat message as far as counting is concerned (structurally the `ChatMessage` of model.ts). */
export interface CountableMessage {
  readonly role: string
  readonly content: string
}

/** Token counts of one encoding: real (o200k_base) or the byte-counting upper bound. */
export interface Tokenizer {
  /** Tokens of `text`, with special-token look-alikes (`<|endoftext|>`) counted as the plain text the API sees. */
  countTokens(text: string): number
  /** Tokens of `text` if they are at most `limit`, else undefined; stops counting early on long texts. */
  countTokensWithin(text: string, limit: number): number | undefined
  /** Tokens of a chat request's messages, framing included: what the service reports as `prompt_tokens`. */
  countChatTokens(messages: readonly CountableMessage[]): number
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

let loading: Promise<Tokenizer> | undefined

/** The o200k_base tokenizer, imported on first use and shared afterwards. */
export function loadTokenizer(): Promise<Tokenizer> {
  loading ??= import('gpt-tokenizer/encoding/o200k_base').then((encoding) => {
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
    return {
      countTokens,
      countTokensWithin(text, limit) {
        if (limit < 0) return undefined
        // At ~4 characters a token, a text this short most likely fits: the one-pass counter is faster.
        // A longer one most likely does not, and the streaming check stops as soon as it is over.
        if (text.length <= limit * LIKELY_CHARS_PER_TOKEN) {
          const tokens = countTokens(text)
          return tokens <= limit ? tokens : undefined
        }
        const tokens = encoding.isWithinTokenLimit(text, limit, AS_PLAIN_TEXT)
        return tokens === false ? undefined : tokens
      },
      countChatTokens(messages) {
        let total = REPLY_PRIMER_TOKENS
        for (const message of messages) total += framing(message.role) + countTokens(message.content)
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
        const decoded = encoding.decode(kept)
        return keep === 'head' ? decoded.replace(/\uFFFD+$/u, '') : decoded.replace(/^\uFFFD+/u, '')
      }
    }
  })
  return loading
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
