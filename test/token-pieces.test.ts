import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { O200K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/encodingParams/constants'
import { fileSection } from '../src/prompt.js'
import { lastCleanSplit, piecesAtLeast, splitsCleanly } from '../src/token-pieces.js'
import { loadTokenizer } from '../src/tokens.js'
import type { ChangedFile } from '../src/types.js'
import { generatedPullRequest } from './emulators/fixtures.mjs'

/** The pieces gpt-tokenizer's o200k pre-tokenizer splits `text` into before BPE. */
function pieces(text: string): number {
  return [...text.matchAll(O200K_TOKEN_SPLIT_REGEX)].length
}

// Every class the scan tells apart, the characters its rules single out (apostrophe and contraction
// letters, `/`, each kind of whitespace), and non-ASCII letters, digits, marks and spaces.
const ALPHABET = [
  ...'aZbQxe sSdDlLvVmMtTrR09 7\n\r\t\v\f\'/;+-_{}().,"<|>',
  'é',
  'À',
  '٣',
  '\u0301',
  '\u00a0',
  '\u2028',
  '\u3000',
  '😀'
]
const texts = fc.oneof(
  fc.array(fc.constantFrom(...ALPHABET), { maxLength: 60 }).map((chars) => chars.join('')),
  // Few characters, so that line breaks next to punctuation, slashes and spaces come up often.
  fc.array(fc.constantFrom(';', '\n', '/', ' ', 'a', 'T', '{', '\r', '9', "'"), { maxLength: 30 }).map((chars) => chars.join('')),
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 120 })
)

describe('piecesAtLeast', () => {
  it('never counts more than the pre-tokenizer pieces, which never outnumber the tokens', async () => {
    const { countTokens } = await loadTokenizer()
    fc.assert(
      fc.property(texts, (text) => {
        const bound = piecesAtLeast(text)
        expect(bound).toBeLessThanOrEqual(pieces(text))
        expect(pieces(text)).toBeLessThanOrEqual(countTokens(text))
      }),
      { numRuns: 5000 }
    )
  })

  it('holds for the diffs of a generated PR, within a few percent of their tokens', async () => {
    const { countTokens } = await loadTokenizer()
    let bound = 0
    let tokens = 0
    for (const file of generatedPullRequest({ files: 60 }).files) {
      const section = fileSection(file as ChangedFile, file.patch ?? '')
      expect(piecesAtLeast(section)).toBeLessThanOrEqual(pieces(section))
      bound += piecesAtLeast(section)
      tokens += countTokens(section)
    }
    // Tight enough to settle "does not fit" for a diff a few times larger than the room left.
    expect(bound / tokens).toBeGreaterThan(0.9)
  })

  it('finds every piece of typical code lines', () => {
    const lines = [
      '+  const value12345 = fooBar(input, 42);',
      '-    return this.legacyParser.parse(text) ?? null',
      '@@ -10,7 +10,9 @@ export class CacheQueue {',
      'File: src/cache/queue-17.ts (modified, +12 -3)'
    ]
    for (const line of lines) expect(piecesAtLeast(line)).toBe(pieces(line))
  })

  it('keeps contractions, a slash after a line break and whitespace before a line break in one piece', () => {
    for (const text of ["it'lL", "x'vE", "don'T", ';\n/', 'a  \n', 'a\t\n\nb']) {
      expect(piecesAtLeast(text)).toBeLessThanOrEqual(pieces(text))
    }
    expect(piecesAtLeast("it'lL go")).toBe(pieces("it'lL go"))
  })

  it('counts up to the first non-ASCII character, which may join the piece before it', () => {
    expect(piecesAtLeast('')).toBe(0)
    expect(piecesAtLeast('é')).toBe(1)
    // `ab` and `\u0301` (a combining mark) form one piece with `é`: only `x` and the space before it count.
    expect(piecesAtLeast('x abé\u0301')).toBe(2)
    expect(pieces('x abé\u0301')).toBe(2)
    // A non-ASCII space after two spaces keeps the scan from cutting between them.
    expect(piecesAtLeast('x  \u00a0y')).toBeLessThanOrEqual(pieces('x  \u00a0y'))
  })

  it('stops counting once over stopAbove', () => {
    const text = 'alpha beta gamma delta epsilon'
    expect(piecesAtLeast(text)).toBe(5)
    expect(piecesAtLeast(text, 2)).toBe(3)
    expect(piecesAtLeast(text, 5)).toBe(5)
  })
})

describe('splitsCleanly', () => {
  it('cuts only where the pieces, and so the tokens, of the two sides add up to those of the whole', async () => {
    const { countTokens } = await loadTokenizer()
    let cuts = 0
    fc.assert(
      fc.property(texts, (text) => {
        for (let index = 0; index <= text.length; index++) {
          if (!splitsCleanly(text, index)) continue
          cuts++
          const [head, tail] = [text.slice(0, index), text.slice(index)]
          expect(pieces(head) + pieces(tail)).toBe(pieces(text))
          expect(countTokens(head) + countTokens(tail)).toBe(countTokens(text))
        }
      }),
      { numRuns: 3000 }
    )
    expect(cuts).toBeGreaterThan(1000)
  })

  it('cuts after a line feed before an ASCII character that is not whitespace or a slash', () => {
    expect(splitsCleanly('a\nFile', 2)).toBe(true)
    expect(splitsCleanly('a\n@@', 2)).toBe(true)
    expect(splitsCleanly('a\n+x', 2)).toBe(true)
    expect(splitsCleanly('a\n9', 2)).toBe(true)
    // `;\n/` is one piece, and so are `\n\n` and `\n ` with what follows; `é` may continue a piece.
    expect(splitsCleanly(';\n/', 2)).toBe(false)
    expect(splitsCleanly('a\n\nb', 2)).toBe(false)
    expect(splitsCleanly('a\n b', 2)).toBe(false)
    expect(splitsCleanly('a\né', 2)).toBe(false)
    expect(splitsCleanly('a b', 2)).toBe(false)
    expect(splitsCleanly('ab', 0)).toBe(true)
    expect(splitsCleanly('ab', 2)).toBe(true)
  })

  it('finds the last clean split inside a text', () => {
    expect(lastCleanSplit('File: a\n@@ -1 +1 @@\n+x\n')).toBe(20)
    expect(lastCleanSplit('File: a\n@@ -1 +1 @@\n/x\n \n')).toBe(8)
    expect(lastCleanSplit('File: a (added, +0 -0)')).toBe(-1)
    expect(lastCleanSplit('\nx')).toBe(1)
  })
})
