/**
 * Makes untrusted markdown (PR text, model output) safe to publish, on an mdast syntax tree: no live
 * mentions, no closing keywords, no images, no raw HTML beyond <details>/<summary>, no links off the
 * GitHub host, no invisible characters, no copy of our marker (threats.md "Hostile output").
 * Regexes only ever look at one node's value, never at the markdown text as a whole.
 */
import type { Code, Definition, Html, InlineCode, Nodes, Parents, PhrasingContent, Root, RootContent, Text } from 'mdast'
import remarkGfm from 'remark-gfm'
import remarkParse from 'remark-parse'
import remarkStringify from 'remark-stringify'
import { unified } from 'unified'
import { stripInvisible } from './invisible.js'
import { MARKER_TAG } from './marker.js'

/** Where the sanitized markdown will be published. */
export interface SanitizeOptions {
  /** `GITHUB_SERVER_URL`, e.g. https://github.com or a GHES URL: the only host links may point to. */
  readonly serverUrl: string
}

const processor = unified()
  .use(remarkParse)
  // Unaligned tables: each row's length then depends on its own cells only, which keeps long tables compact.
  .use(remarkGfm, { tablePipeAlign: false })
  .use(remarkStringify, { bullet: '-', emphasis: '_', strong: '*', fence: '`', fences: true, rule: '-' })

/** Markdown → mdast, with GitHub's extensions (tables, autolink literals, strikethrough, footnotes). */
export function parseMarkdown(markdown: string): Root {
  return PLAIN.test(markdown) ? plainTree(markdown) : processor.parse(markdown)
}

/**
 * One line of text that no markdown construct reacts to: it starts with a letter, a quote, `(` or `…`
 * (no block starts with one), does not end in a space, and holds only characters that neither start
 * nor end an inline construct; GFM autolink literals need `@`, `://` or `www.`. The parser costs
 * ~0.3 ms a call however short the text (micromark rebuilds its tables of constructs each time), and a
 * large PR has a model text per file, many of them such sentences. test/sanitize.property.test.ts
 * holds plainTree to the parser.
 */
const PLAIN = /^(?!.*(?:www\.|:\/\/))[\p{L}"'(\u2026][\p{L}\p{N} ,.;:'"()/?!%+=\u2013\u2014\u2026-]*(?<! )$/iu

/** The tree the parser builds for PLAIN text: a paragraph holding the text, with the same positions. */
function plainTree(value: string): Root {
  const position = () => ({
    start: { line: 1, column: 1, offset: 0 },
    end: { line: 1, column: value.length + 1, offset: value.length }
  })
  return {
    type: 'root',
    children: [{ type: 'paragraph', children: [{ type: 'text', value, position: position() }], position: position() }],
    position: position()
  }
}

/** mdast → markdown, in the one style this action publishes. */
export function stringifyMarkdown(tree: Root): string {
  return processor.stringify(tree)
}

/** Sanitizes untrusted markdown; see the module comment for the rules. Idempotent. */
export function sanitizeMarkdown(markdown: string, options: SanitizeOptions): string {
  const tree = parseMarkdown(stripInvisible(markdown).text)
  sanitizeTree(tree, options)
  return stringifyMarkdown(tree)
}

/**
 * Sanitizes a parsed tree in place (for callers that assemble trees, like render.ts). Nodes added to
 * the tree afterwards are not checked.
 */
export function sanitizeTree(tree: Root, options: SanitizeOptions): void {
  const definitions = new Map<string, Definition>()
  stripInvisibleInTree(tree, definitions)
  transformChildren(tree, { host: hostOf(options.serverUrl), definitions })
}

interface Context {
  readonly host: string | undefined
  readonly definitions: ReadonlyMap<string, Definition>
}

function hostOf(serverUrl: string): string | undefined {
  try {
    return new URL(serverUrl).host
  } catch {
    return undefined // no valid server URL: no link is allowed at all
  }
}

const STRING_FIELDS = ['value', 'url', 'alt', 'title', 'lang', 'meta', 'label', 'identifier'] as const

/**
 * Character references (`&#x200B;`) are decoded by the parser, so stripping the source is not enough.
 * Collects the definitions on the way, once stripped (CommonMark: the first definition of a label wins).
 * A plain walk in document order, as unist-util-visit's, which costs a named closure per node: the
 * summary of a large PR sanitizes tens of thousands of nodes.
 */
