export const id = 295;
export const ids = [295];
export const modules = {

/***/ 6288:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   _: () => (/* binding */ stripInvisible)
/* harmony export */ });
/**
 * Invisible characters, shared by prompt building and sanitizing. Kept apart from sanitize.ts so that
 * building a prompt does not load the markdown parser.
 */
// Zero-width and bidi characters, Unicode tags (U+E0000–E007F) and other invisible format characters
// (\p{Cf}), C0/C1 controls other than tab and line endings, and blank "letters" (Hangul fillers,
// variation selectors) that render as nothing but can hide text from a reviewer or steer a model.
const INVISIBLE = /(?![\t\n\r])[\p{Cc}\p{Cf}\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180F\u3164\uFE00-\uFE0F\uFFA0\u{E0000}-\u{E007F}\u{E0100}-\u{E01EF}]/gu;
/** Removes invisible characters (zero-width, bidi controls, Unicode tags, other format characters). */
function stripInvisible(text) {
    let removed = 0;
    const stripped = text.replace(INVISIBLE, () => {
        removed++;
        return '';
    });
    return { text: stripped, removed };
}


/***/ }),

/***/ 1295:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  DEFAULT_RENDER_LIMIT: () => (/* binding */ DEFAULT_RENDER_LIMIT),
  filesViewUrl: () => (/* binding */ filesViewUrl),
  renderSummary: () => (/* binding */ renderSummary)
});

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: ./node_modules/unist-util-visit/lib/index.js
var lib = __webpack_require__(3617);
// EXTERNAL MODULE: ./src/invisible.ts
var invisible = __webpack_require__(6288);
// EXTERNAL MODULE: ./node_modules/remark-gfm/lib/index.js + 18 modules
var remark_gfm_lib = __webpack_require__(8526);
// EXTERNAL MODULE: ./node_modules/remark-parse/lib/index.js + 39 modules
var remark_parse_lib = __webpack_require__(6753);
// EXTERNAL MODULE: ./node_modules/remark-stringify/lib/index.js + 11 modules
var remark_stringify_lib = __webpack_require__(3996);
// EXTERNAL MODULE: ./node_modules/unified/lib/index.js + 7 modules
var unified_lib = __webpack_require__(1519);
// EXTERNAL MODULE: ./src/marker.ts
var marker = __webpack_require__(5033);
;// CONCATENATED MODULE: ./src/sanitize.ts







/**
 * GitHub rejects longer issue comment and PR bodies with 422 "body is too long (maximum is 65536
 * characters)" (REST API: issues/comments, pulls).
 */
const GITHUB_COMMENT_LIMIT = 65_536;
const processor = (0,unified_lib/* unified */.l)()
    .use(remark_parse_lib/* default */.A)
    // Unaligned tables: each row's length then depends on its own cells only, which keeps long tables compact.
    .use(remark_gfm_lib/* default */.A, { tablePipeAlign: false })
    .use(remark_stringify_lib/* default */.A, { bullet: '-', emphasis: '_', strong: '*', fence: '`', fences: true, rule: '-' });
/** Markdown → mdast, with GitHub's extensions (tables, autolink literals, strikethrough, footnotes). */
function parseMarkdown(markdown) {
    return processor.parse(markdown);
}
/** mdast → markdown, in the one style this action publishes. */
function stringifyMarkdown(tree) {
    return processor.stringify(tree);
}
/** Sanitizes untrusted markdown; see the module comment for the rules. Idempotent. */
function sanitizeMarkdown(markdown, options) {
    const tree = parseMarkdown(stripInvisible(markdown).text);
    sanitizeTree(tree, options);
    return stringifyMarkdown(tree);
}
/**
 * Sanitizes a parsed tree in place (for callers that assemble trees, like render.ts). Nodes added to
 * the tree afterwards are not checked.
 */
