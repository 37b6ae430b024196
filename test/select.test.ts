import { beforeAll, describe, expect, it } from '@jest/globals'
import { fileSection } from '../src/prompt.js'
import { compressPatch, GIANT_HUNK_LINES, type PackedFile, SECTION_OVERHEAD_TOKENS, trimToFit } from '../src/compress.js'
import { createExcludeFilter, DEFAULT_EXCLUDES } from '../src/filters.js'
import { FILE_KINDS, fileKind, sortForReview } from '../src/kinds.js'
import { refit, selectFiles, type SelectOptions } from '../src/select.js'
import { loadTokenizer, type Tokenizer } from '../src/tokens.js'
import type { ChangedFile, FileStatus, PullRequestData } from '../src/types.js'
import { releasePullRequest } from './emulators/release-fixture.mjs'
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
    'dist/index.js',
    'packages/ui/dist/index.mjs',
    '.next/server/app/page.js',
    'apps/web/.next/static/chunks/main.js',
    '.nuxt/components.d.ts',
    '.output/server/index.mjs',
    '.svelte-kit/generated/root.svelte',
    'website/.docusaurus/registry.js',
    '.vercel/output/config.json',
    '.turbo/cookies/1.cookie',
    '.parcel-cache/data.mdb'
  ])('excludes build output %s by default', (path) => {
    expect(excluded(path)).toBe(true)
  })

  it.each([
    'src/index.ts',
    'src/dist.ts',
    'distribution/install.sh',
    // build/ and out/ hold hand-written code in Gradle, CMake and many other projects.
    'build/release.sh',
    'buildSrc/src/main/kotlin/java-conventions.gradle.kts',
    'cmake/build/toolchain.cmake',
    'out/README.md',
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

  it('an include glob that names a default exclusion brings back what it matches, and only from that default', () => {
    const filter = createExcludeFilter(['dist/**'], [])
    expect(filter('dist/index.js')).toBe(false)
    expect(filter('dist/locale/de.js')).toBe(false)
    // Only re-including globs: no allow-list, every other file is summarized as before.
    expect(filter('src/a.ts')).toBe(false)
    expect(filter('packages/ui/dist/index.js')).toBe(true)
    // Other defaults still apply inside dist/ and elsewhere.
    expect(filter('dist/index.js.map')).toBe(true)
    expect(filter('dist/package-lock.json')).toBe(true)
    expect(filter('yarn.lock')).toBe(true)
  })

  it('brings back lock files, snapshots or nested build output when named, whatever the folder', () => {
    const filter = createExcludeFilter(['yarn.lock', '**/*.snap', 'packages/*/dist/**'], [])
    expect(filter('yarn.lock')).toBe(false)
    expect(filter('web/yarn.lock')).toBe(false)
    expect(filter('src/__snapshots__/a.test.ts.snap')).toBe(true) // __snapshots__/ is a default of its own
    expect(filter('ui/Button.snap')).toBe(false)
    expect(filter('packages/ui/dist/index.js')).toBe(false)
    expect(filter('dist/index.js')).toBe(true)
    // yarn.lock names the `*.lock` default, but brings back only what it matches.
    expect(filter('Cargo.lock')).toBe(true)
    expect(filter('src/a.ts')).toBe(false)
  })

  it('with an allow-list next to a re-including glob, summarizes what either names', () => {
    const filter = createExcludeFilter(['src/**', 'dist/**'], [])
    expect(filter('src/a.ts')).toBe(false)
    expect(filter('dist/index.js')).toBe(false)
    expect(filter('test/a.test.ts')).toBe(true)
    expect(filter('src/vendor/x.ts')).toBe(true)
  })

  it('a broad include glob names no default exclusion: src/** keeps src/dist/ and src/vendor/ out', () => {
    const filter = createExcludeFilter(['src/**', '**'], [])
    expect(filter('src/dist/a.js')).toBe(true)
    expect(filter('src/vendor/x.ts')).toBe(true)
    expect(filter('src/app.min.js')).toBe(true)
    expect(filter('test/a.test.ts')).toBe(false)
  })

  it('a user exclude wins over an include', () => {
    const filter = createExcludeFilter(['dist/**'], ['dist/legacy/**'])
    expect(filter('dist/index.js')).toBe(false)
    expect(filter('dist/legacy/index.js')).toBe(true)
  })

  it('ignores blank globs', () => {
    expect(createExcludeFilter(['', '  '], [' '])('src/a.ts')).toBe(false)
  })

  it('exports the default list', () => {
    expect(DEFAULT_EXCLUDES).toContain('package-lock.json')
    expect(DEFAULT_EXCLUDES).toContain('**/dist/**')
    expect(DEFAULT_EXCLUDES).not.toContain('**/build/**')
  })
})