function stripInvisibleInTree(node: Nodes, definitions: Map<string, Definition>): void {
  const fields = node as unknown as Record<string, unknown>
  for (const field of STRING_FIELDS) {
    const value = fields[field]
    if (typeof value === 'string') fields[field] = stripInvisible(value).text
  }
  if (node.type === 'definition' && !definitions.has(node.identifier)) definitions.set(node.identifier, node)
  if ('children' in node) for (const child of node.children) stripInvisibleInTree(child, definitions)
}

const PHRASING_PARENTS = new Set(['paragraph', 'heading', 'tableCell', 'emphasis', 'strong', 'delete', 'link'])

function transformChildren(parent: Parents, context: Context): void {
  const children = (parent.children as Nodes[]).flatMap((child) => transformNode(child, parent, context))
  if (PHRASING_PARENTS.has(parent.type)) {
    parent.children = finishPhrasing(children as PhrasingContent[]) as never
  } else {
    parent.children = balanceDisclosures(children.filter((child) => !isEmptyParagraph(child))) as never
  }
  // HTML in a tight list item would swallow the next line when re-parsed; a loose item keeps blank lines.
  if (parent.type === 'listItem' && parent.children.length > 1 && parent.children.some((child) => child.type === 'html'))
    parent.spread = true
  if (parent.type === 'list' && parent.children.some((item) => item.spread)) parent.spread = true
}

function transformNode(node: Nodes, parent: Parents, context: Context): Nodes[] {
  switch (node.type) {
    case 'definition':
      return []
    case 'image':
    case 'imageReference':
      return [text(node.alt ?? '')]
    case 'linkReference': {
      const definition = context.definitions.get(node.identifier)
      const link: Nodes = { type: 'link', url: definition?.url ?? '', children: node.children }
      return transformNode(link, parent, context)
    }
    case 'link': {
      if (isAutolinkToHost(node, context)) return [{ ...node, title: null }]
      transformChildren(node, context)
      if (!isAllowedUrl(node.url, context)) return node.children
      return [{ ...node, url: breakMarkerInUrl(node.url), title: null }]
    }
    case 'html':
      return PHRASING_PARENTS.has(parent.type) ? inlineHtml(node) : blockHtml(node)
    case 'code':
      return [breakMarkerInCode(node)]
    case 'inlineCode':
      // Empty once its invisible characters are gone: markdown has no empty code span (two backticks
      // open a span that runs to the next pair, taking what follows out of code).
      return node.value === '' ? [] : [{ ...node, value: breakMarker(node.value) }]
    case 'footnoteReference':
    case 'footnoteDefinition':
      // Labels are not shown (GitHub numbers footnotes), but they are in the markdown text.
      node.identifier = breakMarker(node.identifier)
      if (node.label) node.label = breakMarker(node.label)
      if (node.type === 'footnoteDefinition') transformChildren(node, context)
      return [node]
    default:
      if ('children' in node) transformChildren(node, context)
      return [node]
  }
}

function text(value: string): Text {
  return { type: 'text', value }
}

function isAllowedUrl(url: string, context: Context): boolean {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return false // relative, or not a URL
  }
  return (
    (parsed.protocol === 'https:' || parsed.protocol === 'http:') &&
    parsed.host === context.host &&
    parsed.username === '' &&
    parsed.password === ''
  )
}

/** A bare URL to our host (`<https://github.com/o/r>`): its text is the validated URL itself. */
function isAutolinkToHost(link: Extract<Nodes, { type: 'link' }>, context: Context): boolean {
  const [only, ...rest] = link.children
  return (
    rest.length === 0 &&
    only?.type === 'text' &&
    only.value === link.url &&
    !only.value.includes('@') &&
    !KEYWORD_AT_END.test(only.value) &&
    !containsMarker(link.url) &&
    isAllowedUrl(link.url, context)
  )
}

// ---------------------------------------------------------------------------------------------------
// Raw HTML

