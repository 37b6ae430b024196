/**
 * A lower bound on a text's o200k_base tokens that needs no BPE: the encoder first splits the text into
 * pieces with the o200k pre-tokenizer regex (gpt-tokenizer's O200K_TOKEN_SPLIT_PATTERN, tiktoken's
 * pattern), and every piece becomes at least one token. Its matches cover the text end to end (every
 * character can start one), so the pieces are 1 + the positions where a new piece starts. This scan
 * counts only positions where a new piece must start, whatever the regex engine chooses elsewhere, so
 * the count never exceeds the pieces, hence never exceeds the tokens. Counting stops at the first
 * non-ASCII character: what was counted up to there still bounds the whole text.
 *
 * The alternatives of the pattern, in order, and what they allow between two neighbours in one piece:
 * 1-2. `[^\r\n\p{L}\p{N}]?` letters `('s|'t|'re|'ve|'m|'ll|'d)?` (any case): one optional first character
 *      that is neither a line break, letter nor digit, then letters; after a lowercase letter only
 *      lowercase letters follow (or a contraction, whose `'lL`, `'vE`, `'rE` go lower to upper).
 * 3.   `\p{N}{1,3}`: digits only, at most three.
 * 4.   ` ?[^\s\p{L}\p{N}]+[\r\n/]*`: an optional space, punctuation (greedy), then line breaks and `/`.
 * 5-7. `\s*[\r\n]+`, `\s+(?!\S)`, `\s+`: whitespace only.
 * Hence a piece must start between `a` and `b` (ASCII) when:
 * - one is a digit and the other is not, or both are, after three digits of a run;
 * - `a` is a letter and `b` whitespace or punctuation other than an apostrophe;
 * - `a` is lowercase and `b` uppercase, unless `a` follows an apostrophe;
 * - `a` is a line break and `b` a letter, or `b` punctuation other than `/`;
 * - `a` is whitespace other than a space and `b` punctuation;
 * - `a` is punctuation and `b` whitespace other than a line break;
 * - `a` is punctuation after punctuation other than `/` (a trailing `[\r\n/]*` may hold a `/` that starts
 *   no run), or after a space, and `b` is a letter: the greedy run of 4 holds `a` (a space before
 *   punctuation starts a piece: 1-3 need a letter or digit next, 6 cannot stop before punctuation, and
 *   7 is only tried where 6 fails), and letters never follow it;
 * - `a` and `b` are whitespace, `b` no line break, and a non-whitespace character follows `b`: 6 matches
 *   any whitespace before `b` (its lookahead sees `b`) and cannot end at `b` (its lookahead sees the
 *   character after), 5 ends at a line break, and 1-4 cannot start on whitespace followed by whitespace.
 */

const WHITESPACE = 1
const LOWER = 2
const UPPER = 3
const DIGIT = 4
const OTHER = 5

const LINE_FEED = 10
const CARRIAGE_RETURN = 13
const SPACE = 32
const APOSTROPHE = 39
const SLASH = 47

// Class of each ASCII code: `\s` is tab, line feed, vertical tab, form feed, carriage return and space.
const CLASS = new Uint8Array(128).map((_, code) =>
  code >= 97 && code <= 122
    ? LOWER
    : code >= 65 && code <= 90
      ? UPPER
      : code >= 48 && code <= 57
        ? DIGIT
        : code === SPACE || (code >= 9 && code <= 13)
          ? WHITESPACE
          : OTHER
)

const isLineBreak = (code: number): boolean => code === LINE_FEED || code === CARRIAGE_RETURN

// What the scan does between two ASCII neighbours, looked up by both codes: the rules above that need
// no more than the pair are settled here, the others name what else they look at.
const KEEP = 0
const CUT = 1
const DIGIT_FIRST = 2 // a new run of digits: cut, and count its digits from one
const DIGIT_NEXT = 3 // cut after every third digit of a run
const LOWER_UPPER = 4 // cut unless the lowercase letter follows an apostrophe (a contraction)
const OTHER_LETTER = 5 // cut when the punctuation follows a space or punctuation other than `/`
const SPACE_SPACE = 6 // cut when the second is followed by an ASCII character that is not whitespace

function pairRule(previous: number, code: number): number {
  const a = CLASS[previous]
  const b = CLASS[code]
  if (b === DIGIT) return a === DIGIT ? DIGIT_NEXT : DIGIT_FIRST
  if (a === DIGIT) return CUT
  if (b === LOWER || b === UPPER) {
    if (isLineBreak(previous)) return CUT
    if (a === OTHER) return OTHER_LETTER
    return b === UPPER && a === LOWER ? LOWER_UPPER : KEEP
  }
  if (b === WHITESPACE) {
    if (a === LOWER || a === UPPER) return CUT
    if (isLineBreak(code)) return KEEP
    return a === OTHER ? CUT : SPACE_SPACE
  }
  if (a === LOWER || a === UPPER) return code === APOSTROPHE ? KEEP : CUT
  if (a === WHITESPACE) return previous === SPACE || (isLineBreak(previous) && code === SLASH) ? KEEP : CUT
  return KEEP
}