function sanitizeTree(tree, options) {
    stripInvisibleInTree(tree);
    const definitions = new Map();
    (0,lib/* visit */.YR)(tree, 'definition', (definition) => {
        // CommonMark: the first definition of a label wins.
        if (!definitions.has(definition.identifier))
            definitions.set(definition.identifier, definition);
    });
    transformChildren(tree, { host: hostOf(options.serverUrl), definitions });
}
/** Length in Unicode code points, the unit GitHub's body limit counts. */
function codePointLength(text) {
    let length = 0;
    for (const _ of text)
        length++;
    return length;
}
function hostOf(serverUrl) {
    try {
        return new URL(serverUrl).host;
    }
    catch {
        return undefined; // no valid server URL: no link is allowed at all
    }
}
const STRING_FIELDS = ['value', 'url', 'alt', 'title', 'lang', 'meta', 'label', 'identifier'];
/** Character references (`&#x200B;`) are decoded by the parser, so stripping the source is not enough. */
function stripInvisibleInTree(tree) {
    (0,lib/* visit */.YR)(tree, (node) => {
        const fields = node;
        for (const field of STRING_FIELDS) {
            const value = fields[field];
            if (typeof value === 'string')
                fields[field] = (0,invisible/* stripInvisible */._)(value).text;
        }
    });
}
const PHRASING_PARENTS = new Set(['paragraph', 'heading', 'tableCell', 'emphasis', 'strong', 'delete', 'link']);
function transformChildren(parent, context) {
    const children = parent.children.flatMap((child) => transformNode(child, parent, context));
    if (PHRASING_PARENTS.has(parent.type)) {
        parent.children = finishPhrasing(children);
    }
    else {
        parent.children = balanceDisclosures(children.filter((child) => !isEmptyParagraph(child)));
    }
    // HTML in a tight list item would swallow the next line when re-parsed; a loose item keeps blank lines.
    if (parent.type === 'listItem' && parent.children.length > 1 && parent.children.some((child) => child.type === 'html'))
        parent.spread = true;
    if (parent.type === 'list' && parent.children.some((item) => item.spread))
        parent.spread = true;
}
function transformNode(node, parent, context) {
    switch (node.type) {
        case 'definition':
            return [];
        case 'image':
        case 'imageReference':
            return [sanitize_text(node.alt ?? '')];
        case 'linkReference': {
            const definition = context.definitions.get(node.identifier);
            const link = { type: 'link', url: definition?.url ?? '', children: node.children };
            return transformNode(link, parent, context);
        }
        case 'link': {
            if (isAutolinkToHost(node, context))
                return [{ ...node, title: null }];
            transformChildren(node, context);
            if (!isAllowedUrl(node.url, context))
                return node.children;
            return [{ ...node, url: breakMarkerInUrl(node.url), title: null }];
        }
        case 'html':
            return PHRASING_PARENTS.has(parent.type) ? inlineHtml(node) : blockHtml(node);
        case 'code':
            return [breakMarkerInCode(node)];
        case 'inlineCode':
            return [{ ...node, value: breakMarker(node.value) }];
        case 'footnoteReference':
        case 'footnoteDefinition':
            // Labels are not shown (GitHub numbers footnotes), but they are in the markdown text.
            node.identifier = breakMarker(node.identifier);
            if (node.label)
                node.label = breakMarker(node.label);
            if (node.type === 'footnoteDefinition')
                transformChildren(node, context);
            return [node];
        default:
            if ('children' in node)
                transformChildren(node, context);
            return [node];
    }
}
function sanitize_text(value) {
    return { type: 'text', value };
}
function isAllowedUrl(url, context) {
    let parsed;
    try {
        parsed = new URL(url);
    }
    catch {
        return false; // relative, or not a URL
    }
    return ((parsed.protocol === 'https:' || parsed.protocol === 'http:') &&
        parsed.host === context.host &&
        parsed.username === '' &&
        parsed.password === '');
}
/** A bare URL to our host (`<https://github.com/o/r>`): its text is the validated URL itself. */
function isAutolinkToHost(link, context) {
    const [only, ...rest] = link.children;
    return (rest.length === 0 &&
        only?.type === 'text' &&
        only.value === link.url &&
        !only.value.includes('@') &&
        !KEYWORD_AT_END.test(only.value) &&
        !containsMarker(link.url) &&
        isAllowedUrl(link.url, context));
}
// ---------------------------------------------------------------------------------------------------
// Raw HTML
const ALLOWED_TAGS = new Set(['details', 'summary']);
// One HTML piece: a comment, a declaration / CDATA, a processing instruction, or a tag (quoted attribute
// values may hold `>`). Only ever applied to the value of a single html node.
const HTML_PIECE = /<!--[\s\S]*?(?:-->|$)|<![\s\S]*?(?:>|$)|<\?[\s\S]*?(?:\?>|$)|<\/?[A-Za-z][A-Za-z0-9-]*(?:[^>"']|"[^"]*"|'[^']*')*>?/g;
const TAG_NAME = /^<(\/?)([A-Za-z][A-Za-z0-9-]*)/;
const OPEN_ATTRIBUTE = /\sopen(?=[\s=/>]|$)/i;
const ALT_ATTRIBUTE = /\salt\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/i;
function htmlPieces(value) {
    const pieces = [];
    let last = 0;
    for (const match of value.matchAll(HTML_PIECE)) {
        if (match.index > last)
            pieces.push({ kind: 'text', text: value.slice(last, match.index) });
        last = match.index + match[0].length;
        const piece = classifyPiece(match[0]);
        if (piece)
            pieces.push(piece);
    }
    if (last < value.length)
        pieces.push({ kind: 'text', text: value.slice(last) });
    return pieces;
}
function classifyPiece(raw) {
    const tag = TAG_NAME.exec(raw);
    if (!tag)
        return undefined; // comment, declaration, processing instruction: dropped
    const closing = tag[1] === '/';
    const name = (tag[2] ?? '').toLowerCase();
    if (ALLOWED_TAGS.has(name)) {
        const html = closing ? `</${name}>` : name === 'details' && OPEN_ATTRIBUTE.test(raw) ? '<details open>' : `<${name}>`;
        return { kind: 'allowed', html };
    }
    if (name === 'img') {
        const alt = ALT_ATTRIBUTE.exec(raw);
        return { kind: 'text', text: alt?.[1] ?? alt?.[2] ?? alt?.[3] ?? '' };
    }
    return { kind: 'text', text: raw }; // shown as text, escaped by the serializer
}
/** Inline HTML never stays HTML: an allowed tag in the middle of a line would not parse back the same. */
function inlineHtml(node) {
    return htmlPieces(node.value).map((piece) => sanitize_text(piece.kind === 'text' ? piece.text : piece.html));
}
/** A block of HTML becomes one html node per allowed tag, and paragraphs of escaped text between them. */
function blockHtml(node) {
    const blocks = [];
    let pending = '';
    const flush = () => {
        // HTML collapses whitespace anyway; collapsing here keeps the paragraph stable when re-parsed.
        const value = pending.replace(/\s+/g, ' ').trim();
        if (value !== '')
            blocks.push({ type: 'paragraph', children: finishPhrasing([sanitize_text(value)]) });
        pending = '';
    };
    for (const piece of htmlPieces(node.value)) {
        if (piece.kind === 'text') {
            pending += piece.text;
        }
        else {
            flush();
            blocks.push({ type: 'html', value: piece.html });
        }
    }
    flush();
    return blocks;
}
const DISCLOSURE_TAG = /^<(\/?)(details|summary)\b/;
/**
 * Drops closing tags that close nothing and closes what stays open at the end of the parent, so that
 * untrusted HTML cannot swallow the rest of the comment into a collapsed section.
 */
function balanceDisclosures(children) {
    const open = [];
    const balanced = children.filter((child) => {
        const tag = child.type === 'html' ? DISCLOSURE_TAG.exec(child.value) : null;
        if (!tag)
            return true;
        const name = tag[2] ?? '';
        if (tag[1] !== '/') {
            open.push(name);
            return true;
        }
        if (open.at(-1) !== name)
            return false;
        open.pop();
        return true;
    });
    for (const name of open.reverse())
        balanced.push({ type: 'html', value: `</${name}>` });
    return balanced;
}
function isEmptyParagraph(node) {
    return node.type === 'paragraph' && node.children.length === 0;
}
// ---------------------------------------------------------------------------------------------------
// Text: mentions, bare URLs, closing keywords, the marker
/**
 * A run of non-blank characters that GitHub could turn into something live: a mention (`@user`,
 * `@org/team`), an e-mail or a bare URL (GFM autolink literals: `www.`, `http(s)://`, `mailto:`,
 * `xmpp:`). Such runs become inline code, where GitHub links and notifies nothing.
 */
const LIVE_RUN = /:\/\/|www\.|@[A-Za-z0-9]|mailto:|xmpp:/i;
const RUN = /\S+/g;
const LEADING_PUNCTUATION = /^[("'[]+/;
const TRAILING_PUNCTUATION = /[.,:;!?)"'\]]+$/;
/**
 * GitHub closes an issue when a closing keyword is followed (after `:` and blanks) by `#N`, `GH-N`,
 * `owner/repo#N` or an issue URL. A keyword that ends its text node counts too: the reference may be
 * the next node (a link, emphasis, …).
 */
const CLOSING_KEYWORD = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b(?=[\s:]*(?:#|gh-|[\w.-]+\/[\w.-]+#|https?:|www\.|$))/gi;
function finishPhrasing(children) {
    const merged = [];
    for (const child of children) {
        const previous = merged.at(-1);
        // Text that was split by a removed link, image or tag is checked as the reader will see it.
        if (child.type === 'text' && previous?.type === 'text')
            merged[merged.length - 1] = sanitize_text(previous.value + child.value);
        else
            merged.push(child);
    }
    const neutralized = merged.flatMap((child) => (child.type === 'text' ? neutralizeText(child.value) : [child]));
    const result = [];
    for (const child of neutralized) {
        const previous = result.at(-1);
        if (child.type === 'text' && child.value === '')
            continue;
        // Two code spans side by side would serialize as one run of backticks and parse back differently.
        if (child.type === 'inlineCode' && previous?.type === 'inlineCode') {
            result[result.length - 1] = inlineCode(previous.value + child.value);
        }
        else {
            result.push(child);
        }
    }
    return result;
}
function inlineCode(value) {
    return { type: 'inlineCode', value: breakMarker(value) };
}
function neutralizeText(value) {
    const spans = [];
    for (const match of value.matchAll(CLOSING_KEYWORD))
        spans.push([match.index, match.index + match[0].length]);
    for (const match of value.matchAll(RUN)) {
        if (!LIVE_RUN.test(match[0]))
            continue;
        const lead = LEADING_PUNCTUATION.exec(match[0])?.[0].length ?? 0;
        const trail = TRAILING_PUNCTUATION.exec(match[0].slice(lead))?.[0].length ?? 0;
        const core = match[0].slice(lead, match[0].length - trail);
        // Trimming must not trim the hazard away (`mailto:` → `mailto`); then the whole run goes.
        spans.push(LIVE_RUN.test(core) ? [match.index + lead, match.index + match[0].length - trail] : [match.index, match.index + match[0].length]);
    }
    let merged = mergeSpans(spans);
    // A keyword left right before a code span ends its text node once split, as in "resolved:`Fixes` #1";
    // it is treated like any keyword at the end of a node.
    for (;;) {
        const before = merged.flatMap(([start]) => {
            const gapStart = merged.filter((span) => span[1] <= start).reduce((end, span) => Math.max(end, span[1]), 0);
            const keyword = KEYWORD_AT_END.exec(value.slice(gapStart, start));
            return keyword ? [[gapStart + keyword.index, gapStart + keyword.index + (keyword[1] ?? '').length]] : [];
        });
        if (before.length === 0)
            break;
        merged = mergeSpans([...merged, ...before]);
    }
    if (merged.length === 0)
        return [sanitize_text(breakMarker(value))];
    const nodes = [];
    let cursor = 0;
    for (const [start, end] of merged) {
        nodes.push(sanitize_text(breakMarker(value.slice(cursor, start))), inlineCode(value.slice(start, end)));
        cursor = end;
    }
    nodes.push(sanitize_text(breakMarker(value.slice(cursor))));
    return nodes;
}
const KEYWORD_AT_END = /\b(close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b[\s:]*$/i;
/** Sorted, with overlapping and touching spans joined: two code spans side by side would read as one fence. */
function mergeSpans(spans) {
    const merged = [];
    for (const [start, end] of [...spans].sort((a, b) => a[0] - b[0])) {
        const last = merged.at(-1);
        if (last && start <= last[1])
            last[1] = Math.max(last[1], end);
        else
            merged.push([start, end]);
    }
    return merged;
}
const MARKER = new RegExp(marker/* MARKER_TAG */.oh.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi');
function containsMarker(value) {
    return value.search(MARKER) !== -1;
}
/**
 * A look-alike hyphen (U+2011, visible, not stripped as invisible) turns a copy of the marker into
 * text that no longer matches it, so a marker in the published body can only come from us.
 */
function breakMarker(value) {
    return value.replace(MARKER, (match) => match.replaceAll('-', '\u2011'));
}
function breakMarkerInCode(node) {
    return {
        ...node,
        value: breakMarker(node.value),
        lang: node.lang == null ? node.lang : breakMarker(node.lang),
        meta: node.meta == null ? node.meta : breakMarker(node.meta)
    };
}
/** In a URL the hyphen is percent-encoded instead: the link still leads to the same page. */
function breakMarkerInUrl(url) {
    return url.replace(MARKER, (match) => match.replaceAll('-', '%2D'));
}

;// CONCATENATED MODULE: ./src/render.ts
/**
 * The markdown reviewers see: summary, key changes by area, a collapsible walkthrough, risks, coverage
 * and a footer. Built as an mdast tree; every piece that came from the PR or the model is sanitized
 * (src/sanitize.ts) as a unit before it is placed, and the result is cut to fit GitHub's body limit.
 */




/**
 * Default size of a rendered summary: under GITHUB_COMMENT_LIMIT with room for our marker line
 * (~110 characters) or the description section's start/end markers, and for any difference in how
 * GitHub counts characters.
 */
const DEFAULT_RENDER_LIMIT = GITHUB_COMMENT_LIMIT - 5_536; // 60,000
/** Lists longer than this go into a collapsed <details> section. */
const COLLAPSE_AFTER = 10;
/** Model texts are shortened to name every file, but not below this many code points each. */
const MIN_TEXT_CAP = 2_000;
const REASONS = {
    excluded: 'excluded by include/exclude',
    binary: 'binary',
    'too-large': 'too large for a GitHub diff',
    budget: 'over max-input-tokens',
    'call-cap': 'over max-model-calls'
};
/** Link to a file in the PR's "Files changed" view; GitHub anchors each file at `diff-<sha256 of its path>`. */
function filesViewUrl(context, path) {
    const server = context.serverUrl.replace(/\/+$/, '');
    const anchor = (0,external_node_crypto_.createHash)('sha256').update(path, 'utf8').digest('hex');
    return `${server}/${encodeURIComponent(context.owner)}/${encodeURIComponent(context.repo)}/pull/${context.number}/files#diff-${anchor}`;
}
/**
 * The published markdown for a summarize outcome: sanitized, never empty, and at most `context.limit`
 * code points. When too long, the file lists lose their tails first (the walkthrough, and the
 * files not summarized when that list is as long), then every model-written text is shortened; each
 * cut says so.
 */
function renderSummary(outcome, context) {
    const limit = context.limit ?? DEFAULT_RENDER_LIMIT;
    const walkthroughTotal = outcome.doc ? outcome.coverage.summarized.length : 0;
    const notes = [...outcome.coverage.excluded, ...outcome.coverage.omitted];
    // Rows that cannot fit are never built (a PR may have thousands of files).
    const buildable = rowBound(outcome, context, limit);
    const walkthrough = outcome.doc ? walkthroughRows(outcome.doc, outcome.coverage, context, buildable) : [];
    const coverage = coverageLine(outcome.coverage, context);
    const closing = footer(outcome.usage, context);
    const fits = (markdown) => codePointLength(markdown) <= limit;
    // `rows`: walkthrough files with their link and summary; `named`: walkthrough files named at all
    // (the rest of them by name only); `listed`: files not summarized that are named with their reason.
    const uncapped = mainSections(outcome, Infinity, context);
    const compose = (cap, rows, named, listed) => {
        const main = cap === Infinity ? uncapped : mainSections(outcome, cap, context);
        const shown = Math.min(rows, walkthroughTotal);
        const alsoChanged = outcome.doc ? outcome.coverage.summarized.slice(shown, Math.max(shown, named)) : [];
        return stringifyMarkdown({
            type: 'root',
            children: [
                ...main.lead,
                ...(cap === Infinity ? [] : [italicNote("Parts of the model's text were shortened to fit GitHub's comment size limit.")]),
                ...walkthroughSection(walkthrough, walkthroughTotal, shown, alsoChanged, context),
                ...main.risks,
                ...coverage,
                ...notSummarizedSection(notes, listed, context),
                ...closing
            ]
        });
    };
    const all = (rows) => compose(Infinity, rows, walkthroughTotal, notes.length);
    if (buildable === walkthroughTotal) {
        const full = all(walkthroughTotal);
        if (fits(full))
            return full;
    }
    // Every file named: as many as fit with their link and summary, the rest by name only.
    const rows = largestFitting(Math.min(buildable, walkthroughTotal), (rows) => fits(all(rows)));
    if (rows !== undefined)
        return all(rows);
    // Still every file named, the model's texts shortened to make room (never below MIN_TEXT_CAP).
    const textCap = largestFitting(Math.min(longestText(outcome), limit), (cap) => fits(compose(cap, 0, walkthroughTotal, notes.length)));
    if (textCap !== undefined && textCap >= MIN_TEXT_CAP)
        return compose(textCap, 0, walkthroughTotal, notes.length);
    // Too many files to name them all: per-file summaries are worth more than bare names then, so as
    // many rows as fit (each list gets as many), and a count of the rest.
    const some = (n) => compose(Infinity, n, n, Math.min(n, notes.length));
    const shown = largestFitting(Math.max(Math.min(buildable, walkthroughTotal), notes.length), (n) => fits(some(n)));
    if (shown !== undefined)
        return some(shown);
    const cap = largestFitting(Math.min(longestText(outcome), limit), (cap) => fits(compose(cap, 0, 0, 0)));
    if (cap !== undefined)
        return compose(cap, 0, 0, 0);
    return tooLong(outcome, context, limit);
}
/**
 * More walkthrough rows than this cannot fit, since each holds at least its file name and its link;
 * it keeps the search short for PRs with thousands of files.
 */
function rowBound(outcome, context, limit) {
    if (!outcome.doc)
        return 0;
    let total = 0;
    for (const [row, path] of outcome.coverage.summarized.entries()) {
        total += codePointLength((0,invisible/* stripInvisible */._)(path).text) + filesViewUrl(context, path).length;
        if (total > limit)
            return row;
    }
    return outcome.coverage.summarized.length;
}
/** The largest n in [0, max] for which fits(n) holds, assuming it holds for every smaller n too. */
function largestFitting(max, fits) {
    if (!fits(0))
        return undefined;
    let low = 0;
    let high = max;
    while (low < high) {
        const mid = Math.ceil((low + high) / 2);
        if (fits(mid))
            low = mid;
        else
            high = mid - 1;
    }
    return low;
}
// ---------------------------------------------------------------------------------------------------
// Sections 1–4: the summary itself
/** Sections 1–2 (`lead`) and 4 (`risks`), around the walkthrough; or the fallback markdown / notice. */
function mainSections(outcome, cap, context) {
    if (outcome.doc) {
        const { doc } = outcome;
        const risks = doc.risks.filter((risk) => risk.trim() !== '');
        return {
            lead: [heading(2, 'Summary'), ...untrustedBlocks(doc.overview, cap, context), ...keyChanges(doc, cap, context)],
            risks: risks.length > 0 ? [heading(2, 'Risks and notes'), bulletList(risks.map((risk) => listItem(untrustedBlocks(risk, cap, context))))] : []
        };
    }
    const fallback = untrustedBlocks(outcome.markdown ?? '', cap, context);
    if (fallback.length > 0)
        return { lead: fallback, risks: [] };
    const notice = outcome.notice?.trim() ? outcome.notice : 'No summary was produced for this pull request.';
    return { lead: [heading(2, 'Summary'), ...untrustedBlocks(notice, cap, context)], risks: [] };
}
function keyChanges(doc, cap, context) {
    // The model may name an area twice; reviewers expect one group per area.
    const areas = new Map();
    for (const change of doc.changes) {
        const points = change.points.filter((point) => point.trim() !== '');
        if (points.length === 0)
            continue;
        const area = change.area.trim() || 'Other';
        areas.set(area, [...(areas.get(area) ?? []), ...points]);
    }
    if (areas.size === 0)
        return [];
    return [
        heading(2, 'Key changes'),
        ...[...areas].flatMap(([area, points]) => [
            { type: 'heading', depth: 3, children: untrustedPhrasing(area, cap, context) },
            bulletList(points.map((point) => listItem(untrustedBlocks(point, cap, context))))
        ])
    ];
}
/** One table row per file the model saw, with the model's line about it when it wrote one. */
function walkthroughRows(doc, coverage, context, upTo) {
    const summaries = new Map(doc.files.map((file) => [file.path, file.summary]));
    const compressed = new Set(coverage.compressed);
    return coverage.summarized.slice(0, upTo).map((path) => {
        const summary = untrustedPhrasing(summaries.get(path) ?? '', Infinity, context);
        const note = compressed.has(path) ? [render_text(' '), { type: 'emphasis', children: [render_text('(compressed diff)')] }] : [];
        return {
            type: 'tableRow',
            children: [
                { type: 'tableCell', children: fileLink(path, context) },
                { type: 'tableCell', children: summary.length + note.length > 0 ? [...summary, ...note] : [render_text('—')] }
            ]
        };
    });
}
function walkthroughSection(rows, total, shown, alsoChanged, context) {
    if (total === 0)
        return [];
    const named = shown + alsoChanged.length;
    if (named === 0)
        return [italicNote(`Walkthrough of ${count(total)} ${plural(total, 'file')} not shown: the summary is too long.`)];
    const header = { type: 'tableRow', children: [{ type: 'tableCell', children: [render_text('File')] }, { type: 'tableCell', children: [render_text('Summary')] }] };
    const table = shown > 0 ? [{ type: 'table', align: [null, null], children: [header, ...rows.slice(0, shown)] }] : [];
    const compact = alsoChanged.length > 0
        ? [sanitizedParagraph([{ type: 'strong', children: [render_text(shown > 0 ? 'Also changed:' : 'Files:')] }, ...alsoChanged.flatMap((path, index) => [render_text(index === 0 ? ' ' : ', '), inlineCodePath(path)])], context)]
        : [];
    return [
        html(`<details>\n<summary>Walkthrough (${count(total)} ${plural(total, 'file')})</summary>`),
        ...table,
        ...compact,
        ...moreNote(total - named, 'file'),
        html('</details>')
    ];
}
// ---------------------------------------------------------------------------------------------------
// Sections 5–6: coverage and footer (numbers are ours; file names come from the PR)
function coverageLine(coverage, context) {
    let line = `Summarized ${count(coverage.summarized.length)} of ${count(coverage.filesTotal)} ${plural(coverage.filesTotal, 'file')}`;
    if (coverage.compressed.length > 0)
        line += ` (${count(coverage.compressed.length)} from a compressed diff)`;
    const byReason = new Map();
    for (const note of [...coverage.excluded, ...coverage.omitted])
        byReason.set(note.reason, (byReason.get(note.reason) ?? 0) + 1);
    // Counts by reason stay even when the list of names below has to be cut.
    const reasons = [...byReason].map(([reason, n]) => `${count(n)} ${REASONS[reason]}`);
    if (coverage.unlisted > 0)
        reasons.push(`${count(coverage.unlisted)} beyond GitHub's 3,000-file listing (never named by GitHub)`);
    if (reasons.length > 0)
        line += `. Not summarized: ${reasons.join(', ')}`;
    return [sanitizedParagraph([{ type: 'strong', children: [render_text('Coverage:')] }, render_text(` ${line}.`)], context)];
}
/**
 * Files not summarized, the first `listed` of them named with their +/- counts, grouped by reason;
 * collapsed when long, with a count of those that did not fit.
 */
function notSummarizedSection(notes, listed, context) {
    const total = notes.length;
    if (total === 0)
        return [];
    if (listed === 0)
        return [italicNote(`${count(total)} ${plural(total, 'file')} not summarized, not listed: the summary is too long.`)];
    const groups = new Map();
    for (const note of notes.slice(0, listed))
        groups.set(note.reason, [...(groups.get(note.reason) ?? []), note]);
    const paragraphs = [...groups].map(([reason, group]) => sanitizedParagraph([
        { type: 'strong', children: [render_text(`${capitalize(REASONS[reason])} (${count(group.length)}):`)] },
        ...group.flatMap((note, index) => [
            render_text(index === 0 ? ' ' : ', '),
            inlineCodePath(note.path),
            render_text(` (+${count(note.additions)}/−${count(note.deletions)})`)
        ])
    ], context));
    const body = [...paragraphs, ...moreNote(total - listed, 'file')];
    if (total <= COLLAPSE_AFTER)
        return body;
    return [html(`<details>\n<summary>Files not summarized (${count(total)})</summary>`), ...body, html('</details>')];
}
function footer(usage, context) {
    const calls = `${count(usage.modelCalls)} model ${plural(usage.modelCalls, 'call')}`;
    const tokens = `${count(usage.promptTokens)} prompt + ${count(usage.completionTokens)} completion tokens`;
    return [
        { type: 'thematicBreak' },
        sanitizedParagraph([
            { type: 'emphasis', children: [render_text('AI-generated: review before relying on it.')] },
            render_text(' Deployment '),
            { type: 'inlineCode', value: oneLine(context.deployment) },
            render_text(` · ${calls} · ${tokens} · ${oneLine(context.authLabel)}`)
        ], context)
    ];
}
/** Last resort when even one-character texts do not fit (a tiny `limit`): a plain, fixed sentence. */
function tooLong(outcome, context, limit) {
    const minimal = stringifyMarkdown({
        type: 'root',
        children: [heading(2, 'Summary'), paragraph([render_text(`The summary does not fit in ${count(limit)} characters.`)]), ...footer(outcome.usage, context)]
    });
    return Array.from(minimal).slice(0, limit).join('');
}
// ---------------------------------------------------------------------------------------------------
// Untrusted text → sanitized nodes
/** Cuts untrusted markdown to `cap` code points; the sanitizer then closes whatever the cut left open. */
function truncate(markdown, cap) {
    if (codePointLength(markdown) <= cap)
        return markdown;
    return `${Array.from(markdown).slice(0, cap).join('')}…`;
}
function untrustedBlocks(markdown, cap, context) {
    const tree = parseMarkdown(truncate(markdown, cap));
    sanitizeTree(tree, context);
    return tree.children;
}
/**
 * Untrusted markdown for a place that takes one line (a heading, a table cell). Anything beyond one
 * paragraph is flattened to its text first, then sanitized, so flattening cannot revive what the
 * sanitizer neutralized (code that held a mention, for instance).
 */
function untrustedPhrasing(markdown, cap, context) {
    const tree = parseMarkdown(truncate(markdown, cap));
    const [first, ...rest] = tree.children;
    const phrasing = first?.type === 'paragraph' && rest.length === 0 ? first.children : [render_text(plainText(tree))];
    (0,lib/* visit */.YR)({ type: 'paragraph', children: phrasing }, (node) => {
        // A table row or a heading ends at a line ending; collapse them to spaces.
        if (node.type === 'text' || node.type === 'inlineCode')
            node.value = node.value.replace(/\s+/g, ' ');
    });
    const lineBreaksAsSpaces = phrasing.map((node) => (node.type === 'break' ? render_text(' ') : node));
    return sanitizedParagraph(lineBreaksAsSpaces, context).children;
}
function plainText(tree) {
    const parts = [];
    (0,lib/* visit */.YR)(tree, (node) => {
        if (node.type === 'text' || node.type === 'inlineCode' || node.type === 'code')
            parts.push(node.value);
        else if (node.type === 'paragraph' || node.type === 'heading' || node.type === 'listItem')
            parts.push(' ');
    });
    return parts.join('').replace(/\s+/g, ' ').trim();
}
function sanitizedParagraph(children, context) {
    const tree = { type: 'root', children: [{ type: 'paragraph', children }] };
    sanitizeTree(tree, context);
    const [first] = tree.children;
    return first?.type === 'paragraph' ? first : paragraph([]);
}
function fileLink(path, context) {
    return sanitizedParagraph([{ type: 'link', url: filesViewUrl(context, path), children: [inlineCodePath(path)] }], context).children;
}
/**
 * A file name as inline code, whatever it holds: the serializer picks a long enough backtick fence and
 * escapes `|` in tables; control characters (a newline would end a table row) become their visible
 * Unicode pictures (U+2400 block).
 */
function inlineCodePath(path) {
    const visible = path.replace(/[\u0000-\u001f\u007f]/g, (c) => String.fromCodePoint(c === '\u007f' ? 0x2421 : 0x2400 + c.charCodeAt(0)));
    return { type: 'inlineCode', value: visible };
}
// ---------------------------------------------------------------------------------------------------
// Small builders
function render_text(value) {
    return { type: 'text', value };
}
function paragraph(children) {
    return { type: 'paragraph', children };
}
function heading(depth, value) {
    return { type: 'heading', depth, children: [render_text(value)] };
}
function html(value) {
    return { type: 'html', value };
}
function listItem(children) {
    return { type: 'listItem', spread: false, children: children };
}
function bulletList(items) {
    return { type: 'list', ordered: false, spread: false, children: items };
}
function moreNote(hidden, noun) {
    return hidden > 0 ? [italicNote(`… ${count(hidden)} more ${plural(hidden, noun)} not shown`)] : [];
}
function italicNote(value) {
    return paragraph([{ type: 'emphasis', children: [render_text(value)] }]);
}
/** Where the model's text can be shortened: the longest single text decides how far caps must go. */
function longestText(outcome) {
    const { doc } = outcome;
    const texts = doc
        ? [doc.overview, ...doc.risks, ...doc.changes.flatMap((change) => [change.area, ...change.points])]
        : [outcome.markdown ?? '', outcome.notice ?? ''];
    return Math.max(0, ...texts.map(codePointLength));
}
function oneLine(value) {
    return value.replace(/\s+/g, ' ').trim();
}
function count(n) {
    return n.toLocaleString('en-US');
}
function capitalize(value) {
    return value.charAt(0).toUpperCase() + value.slice(1);
}
function plural(n, noun) {
    return n === 1 ? noun : `${noun}s`;
}


/***/ })

};
