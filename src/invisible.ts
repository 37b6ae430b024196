/**
 * Invisible characters, shared by prompt building and sanitizing. Kept apart from sanitize.ts so that
 * building a prompt does not load the markdown parser.
 */

// Zero-width and bidi characters, Unicode tags (U+E0000–E007F) and other invisible format characters
// (\p{Cf}), C0/C1 controls other than tab and line endings, and blank "letters" (Hangul fillers,
// variation selectors) that render as nothing but can hide text from a reviewer or steer a model.
// Each range is a set of single code points, never a combined sequence: the rule's concern does not apply.
const INVISIBLE =
  // eslint-disable-next-line no-misleading-character-class
  /(?![\t\n\r])[\p{Cc}\p{Cf}\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180F\u3164\uFE00-\uFE0F\uFFA0\u{E0000}-\u{E007F}\u{E0100}-\u{E01EF}]/gu

/** Removes invisible characters (zero-width, bidi controls, Unicode tags, other format characters). */
export function stripInvisible(text: string): { text: string; removed: number } {
  let removed = 0
  const stripped = text.replace(INVISIBLE, () => {
    removed++
    return ''
  })
  return { text: stripped, removed }
}