// pairRule reads a character's class and whether it is a space, line break, `/` or apostrophe, so one
// character can stand in for all that share those: the rules fit a table of 9 x 9 kinds.
const STAND_INS = [..."aA0 \n\t/';"].map((char) => char.charCodeAt(0))
const KINDS = STAND_INS.length
const standIn = (code: number): number => {
  if (code === SPACE || code === LINE_FEED || code === SLASH || code === APOSTROPHE) return code
  if (code === CARRIAGE_RETURN) return LINE_FEED
  // Indexed by class: WHITESPACE (1) other than space and line breaks, LOWER, UPPER, DIGIT, OTHER.
  return '_\taA0;'.charCodeAt(CLASS[code] ?? OTHER)
}
const KIND = new Uint8Array(128).map((_, code) => STAND_INS.indexOf(standIn(code)))
const PAIR_RULES = new Uint8Array(KINDS * KINDS).map((_, pair) =>
  pairRule(STAND_INS[Math.floor(pair / KINDS)] ?? 0, STAND_INS[pair % KINDS] ?? 0)
)

/**
 * At most the number of o200k pre-tokenizer pieces of `text`, so at most its o200k_base tokens (see the
 * module comment for why). Stops counting once the count exceeds `stopAbove`: the result is then
 * `stopAbove + 1`, which is all a caller deciding "more than `stopAbove` tokens" needs.
 */
export function piecesAtLeast(text: string, stopAbove = Number.POSITIVE_INFINITY): number {
  if (text === '') return 0
  const first = text.charCodeAt(0)
  if (first > 127) return 1
  let previous = KIND[first] ?? 0
  let pieces = 1
  let digits = 1
  for (let index = 1; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code > 127) return pieces
    const kind = KIND[code] ?? 0
    const rule = PAIR_RULES[previous * KINDS + kind]
    previous = kind
    if (rule === KEEP) continue
    let cut = true
    if (rule === DIGIT_FIRST) {
      digits = 1
    } else if (rule === DIGIT_NEXT) {
      cut = digits % 3 === 0
      digits++
    } else if (rule === LOWER_UPPER) {
      cut = text.charCodeAt(index - 2) !== APOSTROPHE
    } else if (rule === OTHER_LETTER) {
      const before = text.charCodeAt(index - 2)
      cut = before < 128 && (before === SPACE || (CLASS[before] === OTHER && before !== SLASH))
    } else if (rule === SPACE_SPACE) {
      const next = text.charCodeAt(index + 1)
      cut = next < 128 && CLASS[next] !== WHITESPACE
    }
    if (cut && ++pieces > stopAbove) return pieces
  }
  return pieces
}

/**
 * Whether cutting `text` at `index` leaves its tokens exactly the sum of the two sides' tokens: at its
 * start or end, or right after a line feed and before an ASCII character that is neither whitespace
 * nor `/`. Why: the pattern has no lookbehind, so the pieces from a piece boundary on are those of the
 * rest on its own; such a position is a boundary (see above: after a line break only `/` and whitespace
 * continue a piece); and the pieces before it are those of the start on its own, because the only
 * alternatives that read past the line feed are 4 (its trailing `[\r\n/]*` stops at that character as
 * it does at the end of the text), 5 (which then ends at the line feed either way) and 6 and 7, which
 * are only tried where 5 fails, and 5 succeeds on any whitespace that reaches a line feed. BPE encodes
 * each piece on its own (special-token look-alikes are plain text here), so the tokens add up too.
 */
export function splitsCleanly(text: string, index: number): boolean {
  if (index <= 0 || index >= text.length) return index === 0 || index === text.length
  if (text.charCodeAt(index - 1) !== LINE_FEED) return false
  const code = text.charCodeAt(index)
  return code < 128 && CLASS[code] !== WHITESPACE && code !== SLASH
}

/** The last position strictly inside `text` where it splitsCleanly, or -1 when there is none. */
export function lastCleanSplit(text: string): number {
  for (let lineFeed = text.lastIndexOf('\n', text.length - 2); lineFeed >= 0; lineFeed = text.lastIndexOf('\n', lineFeed - 1)) {
    if (splitsCleanly(text, lineFeed + 1)) return lineFeed + 1
    if (lineFeed === 0) break
  }
  return -1
}
