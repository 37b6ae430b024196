import { beforeAll, describe, expect, it } from '@jest/globals'
import { fileSection } from '../src/prompt.js'
import {
  compressPatch,
  createExcludeFilter,
  DEFAULT_EXCLUDES,
  fileKind,
  GIANT_HUNK_LINES,
  refit,
  SECTION_OVERHEAD_TOKENS,
  selectFiles,
  type SelectOptions,
  trimToFit
} from '../src/select.js'
import { loadTokenizer, type Tokenizer } from '../src/tokens.js'
import type { ChangedFile, PullRequestData } from '../src/types.js'
import { pullRequestData } from './fixtures/pr.js'

let tokenizer: Tokenizer
beforeAll(async () => {
  tokenizer = await loadTokenizer()
})

function patchOf(lines: number, tag = 'x'): string {
  const body = Array.from({ length: lines }, (_, index) => `+const ${tag}${index} = compute(${index}, "${tag}")`)
  return [`@@ -0,0 +1,${lines} @@`, ...body].join('\n')
}

/** A changed file; `null` stands for "GitHub sent no patch". */
function file(filename: string, patch: string | null = patchOf(3), extra: Partial<ChangedFile> = {}): ChangedFile {
  const added = patch?.split('\n').filter((line) => line.startsWith('+')).length ?? 0
  const deleted = patch?.split('\n').filter((line) => line.startsWith('-')).length ?? 0
  return { filename, status: 'modified', additions: added, deletions: deleted, ...(patch === null ? {} : { patch }), ...extra }
}

function data(files: ChangedFile[], pr: Partial<PullRequestData['pr']> = {}, filesTruncated = false): PullRequestData {
  return pullRequestData(files, { pr, filesTruncated })
}

function options(overrides: Partial<SelectOptions> = {}): SelectOptions {
  return {
    include: [],
    exclude: [],
    maxModelCalls: 12,
    maxConcurrency: 32,
    singleCapacity: 20_000,
    mapCapacity: 20_000,
    render: fileSection,
    ...overrides
  }
}

describe('createExcludeFilter', () => {
  const excluded = createExcludeFilter([], [])

  it.each([
    'package-lock.json',
    'web/package-lock.json',
    'yarn.lock',
    'pnpm-lock.yaml',
    'bun.lockb',
    'Cargo.lock',
    'go.sum',
    'poetry.lock',
    'Pipfile.lock',
    'Gemfile.lock',
    'composer.lock',
    'src/App/packages.lock.json',
    'gradle.lockfile',
    'flake.lock',
    'public/app.min.js',
    'static/site.min.css',
    'out/app.js.map',
    'vendor/lib/a.go',
    'pkg/vendor/x.go',
    'node_modules/x/index.js',
    'third_party/zlib/zlib.c',
    'src/__generated__/schema.ts',
    'api/types.generated.ts',
    'api/v1/service.pb.go',
    'proto/service_pb2.py',
    'test/__snapshots__/render.test.ts.snap',
    'ui/Button.snap',
    'assets/logo.png',
    'assets/LOGO.PNG',
    'fonts/a.woff2',
    'docs/manual.pdf'
  ])('excludes %s by default', (path) => {
    expect(excluded(path)).toBe(true)
  })

  it.each([
    'src/index.ts',
    'dist/index.js',
    '.github/workflows/ci.yml',
    '.eslintrc.json',
    'README.md',
    'lockfile.ts',
    'src/unlock.ts'
  ])('keeps %s by default', (path) => {
    expect(excluded(path)).toBe(false)
  })

  it('adds user excludes to the defaults; a glob without "/" matches in any folder, dot files included', () => {
    const filter = createExcludeFilter([], ['*.sql', 'docs/**', '.env*'])
    expect(filter('db/migrations/001.sql')).toBe(true)
    expect(filter('docs/guide.md')).toBe(true)
    expect(filter('app/docs/guide.md')).toBe(false)
    expect(filter('config/.env.production')).toBe(true)
    expect(filter('yarn.lock')).toBe(true)
    expect(filter('src/a.ts')).toBe(false)
  })

  it('with include globs, leaves out everything that matches none of them', () => {
    const filter = createExcludeFilter(['src/**', '**/*.yml'], [])
    expect(filter('src/a.ts')).toBe(false)
    expect(filter('.github/workflows/ci.yml')).toBe(false)
    expect(filter('test/a.test.ts')).toBe(true)
    expect(filter('src/vendor/x.ts')).toBe(true)
  })

  it('ignores blank globs', () => {
    expect(createExcludeFilter(['', '  '], [' '])('src/a.ts')).toBe(false)
  })

  it('exports the default list', () => {
    expect(DEFAULT_EXCLUDES).toContain('package-lock.json')
    expect(DEFAULT_EXCLUDES).not.toContain('dist/**')
  })
})

