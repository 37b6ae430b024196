import { describe, expect, it } from '@jest/globals'
import { encodeChat } from 'gpt-tokenizer/model/gpt-4o'
import fc from 'fast-check'
import { encodeRanks } from '../scripts/token-ranks.mjs'
import { compactRanks, expandRanks, RankTable, readRanksFile } from '../src/rank-table.js'
import {
  byteCountingTokenizer,
  encodingOn,
  loadTokenizer,
  MESSAGE_FRAMING_TOKENS,
  REPLY_PRIMER_TOKENS,
  tokenizerOn
} from '../src/tokens.js'
import { generatedPullRequest } from './emulators/fixtures.mjs'

describe('loadTokenizer', () => {
  it('loads once and shares the instance', async () => {
    expect(await loadTokenizer()).toBe(await loadTokenizer())
  })

  it('counts o200k_base tokens (values from the OpenAI cookbook and tiktoken)', async () => {
    const { countTokens } = await loadTokenizer()
    expect(countTokens('hello world')).toBe(2)
    expect(countTokens('tiktoken is great!')).toBe(6)
    expect(countTokens('こんにちは世界')).toBe(2)
    expect(countTokens('')).toBe(0)
  })

  it('counts special-token look-alikes in PR text as plain text instead of throwing', async () => {
    const { countTokens } = await loadTokenizer()
    expect(countTokens('<|endoftext|>')).toBe(7)
    expect(countTokens('a <|im_start|>system b')).toBeGreaterThan(3)
  })

  it('counts a chat exactly like gpt-tokenizer encodeChat for gpt-4o (what Azure bills as prompt_tokens)', async () => {
    const { countChatTokens, countTokens } = await loadTokenizer()
    const chats = [
      [],
      [{ role: 'user', content: 'Hello there!' }],
      [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: 'Summarize:\n```diff\n+ const a = 1\n- const a = 2\n```\n' }
      ],
      [
        { role: 'system', content: '' },
        { role: 'user', content: 'multi\n\nline   text with  spaces\t\tand tabs' }
      ]
    ] as const
    for (const chat of chats) {
      expect(countChatTokens(chat)).toBe(encodeChat(chat as never).length)
    }
    // The framing is additive: 4 tokens per message with a one-token role, 3 for the reply primer.
    expect(countChatTokens([{ role: 'user', content: 'hello world' }])).toBe(
      MESSAGE_FRAMING_TOKENS + 1 + countTokens('hello world') + REPLY_PRIMER_TOKENS
    )
  })

  it('counts within a limit exactly as a full count decides, on either side of the limit', async () => {
    const { countTokens, countTokensWithin } = await loadTokenizer()
    const sections = generatedPullRequest({ files: 12 }).files.map((file) => `File: ${file.filename}\n${file.patch ?? ''}`)
    const texts = fc.oneof(fc.constantFrom(...sections), fc.string({ unit: 'grapheme', maxLength: 400 }))
    fc.assert(
      fc.property(texts, fc.integer({ min: -1, max: 700 }), (text, limit) => {
        const tokens = countTokens(text)
        expect(countTokensWithin(text, limit)).toBe(limit >= 0 && tokens <= limit ? tokens : undefined)
      }),
      { numRuns: 500 }
    )
  })

  it('counts a chat with known texts exactly as without them, wherever they occur or not', async () => {
    const { countChatTokens, countTokens } = await loadTokenizer()
    const sections = fc.oneof(
      fc.constantFrom(...generatedPullRequest({ files: 6 }).files.map((file) => `File: ${file.filename}\n${file.patch ?? ''}`)),
      fc
        .array(fc.constantFrom('File: a', '\n', '+x;', ' ', '{', '/', '-', 'é', '@@'), { maxLength: 12 })
        .map((parts) => parts.join(''))
    )
    const separators = fc.constantFrom('\n\n', '\n', ' ', '', '\n/', '\n ', ';')
    fc.assert(
      fc.property(
        fc.array(fc.tuple(sections, separators), { maxLength: 6 }),
        fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 6 }),
        fc.string({ maxLength: 20 }),
        (joined, order, system) => {
          const content = `Summarize.\n<<<D\n${joined.map(([section, separator]) => section + separator).join('')}\nD>>>`
          const messages = [
            { role: 'system', content: system },
            { role: 'user', content }
          ]
          // Known in order, out of order, repeated, and some that the messages do not contain.
          const known = [...joined.map(([section]) => section), ...order.map((index) => joined[index]?.[0] ?? 'File: absent\nx')]
          const counts = known.map((text) => ({ text, tokens: countTokens(text) }))
          expect(countChatTokens(messages, counts)).toBe(countChatTokens(messages))
        }
      ),
      { numRuns: 1000 }
    )
  })

  it('truncates to at most maxTokens from the head or the tail', async () => {
    const { countTokens, truncate } = await loadTokenizer()
    const text = Array.from({ length: 200 }, (_, index) => `line ${index} of the patch`).join('\n')
    const head = truncate(text, 50)
    const tail = truncate(text, 50, 'tail')
    expect(countTokens(head)).toBeLessThanOrEqual(50)
    expect(countTokens(head)).toBeGreaterThan(40)
    expect(text.startsWith(head)).toBe(true)
    expect(countTokens(tail)).toBeLessThanOrEqual(50)
    expect(text.endsWith(tail)).toBe(true)
    expect(truncate('short', 50)).toBe('short')
    expect(truncate('short', 0)).toBe('')
  })

  it('does not leave half a character when the cut falls inside one', async () => {
    const { truncate } = await loadTokenizer()
    const text = '🙂'.repeat(40)
    for (const max of [1, 2, 3, 7]) {
      expect(truncate(text, max)).not.toMatch(/\uFFFD/)
      expect(truncate(text, max, 'tail')).not.toMatch(/\uFFFD/)
    }
  })
})

