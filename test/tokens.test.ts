import { describe, expect, it } from '@jest/globals'
import { encodeChat } from 'gpt-tokenizer/model/gpt-4o'
import fc from 'fast-check'
import { encodeRanks } from '../scripts/token-ranks.mjs'
import {
  byteCountingTokenizer,
  decodeRanks,
  loadTokenizer,
  MESSAGE_FRAMING_TOKENS,
  REPLY_PRIMER_TOKENS,
  tokenizerFromRanks
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
    const decoded = decodeRanks(encodeRanks(ranks))
    expect(decoded).toHaveLength(ranks.length)
    expect(decoded).toEqual(ranks)
  })

  it('counts, truncates and frames exactly as gpt-tokenizer does', async () => {
    const { default: ranks } = await import('gpt-tokenizer/bpeRanks/o200k_base')
    const compact = await tokenizerFromRanks(decodeRanks(encodeRanks(ranks)))
    const library = await loadTokenizer()
    const patch = generatedPullRequest({ files: 40 }).files.map((file) => file.patch ?? '')
    const texts = ['', 'hello world', 'こんにちは世界', '<|endoftext|> <|im_start|>', '\u{1F600}\u200B\u202E x', ...patch]
    for (const text of texts) {
      expect(compact.countTokens(text)).toBe(library.countTokens(text))
      expect(compact.countTokensWithin(text, 50)).toBe(library.countTokensWithin(text, 50))
      expect(compact.truncate(text, 7, 'tail')).toBe(library.truncate(text, 7, 'tail'))
    }
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        expect(compact.countTokens(text)).toBe(library.countTokens(text))
      })
    )
    const chat = [{ role: 'system', content: patch.join('\n') }]
    expect(compact.countChatTokens(chat)).toBe(encodeChat(chat as never).length)
  })

  it('refuses a damaged file instead of counting with wrong ranks', () => {
    const data = encodeRanks(['a', 'b', [0xff], 'cd'])
    expect(decodeRanks(data)).toEqual(['a', 'b', [0xff], 'cd'])
    expect(() => decodeRanks(data.subarray(0, data.length - 1))).toThrow(/o200k_base\.ranks is damaged \(wrong size\)/)
    expect(() => decodeRanks(Buffer.from('nope'))).toThrow(/damaged \(no RNK1 header\)/)
  })
})