describe('fileKind', () => {
  it.each([
    ['src/index.ts', 'source'],
    ['lib/parser.go', 'source'],
    ['dist/index.js', 'source'],
    ['test/select.test.ts', 'test'],
    ['src/select.spec.ts', 'test'],
    ['pkg/parser_test.go', 'test'],
    ['tests/test_api.py', 'test'],
    ['src/__tests__/a.tsx', 'test'],
    ['app/src/test/java/FooTest.java', 'test'],
    ['package.json', 'config'],
    ['.github/workflows/ci.yml', 'config'],
    ['tsconfig.json', 'config'],
    ['jest.config.js', 'config'],
    ['Dockerfile', 'config'],
    ['.eslintrc', 'config'],
    ['README.md', 'docs'],
    ['docs/design.md', 'docs'],
    ['CHANGELOG', 'docs'],
    ['docs/conf.py', 'docs']
  ])('%s is %s', (path, kind) => {
    expect(fileKind(path)).toBe(kind)
  })
})

describe('compressPatch', () => {
  it('keeps one context line next to each change and marks longer unchanged runs', () => {
    const patch = ['@@ -1,11 +1,11 @@', ' a', ' b', ' c', '-d', '+D', ' e', ' f', ' g', ' h', '-i', '+I', ' j', ' k', ' l'].join(
      '\n'
    )
    expect(compressPatch(patch)).toBe(
      ['@@ -1,11 +1,11 @@', ' c', '-d', '+D', ' e', '[2 unchanged lines]', ' h', '-i', '+I', ' j'].join('\n')
    )
  })

  it('does not mark a run that is kept whole', () => {
    const patch = ['@@ -1,4 +1,4 @@', '-a', '+A', ' b', ' c', '-d', '+D'].join('\n')
    expect(compressPatch(patch)).toBe(patch)
  })

  it('collapses deletion-only hunks and drops "no newline" markers', () => {
    const patch = [
      '@@ -1,4 +0,0 @@',
      '-a',
      '-b',
      '-c',
      '-d',
      '\\ No newline at end of file',
      '@@ -10,2 +6,2 @@',
      ' x',
      '-y',
      '+z'
    ].join('\n')
    expect(compressPatch(patch)).toBe(['@@ -1,4 +0,0 @@', '[4 lines deleted]', '@@ -10,2 +6,2 @@', ' x', '-y', '+z'].join('\n'))
  })

  it('keeps the head and tail of a giant hunk', () => {
    const compressed = compressPatch(patchOf(1000)).split('\n')
    expect(compressed.length).toBeLessThan(GIANT_HUNK_LINES)
    expect(compressed[1]).toBe('+const x0 = compute(0, "x")')
    expect(compressed.at(-1)).toBe('+const x999 = compute(999, "x")')
    expect(compressed).toContain('[800 lines omitted]')
  })
})

describe('trimToFit', () => {
  it('cuts a patch to head and tail so that the rendered section fits', () => {
    const big = file('src/big.ts', patchOf(3000))
    const trimmed = trimToFit(big, big.patch ?? '', 1000, tokenizer, fileSection)
    expect(trimmed).toBeDefined()
    expect(trimmed?.compressed).toBe(true)
    expect(tokenizer.countTokens(trimmed?.section ?? '')).toBeLessThanOrEqual(1000)
    expect(trimmed?.tokens).toBe(tokenizer.countTokens(trimmed?.section ?? ''))
    expect(trimmed?.section).toMatch(/^File: src\/big\.ts \(modified, \+3000 -0\)\n@@ -0,0 \+1,3000 @@\n\+const x0 /)
    expect(trimmed?.section).toMatch(/\n\[\d+ lines omitted\]\n/)
    expect(trimmed?.section.endsWith('+const x2999 = compute(2999, "x")')).toBe(true)
  })

  it('gives up when not even the header fits', () => {
    expect(trimToFit(file('src/a.ts', patchOf(100)), patchOf(100), 20, tokenizer, fileSection)).toBeUndefined()
  })
})