describe('byteCountingTokenizer', () => {
  it('never counts fewer than the real tokenizer (it is an upper bound), for any text and chat', async () => {
    const real = await loadTokenizer()
    const texts = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.constantFrom('<|endoftext|>', '<|im_start|>', ' '.repeat(500), '😀'.repeat(50), 'Ünïcödé')
    )
    fc.assert(
      fc.property(texts, fc.array(fc.tuple(fc.constantFrom('system', 'user'), texts), { maxLength: 4 }), (text, chat) => {
        expect(byteCountingTokenizer.countTokens(text)).toBeGreaterThanOrEqual(real.countTokens(text))
        const messages = chat.map(([role, content]) => ({ role, content }))
        expect(byteCountingTokenizer.countChatTokens(messages)).toBeGreaterThanOrEqual(real.countChatTokens(messages))
      }),
      { numRuns: 300 }
    )
  })

  it('truncates to whole characters within the byte budget', () => {
    expect(byteCountingTokenizer.truncate('héllo wörld', 3)).toBe('hé')
    expect(byteCountingTokenizer.truncate('héllo wörld', 5, 'tail')).toBe('örld')
    expect(byteCountingTokenizer.countTokensWithin('😀', 3)).toBeUndefined()
    expect(byteCountingTokenizer.countTokensWithin('😀', 4)).toBe(4)
  })
})