const ALLOWED_TAGS = new Set(['details', 'summary'])
// One HTML piece: a comment, a declaration / CDATA, a processing instruction, or a tag (quoted attribute
// values may hold `>`). Only ever applied to the value of a single html node.
const HTML_PIECE =
  /<!--[\s\S]*?(?:-->|$)|<![\s\S]*?(?:>|$)|<\?[\s\S]*?(?:\?>|$)|<\/?[A-Za-z][A-Za-z0-9-]*(?:[^>"']|"[^"]*"|'[^']*')*>?/g
const TAG_NAME = /^<(\/?)([A-Za-z][A-Za-z0-9-]*)/
const OPEN_ATTRIBUTE = /\sopen(?=[\s=/>]|$)/i
const ALT_ATTRIBUTE = /\salt\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/i

type Piece = { kind: 'allowed'; html: string } | { kind: 'text'; text: string }

function htmlPieces(value: string): Piece[] {
  const pieces: Piece[] = []
  let last = 0
  for (const match of value.matchAll(HTML_PIECE)) {
    if (match.index > last) pieces.push({ kind: 'text', text: value.slice(last, match.index) })
    last = match.index + match[0].length
    const piece = classifyPiece(match[0])
    if (piece) pieces.push(piece)
  }
  if (last < value.length) pieces.push({ kind: 'text', text: value.slice(last) })
  return pieces
}

function classifyPiece(raw: string): Piece | undefined {
  const tag = TAG_NAME.exec(raw)
  if (!tag) return undefined // comment, declaration, processing instruction: dropped
  const closing = tag[1] === '/'
  const name = (tag[2] ?? '').toLowerCase()
  if (ALLOWED_TAGS.has(name)) {
    const html = closing ? `</${name}>` : name === 'details' && OPEN_ATTRIBUTE.test(raw) ? '<details open>' : `<${name}>`
    return { kind: 'allowed', html }
  }
  if (name === 'img') {
    const alt = ALT_ATTRIBUTE.exec(raw)
    return { kind: 'text', text: alt?.[1] ?? alt?.[2] ?? alt?.[3] ?? '' }
  }
  return { kind: 'text', text: raw } // shown as text, escaped by the serializer
}

/** Inline HTML never stays HTML: an allowed tag in the middle of a line would not parse back the same. */
function inlineHtml(node: Html): Text[] {
  return htmlPieces(node.value).map((piece) => text(piece.kind === 'text' ? piece.text : piece.html))
}

/** A block of HTML becomes one html node per allowed tag, and paragraphs of escaped text between them. */
function blockHtml(node: Html): RootContent[] {
  const blocks: RootContent[] = []
  let pending = ''
  const flush = () => {
    // HTML collapses whitespace anyway; collapsing here keeps the paragraph stable when re-parsed.
    const value = pending.replace(/\s+/g, ' ').trim()
    if (value !== '') blocks.push({ type: 'paragraph', children: finishPhrasing([text(value)]) })
    pending = ''
  }
  for (const piece of htmlPieces(node.value)) {
    if (piece.kind === 'text') {
      pending += piece.text
    } else {
      flush()
      blocks.push({ type: 'html', value: piece.html })
    }
  }
  flush()
  return blocks
}

const DISCLOSURE_TAG = /^<(\/?)(details|summary)\b/

/**
 * Drops closing tags that close nothing and closes what stays open at the end of the parent, so that
 * untrusted HTML cannot swallow the rest of the comment into a collapsed section.
 */
function balanceDisclosures(children: Nodes[]): Nodes[] {
  const open: string[] = []
  const balanced = children.filter((child) => {
    const tag = child.type === 'html' ? DISCLOSURE_TAG.exec(child.value) : null
    if (!tag) return true
    const name = tag[2] ?? ''
    if (tag[1] !== '/') {
      open.push(name)
      return true
    }
    if (open.at(-1) !== name) return false
    open.pop()
    return true
  })
  for (const name of open.reverse()) balanced.push({ type: 'html', value: `</${name}>` })
  return balanced
}

function isEmptyParagraph(node: Nodes): boolean {
  return node.type === 'paragraph' && node.children.length === 0
}

// ---------------------------------------------------------------------------------------------------
// Text: mentions, bare URLs, closing keywords, the marker

/**
 * A run of non-blank characters that GitHub could turn into something live: a mention (`@user`,
 * `@org/team`), an e-mail or a bare URL (GFM autolink literals: `www.`, `http(s)://`, `mailto:`,
 * `xmpp:`). Such runs become inline code, where GitHub links and notifies nothing.
 */
const LIVE_RUN = /:\/\/|www\.|@[A-Za-z0-9]|mailto:|xmpp:/i
const RUN = /\S+/g
const LEADING_PUNCTUATION = /^[("'[]+/
const TRAILING_PUNCTUATION = /[.,:;!?)"'\]]+$/

/**
 * GitHub closes an issue when a closing keyword is followed (after `:` and blanks) by `#N`, `GH-N`,
 * `owner/repo#N` or an issue URL. A keyword that ends its text node counts too: the reference may be
 * the next node (a link, emphasis, …).
 */
const CLOSING_KEYWORD = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b(?=[\s:]*(?:#|gh-|[\w.-]+\/[\w.-]+#|https?:|www\.|$))/gi

type Span = [start: number, end: number]

function finishPhrasing(children: PhrasingContent[]): PhrasingContent[] {
  const merged: PhrasingContent[] = []
  for (const child of children) {
    const previous = merged.at(-1)
    // Text that was split by a removed link, image or tag is checked as the reader will see it.
    if (child.type === 'text' && previous?.type === 'text') merged[merged.length - 1] = text(previous.value + child.value)
    else merged.push(child)
  }
  const neutralized = merged.flatMap((child) => (child.type === 'text' ? neutralizeText(child.value) : [child]))
  const result: PhrasingContent[] = []
  for (const child of neutralized) {
    const previous = result.at(-1)
    if (child.type === 'text' && child.value === '') continue
    // Two code spans side by side would serialize as one run of backticks and parse back differently.
    if (child.type === 'inlineCode' && previous?.type === 'inlineCode') {
      result[result.length - 1] = inlineCode(previous.value + child.value)
    } else {
      result.push(child)
    }
  }
  return result
}

function inlineCode(value: string): InlineCode {
  return { type: 'inlineCode', value: breakMarker(value) }
}

/**
 * Every pattern below needs an ASCII letter, `@` or `:` (the regexes are not Unicode-aware, so `i` folds
 * only ASCII): text without one, like the separators between thousands of file names, has nothing to find.
 */
const MAY_BE_LIVE = /[A-Za-z@:]/

function neutralizeText(value: string): PhrasingContent[] {
  if (!MAY_BE_LIVE.test(value)) return [text(value)]
  const spans: Span[] = []
  for (const match of value.matchAll(CLOSING_KEYWORD)) spans.push([match.index, match.index + match[0].length])
  for (const match of value.matchAll(RUN)) {
    if (!LIVE_RUN.test(match[0])) continue
    const lead = LEADING_PUNCTUATION.exec(match[0])?.[0].length ?? 0
    const trail = TRAILING_PUNCTUATION.exec(match[0].slice(lead))?.[0].length ?? 0
    const core = match[0].slice(lead, match[0].length - trail)
    // Trimming must not trim the hazard away (`mailto:` → `mailto`); then the whole run goes.
    spans.push(
      LIVE_RUN.test(core)
        ? [match.index + lead, match.index + match[0].length - trail]
        : [match.index, match.index + match[0].length]
    )
  }
  let merged = mergeSpans(spans)
  // A keyword left right before a code span ends its text node once split, as in "resolved:`Fixes` #1";
  // it is treated like any keyword at the end of a node.
  for (;;) {
    const before = merged.flatMap(([start]): Span[] => {
      const gapStart = merged.filter((span) => span[1] <= start).reduce((end, span) => Math.max(end, span[1]), 0)
      const keyword = KEYWORD_AT_END.exec(value.slice(gapStart, start))
      return keyword ? [[gapStart + keyword.index, gapStart + keyword.index + (keyword[1] ?? '').length]] : []
    })
    if (before.length === 0) break
    merged = mergeSpans([...merged, ...before])
  }
  if (merged.length === 0) return [text(breakMarker(value))]
  const nodes: PhrasingContent[] = []
  let cursor = 0
  for (const [start, end] of merged) {
    nodes.push(text(breakMarker(value.slice(cursor, start))), inlineCode(value.slice(start, end)))
    cursor = end
  }
  nodes.push(text(breakMarker(value.slice(cursor))))
  return nodes
}

const KEYWORD_AT_END = /\b(close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b[\s:]*$/i

/** Sorted, with overlapping and touching spans joined: two code spans side by side would read as one fence. */
function mergeSpans(spans: readonly Span[]): Span[] {
  const merged: Span[] = []
  for (const [start, end] of [...spans].sort((a, b) => a[0] - b[0])) {
    const last = merged.at(-1)
    if (last && start <= last[1]) last[1] = Math.max(last[1], end)
    else merged.push([start, end])
  }
  return merged
}

const MARKER = new RegExp(MARKER_TAG.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi')

function containsMarker(value: string): boolean {
  return value.search(MARKER) !== -1
}

/**
 * A look-alike hyphen (U+2011, visible, not stripped as invisible) turns a copy of the marker into
 * text that no longer matches it, so a marker in the published body can only come from us.
 */
function breakMarker(value: string): string {
  return value.replace(MARKER, (match) => match.replaceAll('-', '\u2011'))
}

function breakMarkerInCode(node: Code): Code {
  return {
    ...node,
    value: breakMarker(node.value),
    lang: node.lang == null ? node.lang : breakMarker(node.lang),
    meta: node.meta == null ? node.meta : breakMarker(node.meta)
  }
}

/** In a URL the hyphen is percent-encoded instead: the link still leads to the same page. */
function breakMarkerInUrl(url: string): string {
  return url.replace(MARKER, (match) => match.replaceAll('-', '%2D'))
}