describe('selectFiles', () => {
  it('sends a small PR whole in one request and names excluded and patch-less files with their reason', () => {
    const files = [
      file('src/a.ts'),
      file('package-lock.json', patchOf(50)),
      file('assets/logo.png', null, { status: 'added' }),
      file('data/huge.csv', null, { additions: 90_000 }),
      file('src/new-name.ts', null, { status: 'renamed', previousFilename: 'src/old-name.ts' })
    ]
    const selection = selectFiles(data(files), options(), tokenizer)
    expect(selection.single).toBe(true)
    expect(selection.groups).toHaveLength(1)
    expect(selection.groups[0]?.map((packed) => packed.file.filename)).toEqual(['src/a.ts', 'src/new-name.ts'])
    expect(selection.groups[0]?.[1]?.section).toBe('File: src/new-name.ts (renamed from src/old-name.ts, +0 -0)')
    expect(selection.coverage).toEqual({
      filesTotal: 5,
      summarized: ['src/a.ts', 'src/new-name.ts'],
      compressed: [],
      excluded: [{ path: 'package-lock.json', additions: 50, deletions: 0, reason: 'excluded' }],
      omitted: [
        { path: 'assets/logo.png', additions: 0, deletions: 0, reason: 'binary' },
        { path: 'data/huge.csv', additions: 90_000, deletions: 0, reason: 'too-large' }
      ],
      unlisted: 0
    })
  })

  it('counts each section with the real tokenizer', () => {
    const selection = selectFiles(data([file('src/a.ts')]), options(), tokenizer)
    const packed = selection.groups[0]?.[0]
    expect(packed?.tokens).toBe(tokenizer.countTokens(packed?.section ?? ''))
  })

  it('compresses before it drops: a PR that fits one request only compressed is sent compressed', () => {
    const withContext = (name: string): ChangedFile => {
      const lines = ['@@ -1,40 +1,40 @@']
      for (let index = 0; index < 40; index++)
        lines.push(index % 10 === 5 ? `+changed ${name} ${index}` : ` unchanged context line ${index} of ${name}`)
      return file(name, lines.join('\n'))
    }
    const files = [withContext('src/a.ts'), withContext('src/b.ts'), withContext('src/c.ts')]
    const whole = files.reduce(
      (sum, f) => sum + tokenizer.countTokens(fileSection(f, f.patch ?? '')) + SECTION_OVERHEAD_TOKENS,
      0
    )
    const selection = selectFiles(
      data(files),
      options({ singleCapacity: Math.floor(whole * 0.6), mapCapacity: Math.floor(whole * 0.6) }),
      tokenizer
    )
    expect(selection.single).toBe(true)
    expect(selection.coverage.summarized).toEqual(['src/a.ts', 'src/b.ts', 'src/c.ts'])
    expect(selection.coverage.compressed).toEqual(['src/a.ts', 'src/b.ts', 'src/c.ts'])
    expect(selection.coverage.omitted).toEqual([])
  })

  it('packs a large PR into map groups that each fit, at most max-model-calls - 1 of them', () => {
    const files = Array.from({ length: 30 }, (_, index) => file(`src/f${index}.ts`, patchOf(40, `f${index}_`)))
    const selection = selectFiles(data(files), options({ singleCapacity: 2000, mapCapacity: 2000, maxModelCalls: 5 }), tokenizer)
    expect(selection.single).toBe(false)
    expect(selection.groups.length).toBe(4)
    for (const group of selection.groups) {
      expect(group.reduce((sum, packed) => sum + packed.tokens + SECTION_OVERHEAD_TOKENS, 0)).toBeLessThanOrEqual(2000)
      expect(tokenizer.countTokens(group.map((packed) => packed.section).join('\n\n'))).toBeLessThanOrEqual(2000)
    }
    const omitted = selection.coverage.omitted.filter((note) => note.reason === 'call-cap').map((note) => note.path)
    expect(omitted.length).toBeGreaterThan(0)
    expect(new Set([...selection.coverage.summarized, ...omitted]).size).toBe(30)
  })

  it('makes no more map groups than max-concurrency, so that all of them run in one round', () => {
    const files = Array.from({ length: 30 }, (_, index) => file(`src/f${index}.ts`, patchOf(40, `f${index}_`)))
    const selection = selectFiles(
      data(files),
      options({ singleCapacity: 2000, mapCapacity: 2000, maxModelCalls: 12, maxConcurrency: 3 }),
      tokenizer
    )
    expect(selection.groups.length).toBe(3)
    expect(selection.coverage.omitted.length).toBeGreaterThan(0)
  })

  it('under a tight budget keeps source over tests over config over docs', () => {
    const files = [
      file('README.md', patchOf(60, 'readme')),
      file('package.json', patchOf(60, 'pkg')),
      file('test/a.test.ts', patchOf(60, 'test')),
      file('src/a.ts', patchOf(60, 'src'))
    ]
    const one = tokenizer.countTokens(fileSection(files[3] as ChangedFile, files[3]?.patch ?? '')) + SECTION_OVERHEAD_TOKENS
    const selection = selectFiles(
      data(files),
      options({ singleCapacity: one * 2 + 10, mapCapacity: one * 2 + 10, maxModelCalls: 1 }),
      tokenizer
    )
    expect(selection.single).toBe(true)
    expect(selection.coverage.summarized).toEqual(['src/a.ts', 'test/a.test.ts'])
    expect(selection.coverage.omitted.map((note) => [note.path, note.reason])).toEqual([
      ['package.json', 'call-cap'],
      ['README.md', 'call-cap']
    ])
  })

  it('trims a file larger than a whole request instead of dropping it', () => {
    const files = [file('src/huge.ts', patchOf(5000)), file('src/small.ts')]
    const selection = selectFiles(data(files), options({ singleCapacity: 3000, mapCapacity: 3000, maxModelCalls: 3 }), tokenizer)
    expect(selection.coverage.summarized).toEqual(['src/huge.ts', 'src/small.ts'])
    expect(selection.coverage.compressed).toContain('src/huge.ts')
    const huge = selection.groups.flat().find((packed) => packed.file.filename === 'src/huge.ts')
    expect(huge?.tokens).toBeLessThanOrEqual(3000)
    expect(huge?.section).toMatch(/lines omitted\]/)
  })

  it("counts the files beyond GitHub's 3,000-file listing (GitHub never names them)", () => {
    const files = [file('src/a.ts')]
    const selection = selectFiles(data(files, { changedFiles: 3500 }, true), options(), tokenizer)
    expect(selection.coverage.filesTotal).toBe(3500)
    expect(selection.coverage.unlisted).toBe(3499)
    expect(selection.coverage.omitted).toEqual([])
  })

  it('returns one empty group when every file is excluded', () => {
    const selection = selectFiles(data([file('yarn.lock')]), options(), tokenizer)
    expect(selection.single).toBe(true)
    expect(selection.groups).toEqual([[]])
    expect(selection.coverage.summarized).toEqual([])
  })

  it('plans a 3,000-file PR without tokenizing what cannot be sent against the whole budget', () => {
    const files = Array.from({ length: 3000 }, (_, index) => file(`src/m${index}/f.ts`, patchOf(20, `m${index}_`)))
    const counted: Array<{ text: string; limit: number }> = []
    const spy: Tokenizer = {
      ...tokenizer,
      countTokens: (text) => (counted.push({ text, limit: Infinity }), tokenizer.countTokens(text)),
      countTokensWithin: (text, limit) => (counted.push({ text, limit }), tokenizer.countTokensWithin(text, limit))
    }
    const selection = selectFiles(
      data(files),
      options({ singleCapacity: 30_000, mapCapacity: 30_000, maxModelCalls: 12, maxConcurrency: 4 }),
      spy
    )
    expect(selection.groups.length).toBe(4)
    expect(selection.coverage.summarized.length + selection.coverage.omitted.length).toBe(3000)
    const omitted = new Set(selection.coverage.omitted.map((note) => note.path))
    const limit = 30_000 - SECTION_OVERHEAD_TOKENS
    for (const { text, limit: asked } of counted) {
      const path = /^File: (\S+) /.exec(text)?.[1] ?? ''
      // Once the requests are full, a file is only measured against the little room that is left.
      if (omitted.has(path)) expect(asked).toBeLessThan(limit)
    }
    const calls = new Set(counted.map(({ text, limit: asked }) => `${asked}:${text}`))
    expect(calls.size).toBe(counted.length)
    expect(counted.length).toBeLessThanOrEqual(2 * 3000 + 10)
  })
})

