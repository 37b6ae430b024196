/**
 * The small pieces render.ts builds the summary from: mdast node builders, and untrusted text (the
 * model's, file names from the PR) turned into sanitized nodes, each piece sanitized as a unit before
 * it is placed. Pure.
 */
import { createHash } from 'node:crypto'
import type { BlockContent, Heading, Html, ListItem, Paragraph, PhrasingContent, Root, RootContent, Text } from 'mdast'
import { visit } from 'unist-util-visit'
import { stripInvisible } from './invisible.js'
import { codePointLength } from './limits.js'
import { parseMarkdown, sanitizeTree } from './sanitize.js'

/** Where links point: the PR's "Files changed" view on the server the summary is published to. */
export interface LinkContext {
  /** `GITHUB_SERVER_URL`, e.g. https://github.com or a GHES URL. */
  readonly serverUrl: string
  readonly owner: string
  readonly repo: string
  readonly number: number
}

/** Link to a file in the PR's "Files changed" view; GitHub anchors each file at `diff-<sha256 of its path>`. */
export function filesViewUrl(context: LinkContext, path: string): string {
  const server = context.serverUrl.replace(/\/+$/, '')
  const anchor = createHash('sha256').update(path, 'utf8').digest('hex')
  return `${server}/${encodeURIComponent(context.owner)}/${encodeURIComponent(context.repo)}/pull/${context.number}/files#diff-${anchor}`
}

// ---------------------------------------------------------------------------------------------------
// Untrusted text → sanitized nodes

/** Cuts untrusted markdown to `cap` code points; the sanitizer then closes whatever the cut left open. */
export function truncate(markdown: string, cap: number): string {
  if (codePointLength(markdown) <= cap) return markdown
  return `${Array.from(markdown).slice(0, cap).join('')}…`
}

export function untrustedBlocks(markdown: string, cap: number, context: LinkContext): RootContent[] {
  const tree = parseMarkdown(truncate(markdown, cap))
  sanitizeTree(tree, context)
  return tree.children
}

/**
 * Untrusted markdown for a place that takes one line (a heading, a table cell). Anything beyond one
 * paragraph is flattened to its text first, then sanitized, so flattening cannot revive what the
 * sanitizer neutralized (code that held a mention, for instance).
 */
export function untrustedPhrasing(markdown: string, cap: number, context: LinkContext): PhrasingContent[] {
  const tree = parseMarkdown(truncate(markdown, cap))
  const [first, ...rest] = tree.children
  const phrasing: PhrasingContent[] = first?.type === 'paragraph' && rest.length === 0 ? first.children : [text(plainText(tree))]
  visit({ type: 'paragraph', children: phrasing } as Paragraph, (node) => {
    // A table row or a heading ends at a line ending; collapse them to spaces.
    if (node.type === 'text' || node.type === 'inlineCode') node.value = node.value.replace(/\s+/g, ' ')
  })
  const lineBreaksAsSpaces = phrasing.map((node) => (node.type === 'break' ? text(' ') : node))
  return sanitizedParagraph(lineBreaksAsSpaces, context).children
}

export function plainText(tree: Root): string {
  const parts: string[] = []
  visit(tree, (node) => {
    if (node.type === 'text' || node.type === 'inlineCode' || node.type === 'code') parts.push(node.value)
    else if (node.type === 'paragraph' || node.type === 'heading' || node.type === 'listItem') parts.push(' ')
  })
  return parts.join('').replace(/\s+/g, ' ').trim()
}

export function sanitizedParagraph(children: PhrasingContent[], context: LinkContext): Paragraph {
  const tree: Root = { type: 'root', children: [{ type: 'paragraph', children }] }
  sanitizeTree(tree, context)
  const [first] = tree.children
  return first?.type === 'paragraph' ? first : paragraph([])
}

export function fileLink(path: string, context: LinkContext): PhrasingContent[] {
  return sanitizedParagraph([{ type: 'link', url: filesViewUrl(context, path), children: [inlineCodePath(path)] }], context)
    .children
}

/**
 * A file name as inline code, whatever it holds: the serializer picks a long enough backtick fence and
 * escapes `|` in tables; control characters (a newline would end a table row) become their visible
 * Unicode pictures (U+2400 block). A name of invisible characters only, which sanitizing would leave
 * an empty code span (markdown has none), is shown as its code points (`U+200B`).
 */
export function inlineCodePath(path: string): PhrasingContent {
  if (stripInvisible(path).text === '') {
    const codePoints = [...path].map((c) => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`)
    return { type: 'inlineCode', value: codePoints.join(' ') || '""' }
  }
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is replaced here
  const visible = path.replace(/[\u0000-\u001f\u007f]/g, (c) =>
    String.fromCodePoint(c === '\u007f' ? 0x2421 : 0x2400 + c.charCodeAt(0))
  )
  return { type: 'inlineCode', value: visible }
}

// ---------------------------------------------------------------------------------------------------
// Small builders

export function text(value: string): Text {
  return { type: 'text', value }
}

export function paragraph(children: PhrasingContent[]): Paragraph {
  return { type: 'paragraph', children }
}

export function heading(depth: Heading['depth'], value: string): Heading {
  return { type: 'heading', depth, children: [text(value)] }
}

export function html(value: string): Html {
  return { type: 'html', value }
}

export function listItem(children: RootContent[]): ListItem {
  return { type: 'listItem', spread: false, children: children as BlockContent[] }
}

export function bulletList(items: ListItem[]): RootContent {
  return { type: 'list', ordered: false, spread: false, children: items }
}

export function moreNote(hidden: number, noun: string): RootContent[] {
  return hidden > 0 ? [italicNote(`… ${count(hidden)} more ${plural(hidden, noun)} not shown`)] : []
}

export function italicNote(value: string): Paragraph {
  return paragraph([{ type: 'emphasis', children: [text(value)] }])
}

export function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim()
}

export function count(n: number): string {
  // Below 1,000 en-US adds no separator: a large PR's lists count thousands of files' lines.
  return Number.isInteger(n) && n >= 0 && n < 1000 && !Object.is(n, -0) ? String(n) : EN_US.format(n)
}

// One formatter: toLocaleString builds one per call, which cost ~10 ms per render of a large PR.
const EN_US = new Intl.NumberFormat('en-US')

export function capitalize(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1)
}

export function plural(n: number, noun: string): string {
  return n === 1 ? noun : `${noun}s`
}
