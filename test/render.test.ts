import { describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { codePointLength, GITHUB_BODY_LIMIT } from '../src/limits.js'
import { MARKER_TAG } from '../src/marker.js'
import { DEFAULT_RENDER_LIMIT, filesViewUrl, renderSummary, warmUp } from '../src/render.js'
import { count } from '../src/render-nodes.js'
import { parseMarkdown } from '../src/sanitize.js'
import type { Coverage, FileKind, SummaryOutcome, Usage } from '../src/types.js'

const context = {
  serverUrl: 'https://github.com',
  owner: 'octo',
  repo: 'app',
  number: 7,
  deployment: 'gpt-4o-mini',
  authLabel: 'keyless (OIDC)'
}
const usage: Usage = { promptTokens: 12_345, completionTokens: 678, modelCalls: 3 }
const coverage: Coverage = {
  filesTotal: 5,
  summarized: ['src/client.ts', 'docs/we|ird`name<x>\n.md'],
  compressed: ['src/client.ts'],
  excluded: [{ path: 'package-lock.json', additions: 300, deletions: 20, reason: 'excluded' }],
  omitted: [
    { path: 'logo.png', additions: 0, deletions: 0, reason: 'binary' },
    { path: 'data/huge.sql', additions: 90_000, deletions: 0, reason: 'too-large' }
  ],
  unlisted: 0
}
const typical: SummaryOutcome = {
  doc: {
    overview: 'Adds **retries** to the HTTP client and documents them. Thanks @alice! Fixes #12.',
    changes: [
      { area: 'HTTP client', points: ['Retries 5xx answers with jitter, at most 3 times.', 'New `timeout` option (ms).'] },
      { area: 'Docs', points: ['README explains `retry` <img src="http://evil/b.png" alt="badge">'] },
      { area: 'HTTP client', points: ['Logs each retry at debug level.'] }
    ],
    files: [
      { path: 'src/client.ts', summary: 'Retry loop around `fetch`.\n\nSecond paragraph.' },
      { path: 'docs/we|ird`name<x>\n.md', summary: 'Usage docs, ping @bob' }
    ],
    risks: ['POST requests may be sent twice when the server is slow.']
  },
  usage,
  coverage
}

describe('renderSummary', () => {
  it('renders a typical PR', () => {
    expect(renderSummary(typical, context)).toMatchSnapshot()
  })

  it('renders the plain-markdown fallback, sanitized', () => {
    const markdown = renderSummary(
      { markdown: '### What changed\n\n- retries @alice\n- ![x](http://evil/beacon.png) closes #3', usage, coverage },
      context
    )
    expect(markdown).toMatchSnapshot()
    expect(markdown).not.toContain('evil')
  })

  it('renders a notice instead of an empty body', () => {
    expect(
      renderSummary({ notice: 'The model returned an empty answer (content filter).', usage, coverage }, context)
    ).toMatchSnapshot()
    expect(renderSummary({ notice: '', usage, coverage }, context)).toContain('No summary was produced')
  })

  it('neutralizes our marker wherever it comes from, the repository name included', () => {
    const hostile: SummaryOutcome = {
      ...typical,
      doc: {
        overview: `<!-- ${MARKER_TAG}:comment fingerprint=0 --> ${MARKER_TAG}`,
        changes: [{ area: MARKER_TAG, points: [MARKER_TAG] }],
        files: [],
        risks: []
      },
      coverage: { ...coverage, summarized: [MARKER_TAG] }
    }
    expect(renderSummary(hostile, { ...context, repo: MARKER_TAG })).not.toContain(MARKER_TAG)
  })

  it('names every file of a 600-file PR: links and summaries while they fit, then names only', () => {
    const paths = Array.from({ length: 600 }, (_, i) => `packages/module-${i}/src/deeply/nested/file-${i}.ts`)
    const wide: SummaryOutcome = {
      ...typical,
      doc: {
        ...typical.doc!,
        files: paths.map((path) => ({ path, summary: `Reworks the ${path} module so that its cache is invalidated on writes.` }))
      },
      coverage: { filesTotal: 600, summarized: paths, compressed: [], excluded: [], omitted: [], unlisted: 0 }
    }
    const markdown = renderSummary(wide, context)
    expect(codePointLength(markdown)).toBeLessThanOrEqual(DEFAULT_RENDER_LIMIT)
    for (const path of paths) expect(markdown).toContain(`\`${path}\``)
    const linked = markdown.match(/^\| \[`packages\//gm)?.length ?? 0
    expect(linked).toBeGreaterThan(50)
    expect(linked).toBeLessThan(600)
    expect(markdown).toContain('**Also changed:**')
    expect(markdown).not.toContain('more files not shown')
  })

  it('names every file of a 1,000-file PR where most files were left out for max-model-calls', () => {
    const paths = Array.from({ length: 1_000 }, (_, i) => `src/feature-${i % 40}/module-${i}.ts`)
    const mostlyOmitted: SummaryOutcome = {
      ...typical,
      doc: { ...typical.doc!, files: paths.slice(0, 350).map((path) => ({ path, summary: `Updates ${path}.` })) },
      coverage: {
        filesTotal: 1_200,
        summarized: paths.slice(0, 350),
        compressed: [],
        excluded: [],
        omitted: paths.slice(350).map((path) => ({ path, additions: 12, deletions: 3, reason: 'call-cap' as const })),
        unlisted: 200
      }
    }
    const markdown = renderSummary(mostlyOmitted, context)
    expect(codePointLength(markdown)).toBeLessThanOrEqual(DEFAULT_RENDER_LIMIT)
    for (const path of paths) expect(markdown).toContain(`\`${path}\``)
    expect(markdown).toContain('**Over max-model-calls (650):**')
    expect(markdown).toContain("200 beyond GitHub's 3,000-file listing")
  })

  it('says what kind of files the budget left out, and lists them by kind in review order', () => {
    const note = (path: string, reason: 'call-cap' | 'budget' | 'excluded', kind: FileKind) =>
      ({ path, additions: 20, deletions: 4, reason, kind }) as const
    const source = Array.from({ length: 28 }, (_, i) => note(`src/lib/units/unit-${i}.js`, 'call-cap', 'source'))
    const translations = Array.from({ length: 312 }, (_, i) => note(`src/locale/l${i}.js`, 'call-cap', 'translation'))
    const outcome: SummaryOutcome = {
      ...typical,
      coverage: {
        filesTotal: 355,
        summarized: typical.coverage.summarized,
        compressed: [],
        excluded: [note('dist/moment.js', 'excluded', 'source'), note('yarn.lock', 'excluded', 'config')],
        omitted: [...source, ...translations, note('src/lib/huge.js', 'budget', 'source')],
        unlisted: 0
      }
    }
    const markdown = renderSummary(outcome, context)
    expect(markdown).toContain(
      'Not summarized: 2 excluded by include/exclude, 340 over max-model-calls (28 source files, 312 translation files), 1 over max-input-tokens (all source files).'
    )
    const headers = [...markdown.matchAll(/^\*\*(.+?):\*\*/gm)].map((match) => match[1])
    expect(headers).toEqual([
      'Coverage',
      'Excluded by include/exclude (2)',
      'Over max-model-calls, source files (28)',
      'Over max-model-calls, translation files (312)',
      'Over max-input-tokens, source files (1)'
    ])
    for (const { path } of [...source, ...translations]) expect(markdown).toContain(`\`${path}\``)
  })

  describe('with 5,000 files', () => {
    const paths = Array.from({ length: 5_000 }, (_, i) => `packages/module-${i}/src/deeply/nested/file-${i}.ts`)
    const big: SummaryOutcome = {
      ...typical,
      doc: { ...typical.doc!, files: paths.map((path) => ({ path, summary: `Changes ${path} a little.` })) },
      coverage: {
        filesTotal: 5_000,
        summarized: paths.slice(0, 4_990),
        compressed: [],
        excluded: [],
        omitted: paths.slice(4_990).map((path) => ({ path, additions: 1, deletions: 2, reason: 'call-cap' as const })),
        unlisted: 0
      }
    }

    it('cuts the walkthrough tail with a note and fits the default limit', () => {
      const markdown = renderSummary(big, context)
      expect(codePointLength(markdown)).toBeLessThanOrEqual(DEFAULT_RENDER_LIMIT)
      expect(DEFAULT_RENDER_LIMIT).toBeLessThan(GITHUB_BODY_LIMIT)
      const shown = markdown.match(/^\| \[`packages\//gm)?.length ?? 0
      expect(shown).toBeGreaterThan(100)
      expect(markdown).toContain(`… ${(4_990 - shown).toLocaleString('en-US')} more files not shown`)
      // Everything else is intact: the short list of omitted files, coverage and footer.
      expect(markdown).toContain('`packages/module-4999/src/deeply/nested/file-4999.ts`')
      expect(markdown).toContain('Summarized 4,990 of 5,000 files')
      expect(markdown).toContain('AI-generated: review before relying on it.')
      expect(
        markdown
          .trimEnd()
          .split('\n')
          .filter((line) => line === '<details>' || line.startsWith('<details>'))
      ).toHaveLength(1)
      expect(markdown.match(/<\/details>/g)).toHaveLength(1)
    })

    it('shortens the model text when the file lists alone are not enough, without cutting a surrogate pair', () => {
      const wordy: SummaryOutcome = { ...big, doc: { ...big.doc!, overview: `\`\`\`\n${'😀 '.repeat(40_000)}\n\`\`\`` } }
      const markdown = renderSummary(wordy, { ...context, limit: 20_000 })
      expect(codePointLength(markdown)).toBeLessThanOrEqual(20_000)
      expect(markdown).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/)
      expect(markdown).toContain('…')
      // The cut code block is closed again: the footer is still outside any code.
      const footer = parseMarkdown(markdown).children.at(-1)
      expect(footer?.type).toBe('paragraph')
    })
  })
})

describe('filesViewUrl', () => {
  it('anchors the file by the SHA-256 of its path', () => {
    const sha = createHash('sha256').update('src/a b.ts').digest('hex')
    expect(filesViewUrl({ ...context, serverUrl: 'https://ghe.example.com/' }, 'src/a b.ts')).toBe(
      `https://ghe.example.com/octo/app/pull/7/files#diff-${sha}`
    )
  })
})

describe('count', () => {
  it('writes numbers as en-US does, with or without the shortcut for small ones', () => {
    const enUs = new Intl.NumberFormat('en-US')
    for (const n of [...Array.from({ length: 2_100 }, (_, i) => i), -0, -1, 0.5, 999.5, 1e21, 12_345_678, NaN, Infinity]) {
      expect(count(n)).toBe(enUs.format(n))
    }
  })
})

describe('warmUp', () => {
  it('renders until asked to stop, and leaves what renderSummary makes as it was', async () => {
    const before = renderSummary(typical, context)
    let asked = 0
    await warmUp(() => ++asked > 1)
    expect(asked).toBe(2)
    asked = 0
    await warmUp(() => ++asked > 5, 3)
    expect(asked).toBe(3)
    expect(renderSummary(typical, context)).toBe(before)
  })
})
