import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import type { Nodes, Root } from 'mdast'
import remarkGfm from 'remark-gfm'
import remarkParse from 'remark-parse'
import { unified } from 'unified'
import { visit } from 'unist-util-visit'
import { MARKER_TAG } from '../src/marker.js'
import { renderSummary } from '../src/render.js'
import { stripInvisible } from '../src/invisible.js'
import { codePointLength } from '../src/limits.js'
import { parseMarkdown, sanitizeMarkdown } from '../src/sanitize.js'
import type { SummaryOutcome } from '../src/types.js'

const options = { serverUrl: 'https://github.com' }

const hostile = [
  '@alice',
  '@org/team',
  '@copilot',
  ' @x ',
  '(@y)',
  'a@b.com',
  '`@code`',
  '**@**bold',
  '[@l](https://github.com/l)',
  'Fixes #1',
  'closes: owner/repo#2',
  'Resolves https://github.com/o/r/issues/3',
  'fix GH-4',
  '**Fixes**',
  ' #5',
  'resolved:',
  '![x](http://evil/beacon.png)',
  '![y][img]',
  '\n\n[img]: http://evil/i.png\n\n',
  '<img src="http://evil/i.png" alt="@z">',
  '<script>alert(1)</script>',
  '<a href="https://evil.com">x</a>',
  '<details open>',
  '</details>',
  '<summary>',
  '</summary>',
  '<!-- c -->',
  '<!--',
  '[x](javascript:alert(1))',
  '<javascript:alert(1)>',
  'https://evil.com/p',
  'www.evil.com',
  '<https://evil.com>',
  '[t](https://github.com/o/r)',
  '[r][ref]',
  '\n\n[ref]: https://evil.com\n\n',
  'http',
  '://evil.com',
  '\u202E',
  '\u200B',
  '\u{E0041}',
  '&#x200B;',
  '&#64;u',
  MARKER_TAG,
  `<!-- ${MARKER_TAG}:comment fingerprint=00 -->`,
  '\n```\n',
  '`',
  '|',
  '\n| a | b |\n|---|---|\n| c | @d |\n',
  '\n- ',
  '\n> ',
  '\n# ',
  '*',
  '_',
  '[',
  ']',
  '(',
  ')',
  '<',
  '>',
  '\n',
  '\n\n',
  '    ',
  '\\',
  '[^1]',
  '\n\n[^1]: note @e\n\n'
]

const hostileText = fc
  .array(fc.oneof(fc.string(), fc.constantFrom(...hostile), fc.string({ unit: 'binary' })), { maxLength: 12 })
  .map((parts) => parts.join(''))

const MENTION = /(?:^|[^A-Za-z0-9_])@[A-Za-z0-9]/
const KEYWORD_THEN_REFERENCE = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b[\s:]*(?:#\d|gh-\d|[\w.-]+\/[\w.-]+#\d|https?:|$)/i
const ALLOWED_TAG = /<details(?: open)?>|<\/details>|<summary>|<\/summary>/g

/** What must not be in published markdown, checked on the tree GitHub would build from it. */
function violations(markdown: string): string[] {
  const found: string[] = []
  if (markdown.includes(MARKER_TAG)) found.push('marker')
  if (stripInvisible(markdown).removed > 0) found.push('invisible character')
  const tree: Root = parseMarkdown(markdown)
  visit(tree, (node: Nodes) => {
    switch (node.type) {
      case 'text':
        if (MENTION.test(node.value)) found.push(`mention in ${JSON.stringify(node.value)}`)
        if (KEYWORD_THEN_REFERENCE.test(node.value)) found.push(`closing keyword in ${JSON.stringify(node.value)}`)
        break
      case 'image':
      case 'imageReference':
      case 'definition':
      case 'linkReference':
        found.push(node.type)
        break
      case 'link': {
        const url = new URL(node.url)
        if (url.host !== 'github.com' || !/^https?:$/.test(url.protocol)) found.push(`link to ${node.url}`)
        break
      }
      case 'html': {
        // Our own walkthrough opens with "<details>\n<summary>Walkthrough (N files)</summary>".
        const rest = node.value.replace(ALLOWED_TAG, '')
        if (rest.includes('<') || MENTION.test(rest)) found.push(`html ${JSON.stringify(node.value)}`)
        break
      }
    }
  })
  return found
}

describe('sanitizeMarkdown (properties)', () => {
  it('leaves nothing live, whatever the input', () => {
    fc.assert(
      fc.property(hostileText, (input) => {
        expect(violations(sanitizeMarkdown(input, options))).toEqual([])
      }),
      { numRuns: 200 }
    )
  })

  it('is idempotent', () => {
    fc.assert(
      fc.property(hostileText, (input) => {
        const once = sanitizeMarkdown(input, options)
        expect(sanitizeMarkdown(once, options)).toBe(once)
      }),
      { numRuns: 200 }
    )
  })
})

describe('parseMarkdown (properties)', () => {
  // Plain sentences skip the parser (sanitize.ts, PLAIN): they must come out as the parser builds them.
  const parser = unified().use(remarkParse).use(remarkGfm)
  const pieces = [...'aZ\u00E97 .,;:/()"\'?!%+=-', '\u{1D49C}', '  ']
  const plainish = ['\u2013', '\u2014', '\u2026', 'www.', 'WWW.', '://', 'http://x.y', 'a@b.co', 'mailto:a@b.co', '1.', '1)']
  const hazards = [...'*_`~[]<>\\|#\n\t\r\u0000\u00A0\u200B', '&amp;']
  const sentence = fc
    .tuple(
      fc.constantFrom('A', 'é', '"', "'", '(', '\u2026', '-', '1', ' ', '*', '#'),
      fc.array(fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...pieces) }, fc.constantFrom(...plainish, ...hazards)), {
        maxLength: 16
      })
    )
    .map(([first, rest]) => first + rest.join(''))

  it('builds the tree the parser builds', () => {
    fc.assert(
      fc.property(fc.oneof(sentence, hostileText), (input) => {
        expect(parseMarkdown(input)).toStrictEqual(parser.parse(input))
      }),
      { numRuns: 2000 }
    )
  })
})

