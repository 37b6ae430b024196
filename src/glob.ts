/**
 * Globs as minimatch matches them, faster for the shapes the default excludes are made of. Each call
 * of Minimatch#match walks the pattern against the path, ~20 us cold; a big PR asks ~40 globs about
 * each of 3,000 files, ~100 ms before the first model request (measured). The defaults, and most
 * user globs, are a file name, `*suffix`, `prefix*` or `*infix*` (alone, after a leading globstar, or
 * as braces of those), or a folder between globstars or before one (`dir/` then `**`): those are
 * string tests on a plain path. Any other glob, and any path that is not plain (non-ASCII, `.`, `..`
 * or empty segments), goes to minimatch itself, so the answers are minimatch's (a property test holds
 * the two together).
 */
import { Minimatch, type MinimatchOptions } from 'minimatch'

/** A glob, as a test of paths. */
export interface Glob {
  match(path: string): boolean
}

/** A plain path (see isPlainPath) and its file name. */
interface PlainPath {
  readonly path: string
  readonly file: string
}

/** A test of a plain path: `path` and `file` are lower-cased for a case-insensitive glob. */
type PlainTest = (path: PlainPath) => boolean

/** Characters a literal part of a fast glob may hold: none that minimatch reads as syntax. */
const LITERAL = /^[A-Za-z0-9_.-]+$/

/** `pattern` as minimatch matches it with `options` (minimatch is built only for what needs it). */
export function compileGlob(pattern: string, options: MinimatchOptions): Glob {
  let minimatch: Minimatch | undefined
  const slow = (path: string): boolean => (minimatch ??= new Minimatch(pattern, options)).match(path)
  const fast = options.dot === true && options.matchBase === true ? plainTest(pattern, options.nocase === true) : undefined
  if (!fast) return { match: slow }
  const fold = options.nocase === true
  return {
    match: (path) => {
      const plain = plainPath(path)
      return plain ? fast(fold ? plain.lower : plain.exact) : slow(path)
    }
  }
}

// A filter asks every glob about one path before the next: that path's forms are worked out once.
let lastPath: string | undefined
let lastForms: { exact: PlainPath; lower: PlainPath } | undefined

/** `path` as it is and lower-cased, with its file name, if it is plain (isPlainPath); else undefined. */
function plainPath(path: string): { exact: PlainPath; lower: PlainPath } | undefined {
  if (path !== lastPath) {
    lastPath = path
    if (isPlainPath(path)) {
      const lower = path.toLowerCase()
      const file = path.lastIndexOf('/') + 1
      lastForms = { exact: { path, file: path.slice(file) }, lower: { path: lower, file: lower.slice(file) } }
    } else {
      lastForms = undefined
    }
  }
  return lastForms
}

/**
 * A repository-relative path as GitHub lists them: printable ASCII, no leading, trailing or double
 * `/`, no `.` or `..` segment. (ASCII, so that lower-casing it folds case exactly as minimatch does.)
 */
function isPlainPath(path: string): boolean {
  return /^[\x20-\x7e]+$/.test(path) && !/^\/|\/$|\/\/|(?:^|\/)\.\.?(?:\/|$)/.test(path)
}

/** The string test for `pattern` (dot: true, matchBase: true), if it has a shape that has one. */
function plainTest(pattern: string, nocase: boolean): PlainTest | undefined {
  const glob = nocase ? pattern.toLowerCase() : pattern
  // One brace group of literal alternatives: any of them (`*.{png,jpg}`).
  const braces = /^([^{}]*)\{([^{}]*)\}([^{}]*)$/.exec(glob)
  if (braces) {
    const [, before = '', list = '', after = ''] = braces
    const alternatives = list.split(',')
    if (alternatives.length < 2 || !alternatives.every((alternative) => LITERAL.test(alternative))) return undefined
    // `*.{png,jpg,...}` (extensions without a dot): the file name's extension, looked up once.
    if (before === '*.' && after === '' && alternatives.every((alternative) => !alternative.includes('.'))) {
      const extensions = new Set(alternatives)
      return ({ file }) => {
        const dot = file.lastIndexOf('.')
        return dot >= 0 && extensions.has(file.slice(dot + 1))
      }
    }
    const tests = alternatives.map((alternative) => plainTest(`${before}${alternative}${after}`, false))
    if (!tests.every((test): test is PlainTest => test !== undefined)) return undefined
    return (path) => tests.some((test) => test(path))
  }
  // A folder of that name anywhere (globstar, dir, globstar), or at the top (dir, globstar).
  const folder = /^(\*\*\/)?([^/*]+)\/\*\*$/.exec(glob)
  if (folder) {
    const [, anywhere, name = ''] = folder
    if (!LITERAL.test(name)) return undefined
    const top = `${name}/`
    const inside = `/${name}/`
    return anywhere ? ({ path }) => path.startsWith(top) || path.includes(inside) : ({ path }) => path.startsWith(top)
  }
  // Without `/` (or after a leading globstar and `/`), the glob is matched against the file name.
  const name = glob.startsWith('**/') ? glob.slice(3) : glob
  if (name.includes('/')) return undefined
  const test = fileNameTest(name)
  return test ? ({ file }) => test(file) : undefined
}

/** The test of a file name against `name`, `*suffix`, `prefix*` or `*infix*` (`*` may match nothing). */
function fileNameTest(name: string): ((file: string) => boolean) | undefined {
  const shape = /^(\*?)([^*]+)(\*?)$/.exec(name)
  if (!shape) return undefined
  const [, leading, literal = '', trailing] = shape
  if (!LITERAL.test(literal)) return undefined
  if (leading && trailing) return (file) => file.includes(literal)
  if (leading) return (file) => file.endsWith(literal)
  if (trailing) return (file) => file.startsWith(literal)
  return (file) => file === literal
}

/** Whether `pattern` is matched without minimatch on plain paths (tests: every default exclude is). */
export function hasPlainTest(pattern: string, nocase: boolean): boolean {
  return plainTest(pattern, nocase) !== undefined
}