describe('refit', () => {
  it('keeps files in order while they fit and names the rest as over budget', () => {
    const selection = selectFiles(
      data([file('src/a.ts', patchOf(30, 'a')), file('src/b.ts', patchOf(30, 'b'))]),
      options(),
      tokenizer
    )
    const group = selection.groups[0] ?? []
    const first = group[0]?.tokens ?? 0
    const result = refit(group, first + SECTION_OVERHEAD_TOKENS + 5, tokenizer, fileSection)
    expect(result.files.map((packed) => packed.file.filename)).toEqual(['src/a.ts'])
    expect(result.dropped).toEqual([{ path: 'src/b.ts', additions: 30, deletions: 0, reason: 'budget' }])
  })

  it('trims the first file when it alone is too large', () => {
    const selection = selectFiles(data([file('src/a.ts', patchOf(300))]), options(), tokenizer)
    const result = refit(selection.groups[0] ?? [], 500, tokenizer, fileSection)
    expect(result.files).toHaveLength(1)
    expect(result.files[0]?.compressed).toBe(true)
    expect(result.files[0]?.tokens).toBeLessThanOrEqual(500 - SECTION_OVERHEAD_TOKENS)
  })
})

describe('trimToFit with a short patch', () => {
  it('keeps a patch whole when it fits, never duplicating head and tail', () => {
    const small = file('src/a.ts', patchOf(3))
    const trimmed = trimToFit(small, small.patch ?? '', 500, tokenizer, fileSection)
    expect(trimmed?.section).toBe(fileSection(small, small.patch ?? ''))
  })
})