describe('renderSummary (properties)', () => {
  const context = {
    serverUrl: 'https://github.com',
    owner: 'o',
    repo: 'r',
    number: 1,
    deployment: 'gpt',
    authLabel: 'keyless (OIDC)'
  }
  const path = fc.oneof(fc.string({ minLength: 1 }), fc.constantFrom(...hostile))
  const note = fc.record({
    path,
    additions: fc.nat(),
    deletions: fc.nat(),
    reason: fc.constantFrom('excluded', 'binary', 'too-large', 'budget', 'call-cap', 'no-answer' as const)
  })
  const outcome: fc.Arbitrary<SummaryOutcome> = fc.record({
    doc: fc.option(
      fc.record({
        overview: hostileText,
        changes: fc.array(fc.record({ area: hostileText, points: fc.array(hostileText, { maxLength: 4 }) }), { maxLength: 4 }),
        files: fc.array(fc.record({ path, summary: hostileText }), { maxLength: 6 }),
        risks: fc.array(hostileText, { maxLength: 3 })
      }),
      { nil: undefined }
    ),
    markdown: fc.option(hostileText, { nil: undefined }),
    notice: fc.option(hostileText, { nil: undefined }),
    usage: fc.record({ promptTokens: fc.nat(), completionTokens: fc.nat(), modelCalls: fc.nat() }),
    coverage: fc.record({
      filesTotal: fc.nat(),
      summarized: fc.array(path, { maxLength: 6 }),
      compressed: fc.array(path, { maxLength: 2 }),
      excluded: fc.array(note, { maxLength: 4 }),
      omitted: fc.array(note, { maxLength: 14 }),
      unlisted: fc.nat()
    })
  })

  it('keeps a file named only by invisible characters from taking the next names out of code', () => {
    // Found by the property below: the first name was left as an empty code span, "``", which opened a
    // span running to the next pair of backticks and left `@alice` a live mention. It shows as U+200B.
    const names = ['\u200b', '` ', '@alice']
    const summary: SummaryOutcome = {
      usage: { promptTokens: 0, completionTokens: 0, modelCalls: 0 },
      coverage: {
        filesTotal: 3,
        summarized: [],
        compressed: [],
        excluded: [],
        omitted: names.map((name) => ({ path: name, additions: 0, deletions: 0, reason: 'too-large' as const })),
        unlisted: 0
      }
    }
    const markdown = renderSummary(summary, { ...context, limit: 1_000 })
    expect(violations(markdown)).toEqual([])
    expect(markdown).toContain('`@alice`')
    expect(markdown).toContain('`U+200B` (+0/−0)')
  })

  it('is safe, non-empty and within the limit', () => {
    fc.assert(
      fc.property(outcome, fc.integer({ min: 1, max: 4000 }), (summary, limit) => {
        const markdown = renderSummary(summary, { ...context, limit })
        expect(codePointLength(markdown)).toBeLessThanOrEqual(limit)
        expect(markdown.trim()).not.toBe('')
        expect(violations(markdown)).toEqual([])
      }),
      { numRuns: 100 }
    )
  })
})