describe('fileKind', () => {
  it.each([
    ['src/index.ts', 'source'],
    ['lib/parser.go', 'source'],
    ['moment.d.ts', 'source'],
    ['src/lib/locale/base-config.js', 'source'], // code in a locale folder, not named after a language
    ['src/lib/locale/set.js', 'source'],
    ['src/i18n/index.ts', 'source'],
    ['infra/main.tf', 'source'],
    ['test/select.test.ts', 'test'],
    ['src/select.spec.ts', 'test'],
    ['pkg/parser_test.go', 'test'],
    ['tests/test_api.py', 'test'],
    ['src/__tests__/a.tsx', 'test'],
    ['app/src/test/java/FooTest.java', 'test'],
    ['src/test/locale/de.js', 'test'], // a locale's tests are tests
    ['spec/models/user_spec.rb', 'test'],
    ['package.json', 'config'],
    ['packages/core/package.json', 'config'],
    ['tsconfig.base.json', 'config'],
    ['config/app-3.json', 'config'],
    ['.vscode/settings.json', 'config'],
    ['.github/workflows/ci.yml', 'config'],
    ['.github/scripts/release.mjs', 'config'],
    ['tsconfig.json', 'config'],
    ['jest.config.js', 'config'],
    ['Dockerfile', 'config'],
    ['.eslintrc', 'config'],
    ['.release-it.json', 'config'],
    ['build.gradle.kts', 'config'],
    ['CMakeLists.txt', 'config'],
    ['requirements-dev.txt', 'config'],
    ['BUILD.bazel', 'config'],
    ['README.md', 'docs'],
    ['docs/design.md', 'docs'],
    ['CHANGELOG', 'docs'],
    ['docs/conf.py', 'docs'],
    ['examples/basic/main.go', 'docs'],
    ['.github/PULL_REQUEST_TEMPLATE.md', 'docs'],
    ['src/locale/de.js', 'translation'],
    ['src/locale/zh-cn.js', 'translation'],
    ['src/locale/tzm-latn.js', 'translation'],
    ['src/locale/x-pseudo.js', 'translation'],
    ['locale/fil.js', 'translation'],
    ['config/locales/en.yml', 'translation'],
    ['public/locales/en/common.json', 'translation'],
    ['lang/pt_BR/auth.php', 'translation'],
    ['i18n/fr/docusaurus-plugin-content-docs/current/intro.md', 'translation'],
    ['shop/locale/de/LC_MESSAGES/django.po', 'translation'],
    ['po/fr.po', 'translation'],
    ['src/main/resources/messages_de.properties', 'translation'],
    ['App/Resources/Strings.de-DE.resx', 'translation'],
    ['lib/l10n/app_en.arb', 'translation'],
    ['app/src/main/res/values-pt-rBR/strings.xml', 'translation'],
    ['App/de.lproj/Localizable.strings', 'translation'],
    ['messages/de.json', 'translation'],
    ['app/src/main/res/values-night/colors.xml', 'config'],
    ['app/src/main/res/values/strings.xml', 'config'],
    ['test/fixtures/orders.json', 'data'],
    ['pkg/parser/testdata/input.go', 'data'],
    ['tests/snapshots/render__table.snap', 'data'],
    ['src/__snapshots__/a.test.ts.snap', 'data'],
    ['data/countries.csv', 'data'],
    ['src/assets/icons.json', 'data'],
    ['scripts/seed.ndjson', 'data']
  ])('%s is %s', (path, kind) => {
    expect(fileKind(path)).toBe(kind)
  })
})