describe('the compact ranks file the bundle reads (scripts/token-ranks.mjs)', () => {
  it('decodes to exactly the ranks gpt-tokenizer ships', async () => {
    const { default: ranks } = await import('gpt-tokenizer/bpeRanks/o200k_base')
    const decoded = expandRanks(readRanksFile(encodeRanks(ranks)))
    expect(decoded).toHaveLength(ranks.length)
    expect(decoded).toEqual(ranks)
  })

  it('looks up every text token at its own rank, and nothing that is not a token', async () => {
    const { default: ranks } = await import('gpt-tokenizer/bpeRanks/o200k_base')
    const table = new RankTable(readRanksFile(encodeRanks(ranks)))
    let texts = 0
    ranks.forEach((token, rank) => {
      if (typeof token !== 'string') return
      texts++
      expect(table.get(token)).toBe(rank)
    })
    expect(texts).toBeGreaterThan(190_000)
    for (const text of ['', 'hello world', 'not a token at all', '\u{1F600}\u{1F600}\u{1F600}\u{1F600}'])
      expect(table.get(text)).toBeUndefined()
  })

  it('finds each token of a small table whatever collides, and keeps the first rank of a text listed twice', () => {
    const ranks = ['a', 'b', [0xff], 'cd', 'ab', 'ba', 'abc', 'cd', 'dc', 'e', 'ee', 'eee']
    const table = new RankTable(readRanksFile(encodeRanks(ranks)))
    expect(ranks.map((token) => (typeof token === 'string' ? table.get(token) : undefined))).toEqual([
      0,
      1,
      undefined,
      3,
      4,
      5,
      6,
      3,
      8,
      9,
      10,
      11
    ])
    for (const text of ['', 'c', 'abcd', 'eeee', 'ÿ']) expect(table.get(text)).toBeUndefined()
  })

  it("installs the table in gpt-tokenizer's encoder instead of its map of every token (else: look at encodingFromFile)", async () => {
    const { default: ranks } = await import('gpt-tokenizer/bpeRanks/o200k_base')
    const encoding = await encodingOn(readRanksFile(encodeRanks(ranks)))
    const core = (encoding as unknown as { bytePairEncodingCoreProcessor: Record<string, unknown> }).bytePairEncodingCoreProcessor
    expect(core['bytePairStringRankEncoder']).toBeInstanceOf(RankTable)
    expect(core['mergeableBytePairRankCount']).toBe(ranks.length)
  })

  it('counts, truncates and frames exactly as gpt-tokenizer does', async () => {
    const { default: ranks } = await import('gpt-tokenizer/bpeRanks/o200k_base')
    const compact = await tokenizerOn(readRanksFile(encodeRanks(ranks)))
    // The library's own encoding, and its tokens' bytes decoded in one piece.
    const library = await import('gpt-tokenizer/encoding/o200k_base')
    const asText = { disallowedSpecial: new Set<string>() }
    const bytesOf = (token: number): Buffer => Buffer.from(ranks[token] as string | number[])
    const truncated = (text: string, maxTokens: number, keep: 'head' | 'tail'): string => {
      const tokens = library.encode(text, asText)
      if (tokens.length <= maxTokens) return text
      const kept = keep === 'head' ? tokens.slice(0, maxTokens) : tokens.slice(-maxTokens)
      const decoded = Buffer.concat(kept.map(bytesOf)).toString('utf8')
      return keep === 'head' ? decoded.replace(/\uFFFD+$/u, '') : decoded.replace(/^\uFFFD+/u, '')
    }
    const patch = generatedPullRequest({ files: 40 }).files.map((file) => file.patch ?? '')
    const texts = ['', 'hello world', 'こんにちは世界', '<|endoftext|> <|im_start|>', '\u{1F600}\u200B\u202E x', ...patch]
    for (const text of texts) {
      expect(compact.countTokens(text)).toBe(library.countTokens(text, asText))
      const within = library.isWithinTokenLimit(text, 50, asText)
      expect(compact.countTokensWithin(text, 50)).toBe(within === false ? undefined : within)
      expect(compact.truncate(text, 7, 'tail')).toBe(truncated(text, 7, 'tail'))
      expect(compact.truncate(text, 9)).toBe(truncated(text, 9, 'head'))
    }
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.integer({ min: 1, max: 60 }), (text, limit) => {
        expect(compact.countTokens(text)).toBe(library.countTokens(text, asText))
        expect(compact.truncate(text, limit)).toBe(truncated(text, limit, 'head'))
        expect(compact.truncate(text, limit, 'tail')).toBe(truncated(text, limit, 'tail'))
      })
    )
    const chat = [{ role: 'system', content: patch.join('\n') }]
    expect(compact.countChatTokens(chat)).toBe(encodeChat(chat as never).length)
  })

  it('truncates each text on its own: a character cut at the end of one does not run into the next', async () => {
    const tokenizer = await loadTokenizer()
    // 'Ĥ' is two byte tokens (0xC4, 0xA4): one token of it keeps half a character.
    expect(tokenizer.truncate('Ĥ', 1)).toBe('')
    expect(tokenizer.truncate('Ĥ', 1, 'tail')).toBe('')
    expect(tokenizer.truncate('ĤĤ', 3)).toBe('Ĥ')
    expect(tokenizer.truncate('x Ĥ', 2, 'tail')).toBe(' Ĥ')
  })

  it('lists the ranks of gpt-tokenizer compactly and back', async () => {
    const { default: ranks } = await import('gpt-tokenizer/bpeRanks/o200k_base')
    expect(expandRanks(compactRanks(ranks))).toEqual(ranks)
    expect(compactRanks(ranks)).toEqual(readRanksFile(encodeRanks(ranks)))
  })

  it('refuses a damaged file instead of counting with wrong ranks', () => {
    const data = encodeRanks(['a', 'b', [0xff], 'cd'])
    expect(expandRanks(readRanksFile(data))).toEqual(['a', 'b', [0xff], 'cd'])
    expect(() => readRanksFile(data.subarray(0, data.length - 1))).toThrow(/o200k_base\.ranks is damaged \(wrong size\)/)
    expect(() => readRanksFile(Buffer.from('nope'))).toThrow(/damaged \(no RNK1 header\)/)
  })
})
