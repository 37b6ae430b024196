/**
 * Which changed files are left out before any budget: the default excludes (lock files, minified,
 * generated and vendored code, snapshots, binaries, build output) and the `include` / `exclude` globs.
 */
import type { MinimatchOptions } from 'minimatch'
import { compileGlob } from './glob.js'

/** Extensions GitHub sends no patch for, or whose text diff says nothing to a reader. */
// prettier-ignore
export const BINARY_EXTENSIONS: readonly string[] = [
  // images, fonts, audio and video
  'png', 'jpg', 'jpeg', 'gif', 'bmp', 'ico', 'icns', 'webp', 'avif', 'heic', 'tif', 'tiff', 'psd', 'svg',
  'woff', 'woff2', 'ttf', 'otf', 'eot',
  'mp3', 'mp4', 'm4a', 'wav', 'ogg', 'flac', 'webm', 'mov', 'avi', 'mkv',
  // archives, compiled code, data stores and office documents
  'zip', 'gz', 'tgz', 'bz2', 'xz', 'zst', '7z', 'rar', 'tar', 'jar', 'war', 'whl', 'nupkg',
  'exe', 'dll', 'so', 'dylib', 'a', 'o', 'obj', 'lib', 'class', 'pyc', 'wasm', 'bin',
  'sqlite', 'db', 'parquet', 'pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx'
]

/**
 * Build output, excluded by default: what peers skip too (CodeRabbit's default path filters block
 * `dist/`, `.next`, `.nuxt`, `.svelte-kit`, `.docusaurus`, `.webpack`, `.cache`…). Only folders
 * that hold nothing but generated files are here: `build/` and `out/` are left alone, since Gradle,
 * CMake, Bazel and many other projects keep hand-written code and scripts under those names. `dist/`
 * can hold a committed bundle (a GitHub Action's `dist/index.js`) or packaging files: `include` brings
 * it back.
 */
// prettier-ignore
export const BUILD_OUTPUT_EXCLUDES: readonly string[] = [
  '**/dist/**', '**/.next/**', '**/.nuxt/**', '**/.output/**', '**/.svelte-kit/**', '**/.docusaurus/**',
  '**/.vercel/**', '**/.netlify/**', '**/.turbo/**', '**/.parcel-cache/**', '**/.webpack/**', '**/.angular/**',
  '**/.cache/**'
]

/**
 * Always left out (then named as excluded) unless an `include` glob names them (createExcludeFilter):
 * lock files, minified or bundled output, build output, vendored and generated code, test snapshots,
 * binary and media files. `*.lock` and `*.lockfile` cover yarn.lock, Cargo.lock, poetry.lock,
 * Gemfile.lock, gradle.lockfile and the like.
 */
// prettier-ignore
export const DEFAULT_EXCLUDES: readonly string[] = [
  'package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'bun.lockb', 'go.sum', 'go.work.sum',
  'packages.lock.json', '*.lockfile', '*.lock', 'Package.resolved',
  '*.min.js', '*.min.mjs', '*.min.cjs', '*.min.css', '*.map',
  ...BUILD_OUTPUT_EXCLUDES,
  '**/vendor/**', '**/node_modules/**', '**/third_party/**', '**/__generated__/**', '*.generated.*',
  '*.pb.go', '*_pb2.py', '*_pb2.pyi', '*_pb2_grpc.py',
  '**/__snapshots__/**', '*.snap',
  `*.{${BINARY_EXTENSIONS.join(',')}}`
]

const GLOB_OPTIONS: MinimatchOptions = { dot: true, matchBase: true, nocomment: true, nonegate: true }

/**
 * A predicate "is this path left out?". Globs without `/` match the file name in any folder.
 * - A user `exclude` glob always wins.
 * - An `include` glob that names files the defaults leave out (`dist/**`, `yarn.lock`, `*.snap`: a
 *   default matches the glob itself) brings back the files it matches, from those defaults only:
 *   `include: dist/**` brings back `dist/app.js` but not `dist/app.js.map` (`*.map`).
 * - The other `include` globs are an allow-list: when there is one, a file that matches no include
 *   glob is left out. So `include: dist/**` alone summarizes every file plus `dist/`, while
 *   `include: src/**` summarizes only `src/`, and keeps `src/vendor/` and lock files out.
 */
export function createExcludeFilter(include: readonly string[], exclude: readonly string[]): (path: string) => boolean {
  const patterns = (list: readonly string[]): string[] =>
    list.map((pattern) => pattern.trim()).filter((pattern) => pattern !== '')
  // Extensions and lock-file names vary in case across platforms (IMAGE.PNG); user globs stay exact.
  const defaults = DEFAULT_EXCLUDES.map((pattern) => compileGlob(pattern, { ...GLOB_OPTIONS, nocase: true }))
  const excluded = patterns(exclude).map((pattern) => compileGlob(pattern, GLOB_OPTIONS))
  const included = patterns(include).map((pattern) => ({
    glob: compileGlob(pattern, GLOB_OPTIONS),
    lifts: new Set(defaults.filter((glob) => glob.match(pattern)))
  }))
  const allowList = included.some((entry) => entry.lifts.size === 0)
  return (path) => {
    if (excluded.some((glob) => glob.match(path))) return true
    const matching = included.filter((entry) => entry.glob.match(path))
    if (allowList && matching.length === 0) return true
    return defaults.some((glob) => glob.match(path) && !matching.some((entry) => entry.lifts.has(glob)))
  }
}

/**
 * createExcludeFilter, with each path's answer kept: a run asks about every file up to three times
 * (whether any can be sent, then planning by bytes and with real counts), and each answer matches
 * ~40 globs. The last filters built are reused for the same include/exclude.
 */
export function cachedExcludeFilter(include: readonly string[], exclude: readonly string[]): (path: string) => boolean {
  const key = JSON.stringify([include, exclude])
  let cached = excludeFilters.get(key)
  if (!cached) {
    const filter = createExcludeFilter(include, exclude)
    const answers = new Map<string, boolean>()
    cached = (path) => {
      let answer = answers.get(path)
      if (answer === undefined) {
        answer = filter(path)
        answers.set(path, answer)
      }
      return answer
    }
    if (excludeFilters.size >= 4) excludeFilters.clear()
    excludeFilters.set(key, cached)
  }
  return cached
}

const excludeFilters = new Map<string, (path: string) => boolean>()