describe('sortForReview on the path sets of real projects', () => {
  /** Paths with their changed lines, in the order GitHub lists them (by path). */
  const order = (files: ReadonlyArray<readonly [string, number]>): string[] =>
    sortForReview(
      [...files].sort(([a], [b]) => (a < b ? -1 : 1)).map(([filename, lines]) => ({ filename, additions: lines, deletions: 0 })),
      (file) => file.filename
    ).map((file) => file.filename)

  it('a Go service: code, then its tests, then config and docs, then translations and golden files', () => {
    expect(
      order([
        ['.github/workflows/ci.yml', 10],
        ['Makefile', 3],
        ['README.md', 5],
        ['cmd/server/main.go', 40],
        ['docs/architecture.md', 30],
        ['go.mod', 2],
        ['internal/i18n/active.de.toml', 60],
        ['internal/store/store.go', 120],
        ['internal/store/store_test.go', 80],
        ['internal/store/testdata/golden.json', 200],
        ['pkg/api/v1/types.go', 8]
      ])
    ).toEqual([
      'internal/store/store.go',
      'cmd/server/main.go',
      'pkg/api/v1/types.go',
      'internal/store/store_test.go',
      '.github/workflows/ci.yml',
      'Makefile',
      'go.mod',
      'docs/architecture.md',
      'README.md',
      'internal/i18n/active.de.toml',
      'internal/store/testdata/golden.json'
    ])
  })

  it('a Django project: models and views before migrations of the same size class, templates count as code', () => {
    expect(
      order([
        ['CHANGELOG.md', 6],
        ['docs/index.rst', 12],
        ['pyproject.toml', 4],
        ['requirements-dev.txt', 2],
        ['src/shop/locale/de/LC_MESSAGES/django.po', 150],
        ['src/shop/migrations/0042_order_status.py', 25],
        ['src/shop/models.py', 90],
        ['src/shop/static/shop/app.css', 10],
        ['src/shop/templates/shop/order.html', 20],
        ['src/shop/views.py', 35],
        ['tests/conftest.py', 8],
        ['tests/fixtures/orders.json', 400],
        ['tests/test_views.py', 60]
      ])
    ).toEqual([
      'src/shop/models.py',
      'src/shop/views.py',
      'src/shop/migrations/0042_order_status.py',
      'src/shop/templates/shop/order.html',
      'src/shop/static/shop/app.css',
      'tests/test_views.py',
      'tests/conftest.py',
      'pyproject.toml',
      'requirements-dev.txt',
      'docs/index.rst',
      'CHANGELOG.md',
      'src/shop/locale/de/LC_MESSAGES/django.po',
      'tests/fixtures/orders.json'
    ])
  })

  it('a Java project built with Gradle: buildSrc and build scripts are config, message bundles are translations', () => {
    expect(
      order([
        ['README.md', 3],
        ['app/build.gradle.kts', 6],
        ['app/src/main/java/com/acme/Order.java', 12],
        ['app/src/main/java/com/acme/OrderService.java', 140],
        ['app/src/main/resources/application.yml', 5],
        ['app/src/main/resources/messages_de.properties', 40],
        ['app/src/test/java/com/acme/OrderServiceTest.java', 90],
        ['app/src/test/resources/fixtures/order.json', 60],
        ['buildSrc/src/main/kotlin/java-conventions.gradle.kts', 8],
        ['gradle/libs.versions.toml', 3],
        ['settings.gradle.kts', 1]
      ])
    ).toEqual([
      'app/src/main/java/com/acme/OrderService.java',
      'app/src/main/java/com/acme/Order.java',
      'app/src/test/java/com/acme/OrderServiceTest.java',
      'buildSrc/src/main/kotlin/java-conventions.gradle.kts',
      'app/build.gradle.kts',
      'app/src/main/resources/application.yml',
      'gradle/libs.versions.toml',
      'settings.gradle.kts',
      'README.md',
      'app/src/main/resources/messages_de.properties',
      'app/src/test/resources/fixtures/order.json'
    ])
  })

  it('a JavaScript monorepo: packages and apps by size of change, locale loaders stay code', () => {
    expect(
      order([
        ['.changeset/brave-lions.md', 3],
        ['apps/docs/pages/guide.mdx', 70],
        ['apps/web/app/page.tsx', 60],
        ['apps/web/next.config.js', 4],
        ['apps/web/public/locales/en/common.json', 30],
        ['e2e/checkout.spec.ts', 40],
        ['packages/core/package.json', 2],
        ['packages/core/src/__tests__/parser.test.ts', 150],
        ['packages/core/src/index.ts', 30],
        ['packages/core/src/parser.ts', 220],
        ['packages/ui/src/Button.tsx', 45],
        ['packages/ui/src/locales/fr.json', 80],
        ['packages/ui/src/locales/index.ts', 10],
        ['tsconfig.base.json', 2]
      ])
    ).toEqual([
      'packages/core/src/parser.ts',
      'apps/web/app/page.tsx',
      'packages/ui/src/Button.tsx',
      'packages/core/src/index.ts',
      'packages/ui/src/locales/index.ts',
      'packages/core/src/__tests__/parser.test.ts',
      'e2e/checkout.spec.ts',
      'apps/web/next.config.js',
      'packages/core/package.json',
      'tsconfig.base.json',
      'apps/docs/pages/guide.mdx',
      '.changeset/brave-lions.md',
      'packages/ui/src/locales/fr.json',
      'apps/web/public/locales/en/common.json'
    ])
  })

  it('does not depend on the order GitHub lists files in, and ties go by path', () => {
    const files = [
      { filename: 'src/b.ts', additions: 5, deletions: 1 },
      { filename: 'src/a.ts', additions: 4, deletions: 2 },
      { filename: 'src/c.ts', additions: 600, deletions: 0 },
      { filename: 'src/d.ts', additions: 9_000, deletions: 0 }
    ]
    const sorted = sortForReview(files, (file) => file.filename).map((file) => file.filename)
    expect(sorted).toEqual(['src/c.ts', 'src/d.ts', 'src/a.ts', 'src/b.ts'])
    expect(sortForReview([...files].reverse(), (file) => file.filename).map((file) => file.filename)).toEqual(sorted)
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
      excluded: [{ path: 'package-lock.json', additions: 50, deletions: 0, reason: 'excluded', kind: 'config' }],
      omitted: [
        { path: 'assets/logo.png', additions: 0, deletions: 0, reason: 'binary', kind: 'source' },
        { path: 'data/huge.csv', additions: 90_000, deletions: 0, reason: 'too-large', kind: 'data' }
      ],
      unlisted: 0
    })
  })

  it('omits a file GitHub sends without a patch and with 0/0 lines when it was added or modified (binary), never counting it as summarized', () => {
    const emptyBlob = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'
    const files = [
      file('src/a.ts'),
      file('locale/de/LC_MESSAGES/app.mo', null, { status: 'modified' }),
      file('models/detector.onnx', null, { status: 'added', sha: 'a'.repeat(40) }),
      file('src/pkg/__init__.py', null, { status: 'added', sha: emptyBlob }),
      file('src/new-name.ts', null, { status: 'renamed', previousFilename: 'src/old-name.ts' }),
      file('src/gone.bin.txt', null, { status: 'removed' }),
      file('bin/run.sh', null, { status: 'changed' })
    ]
    const selection = selectFiles(data(files), options(), tokenizer)
    const { coverage } = selection
    // In review order: the model file (source by its path) before the catalogue (a translation).
    expect(coverage.omitted).toEqual([
      { path: 'models/detector.onnx', additions: 0, deletions: 0, reason: 'binary', kind: 'source' },
      { path: 'locale/de/LC_MESSAGES/app.mo', additions: 0, deletions: 0, reason: 'binary', kind: 'translation' }
    ])
    expect([...coverage.summarized].sort()).toEqual(
      ['bin/run.sh', 'src/a.ts', 'src/gone.bin.txt', 'src/new-name.ts', 'src/pkg/__init__.py'].sort()
    )
    expect(coverage.summarized.length + coverage.excluded.length + coverage.omitted.length).toBe(files.length)
  })

  it('sends nothing for a PR of unrecognized binary files alone', () => {
    const files = [
      file('locale/fr/LC_MESSAGES/app.mo', null, { status: 'modified' }),
      file('models/detector.onnx', null, { status: 'modified' })
    ]
    const selection = selectFiles(data(files), options(), tokenizer)
    expect(selection.groups.flat()).toEqual([])
    expect(selection.coverage.summarized).toEqual([])
    expect(selection.coverage.omitted.map((note) => note.reason)).toEqual(['binary', 'binary'])
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

describe('what the model reads first', () => {
  const release = releasePullRequest().files.map((f): ChangedFile => ({
    filename: f.filename,
    status: f.status as FileStatus,
    additions: f.additions,
    deletions: f.deletions,
    patch: f.patch
  }))
  // max-input-tokens: 8000 leaves about 7,000 tokens of diffs per map request; 11 map requests at most, 4 in one round.
  const tight = options({ singleCapacity: 7_000, mapCapacity: 7_000, maxModelCalls: 12, maxConcurrency: 4 })

  it('on a 523-file release PR whose source alone exceeds the budget, sends library source first and never build output', () => {
    const librarySource = release.filter((f) => f.filename.startsWith('src/lib/') && fileKind(f.filename) === 'source')
    const sourceTokens = librarySource.reduce((sum, f) => sum + tokenizer.countTokens(compressPatch(f.patch ?? '')), 0)
    expect(sourceTokens).toBeGreaterThan(4 * 7_000)

    const selection = selectFiles(data(release), tight, tokenizer)
    expect(selection.single).toBe(false)
    expect(selection.groups).toHaveLength(4)
    const sent = selection.groups.flat().map((packed) => packed.file.filename)
    expect(sent.filter((path) => path.startsWith('dist/') || path.startsWith('locale/'))).toEqual([])
    // Most of what the model reads is the library's source: the first ones in review order all went,
    // and the rest of the room went to smaller files that fit where a large one did not.
    const sentSource = sent.filter((path) => librarySource.some((f) => f.filename === path))
    expect(sentSource.length / sent.length).toBeGreaterThanOrEqual(0.7)
    const firstInReview = sortForReview(librarySource, (f) => f.filename).slice(0, 10)
    expect(firstInReview.filter((f) => !sent.includes(f.filename))).toEqual([])
    expect(sent.filter((path) => fileKind(path) === 'translation')).toEqual([])

    const { excluded, omitted, summarized } = selection.coverage
    expect(excluded.filter((note) => note.path.startsWith('dist/'))).toHaveLength(131)
    expect(summarized.length + excluded.length + omitted.length).toBe(523)
    // Everything not sent is named, in review order: the rest of the source, tests, config and docs, translations.
    const kinds = omitted.map((note) => FILE_KINDS.indexOf(fileKind(note.path)))
    expect(kinds).toEqual([...kinds].sort((a, b) => a - b))
    expect(omitted.filter((note) => fileKind(note.path) === 'translation')).toHaveLength(130 + 116)
  })

  it('include: dist/** brings build output back, ranked like any file (the bundle is source, its locales translations)', () => {
    const selection = selectFiles(data(release), { ...tight, include: ['dist/**'] }, tokenizer)
    const { excluded, summarized, omitted } = selection.coverage
    expect(excluded.map((note) => note.path)).toEqual(['min/moment-with-locales.min.js', 'min/moment.min.js'])
    // The bundle is the largest source change: it goes first. Its locales rank as translations: last.
    expect(summarized[0]).toBe('dist/moment.js')
    expect(summarized.filter((path) => path.startsWith('dist/locale/'))).toEqual([])
    expect(omitted.filter((note) => note.path.startsWith('dist/locale/'))).toHaveLength(130)
  })

  describe('map requests by folder', () => {
    // Four folders of five files; two sizes, so that review order (larger first) interleaves the folders.
    const folders = ['src/api', 'src/db', 'src/ui', 'src/util']
    const files = folders.flatMap((folder, f) =>
      Array.from({ length: 5 }, (_, k) => file(`${folder}/m${k}.ts`, patchOf((k + f) % 2 === 0 ? 40 : 10, `${f}_${k}_`)))
    )
    const cost = (f: ChangedFile) => tokenizer.countTokens(fileSection(f, f.patch ?? '')) + SECTION_OVERHEAD_TOKENS
    const folderCost = (folder: string) =>
      files.filter((f) => f.filename.startsWith(`${folder}/`)).reduce((sum, f) => sum + cost(f), 0)
    const foldersOf = (groups: ReadonlyArray<readonly PackedFile[]>) =>
      groups.map((group) => [...new Set(group.map((packed) => packed.file.filename.replace(/\/[^/]+$/, '')))])

    it('keeps the files of one folder in one request when the PR needs a request per folder anyway', () => {
      // No two folders fit one request: four requests whatever the arrangement.
      const capacity = Math.max(...folders.map(folderCost)) + 50
      expect(files.reduce((sum, f) => sum + cost(f), 0)).toBeGreaterThan(3 * capacity)
      const selection = selectFiles(
        data(files),
        options({ singleCapacity: capacity, mapCapacity: capacity, maxConcurrency: 4 }),
        tokenizer
      )
      expect(selection.coverage.omitted).toEqual([])
      expect(foldersOf(selection.groups)).toEqual(folders.map((folder) => [folder]))
      // Within a request, review order: larger changes first.
      for (const group of selection.groups) {
        const lines = group.map((packed) => packed.file.additions)
        expect(lines).toEqual([...lines].sort((a, b) => b - a))
      }
      // The coverage lists summarized files in review order, whatever request they went in.
      expect(selection.coverage.summarized).toEqual(sortForReview(files, (f) => f.filename).map((f) => f.filename))
    })

    it('never spends a request on it: when whole folders need one more, folders stay in runs across requests', () => {
      const capacity = Math.ceil(Math.max(...folders.map(folderCost)) * 1.3)
      const selection = selectFiles(
        data(files),
        options({ singleCapacity: capacity, mapCapacity: capacity, maxConcurrency: 4 }),
        tokenizer
      )
      expect(selection.coverage.omitted).toEqual([])
      expect(selection.groups).toHaveLength(Math.ceil(files.reduce((sum, f) => sum + cost(f), 0) / capacity))
      const spans = foldersOf(selection.groups)
      for (const folder of folders) {
        const where = spans.flatMap((inGroup, index) => (inGroup.includes(folder) ? [index] : []))
        expect(where.length).toBeLessThanOrEqual(2)
        expect((where.at(-1) ?? 0) - (where[0] ?? 0)).toBe(where.length - 1)
      }
    })
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
    expect(result.dropped).toEqual([{ path: 'src/b.ts', additions: 30, deletions: 0, reason: 'budget', kind: 'source' }])
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
