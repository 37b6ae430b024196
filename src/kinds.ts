/**
 * What a changed file is to a reviewer (source, test, config, docs, translation, data), decided from
 * its path alone, and the review order used when not every diff fits: kind, then size, then path.
 */
import type { FileKind } from './types.js'

export type { FileKind } from './types.js'

/**
 * What a file is to a reviewer, in the order files are sent when not every diff fits
 * (docs/ranking.md): the code itself, then its tests, configuration and docs, then translations,
 * then fixtures, snapshots and other data.
 */
export const FILE_KINDS: readonly FileKind[] = ['source', 'test', 'config', 'docs', 'translation', 'data']

// ISO 639-1: a file named after one of these (`de.json`, `messages_pt_BR.properties`) holds a language.
const ISO_639_1 =
  'aa|ab|ae|af|ak|am|an|ar|as|av|ay|az|ba|be|bg|bh|bi|bm|bn|bo|br|bs|ca|ce|ch|co|cr|cs|cu|cv|cy|da|de|dv|dz|ee|el|en|eo|es|et|eu|fa|ff|fi|fj|fo|fr|fy|ga|gd|gl|gn|gu|gv|ha|he|hi|ho|hr|ht|hu|hy|hz|ia|id|ie|ig|ii|ik|io|is|it|iu|ja|jv|ka|kg|ki|kj|kk|kl|km|kn|ko|kr|ks|ku|kv|kw|ky|la|lb|lg|li|ln|lo|lt|lu|lv|mg|mh|mi|mk|ml|mn|mr|ms|mt|my|na|nb|nd|ne|ng|nl|nn|no|nr|nv|ny|oc|oj|om|or|os|pa|pi|pl|ps|pt|qu|rm|rn|ro|ru|rw|sa|sc|sd|se|sg|si|sk|sl|sm|sn|so|sq|sr|ss|st|su|sv|sw|ta|te|tg|th|ti|tk|tl|tn|to|tr|ts|tt|tw|ty|ug|uk|ur|uz|ve|vi|vo|wa|wo|xh|yi|yo|za|zh|zu'
// Subtags of a language tag: script (Latn), region (BR, 419) or a three-letter extension (ku-kmr).
const SUBTAG = '[-_](?:[A-Za-z]{2,4}|[0-9]{3})'
const LANGUAGE = new RegExp(`^(?:${ISO_639_1})(?:${SUBTAG})*$`)
const LANGUAGE_SUFFIX = new RegExp(`[._-](?:${ISO_639_1})(?:${SUBTAG})?$`)
// Languages without a two-letter code that locale sets often ship (moment: fil, tet, tlh, tzm).
const THREE_LETTER_LANGUAGES = 'ast|ceb|chr|ckb|fil|fur|gom|haw|kab|mai|sah|tet|tlh|tzl|tzm|yue|zgh'
/**
 * A file in a locale folder named as a language: `de`, `pt-br`, `zh_Hans`, `fil`, `tzm-latn`,
 * `x-pseudo`. A bare three-letter name must be a known language, so `set.js` or `api.ts` stay code.
 */
const LOCALE_TAG = new RegExp(
  `^(?:(?:${ISO_639_1}|${THREE_LETTER_LANGUAGES})(?:${SUBTAG})*|[a-z]{3}(?:${SUBTAG})+|x-[a-z0-9]{2,8})$`,
  'i'
)

const DATA_DIR = /(?:^|\/)(?:fixtures?|__fixtures__|testdata|test-data|test_data|__snapshots__|snapshots)\//i
const DATA_NAME = /\.(?:csv|tsv|psv|jsonl|ndjson|geojson|topojson|snap|golden|har|dat)$/i
const TEST_DIR = /(?:^|\/)(?:tests?|__tests__|specs?|e2e|__mocks__|benchmarks?|bench)\//i
const TEST_NAME =
  /(?:[._-](?:test|tests|spec)\.[^.]+$)|(?:^test_.+\.py$)|(?:^conftest\.py$)|(?:_test\.go$)|(?:(?:Test|Tests|Spec|IT)\.(?:java|kt|cs|scala|swift|php|groovy)$)/
/** Folders of translations; the rest of the path is captured. */
const LOCALE_DIR = /(?:^|\/)(?:locales?|i18n|l10n|translations?|lang)\/(.*)$/i
/** Apple's `de.lproj/` and Android's `values-de/`, `values-pt-rBR/`, `values-b+sr+Latn/`. */
const LOCALE_BUNDLE_DIR =
  /(?:^|\/)(?:[a-z]{2,3}(?:[-_][a-z0-9]{2,8})*\.lproj|values-(?:[a-z]{2,3}|b\+[a-z]{2,3}(?:\+[a-z0-9]+)*)(?:-r[a-z]{2})?)\//i
const TRANSLATION_NAME = /\.(?:po|pot|xliff|xlf|arb|strings|stringsdict)$/i
const LANGUAGE_DATA_NAME = /\.(?:json[c5]?|ya?ml|toml|properties|resx|ftl)$/i
const CODE_NAME =
  /\.(?:[cm]?[jt]sx?|py|rb|php|go|java|kts?|scala|groovy|cs|fs|vb|swift|mm?|c|cc|cpp|cxx|h|hh|hpp|rs|dart|lua|pl|pm|r|ex|exs|erl|cljs?|elm|hs|ml|vue|svelte|astro|sh|bash|ps1|sql)$/i
const DOCS_DIR = /(?:^|\/)(?:docs?|documentation|examples?|samples?|demos?)\//i
const DOCS_NAME =
  /(?:\.(?:md|mdx|markdown|rst|adoc|asciidoc|txt|textile)$)|(?:^(?:README|CHANGELOG|CHANGES|LICENSE|COPYING|NOTICE|AUTHORS|CONTRIBUTING|SECURITY|CODE_OF_CONDUCT)(?:\.|$))/i
const CONFIG_NAME =
  /(?:\.(?:ya?ml|toml|ini|cfg|conf|properties|env|xml|plist|gradle|gradle\.kts|csproj|fsproj|vbproj|sln|props|targets|editorconfig|cmake)$)|(?:\.config\.[cm]?[jt]s$)|(?:^(?:Dockerfile|Containerfile|Makefile|GNUmakefile|Procfile|Jenkinsfile|Vagrantfile|Gemfile|Podfile|Brewfile|Rakefile|Justfile|CODEOWNERS|go\.mod|go\.work|CMakeLists\.txt|BUILD|WORKSPACE|MODULE\.bazel|requirements.*\.txt|constraints.*\.txt)(?:\.|$))|(?:^\.)/i
const JSON_NAME = /\.json[c5]?$/i
/** JSON that configures a tool; other JSON away from the root and config folders is data. */
const CONFIG_JSON_NAME =
  /^(?:package|composer|(?:ts|js)config.*|.*rc|.*[.-]config|config|settings|appsettings.*|launchSettings|manifest|project|angular|nx|lerna|turbo|deno|vercel|netlify|firebase|renovate|app|biome|cspell|global|.*\.schema|openapi|swagger)\.json[c5]?$/i
const CONFIG_DIR = /(?:^|\/)(?:\.[^/]+|config|configs|conf|settings|deploy|deployment|k8s|helm|charts)\//i

/**
 * Classifies a path by its folders, name and extension only (no content is read); the signals are
 * the ones docs/ranking.md lists, checked in this order: fixtures and data folders, tests,
 * translations, docs folders, configuration, docs by name, data by extension; anything else is source.
 */
export function fileKind(path: string): FileKind {
  const name = path.slice(path.lastIndexOf('/') + 1)
  if (DATA_DIR.test(path) || DATA_NAME.test(name)) return 'data'
  if (TEST_DIR.test(path) || TEST_NAME.test(name)) return 'test'
  if (isTranslation(path, name)) return 'translation'
  if (DOCS_DIR.test(path)) return 'docs'
  if (JSON_NAME.test(name) ? !path.includes('/') || CONFIG_DIR.test(path) || CONFIG_JSON_NAME.test(name) : CONFIG_NAME.test(name))
    return 'config'
  if (DOCS_NAME.test(name)) return 'docs'
  if (JSON_NAME.test(name)) return 'data'
  if (path.startsWith('.github/')) return 'config'
  return 'source'
}

function isTranslation(path: string, name: string): boolean {
  if (TRANSLATION_NAME.test(name) || LOCALE_BUNDLE_DIR.test(path)) return true
  const stem = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : name
  const inLocaleDir = LOCALE_DIR.exec(path)
  if (inLocaleDir) {
    // Code in a locale folder is a translation when it is named after a language (moment's
    // src/locale/de.js, Laravel's lang/de/auth.php); its index.ts or loader.ts is code.
    if (!CODE_NAME.test(name)) return true
    const folders = (inLocaleDir[1] ?? '').split('/').slice(0, -1)
    return LOCALE_TAG.test(stem) || LANGUAGE_SUFFIX.test(stem) || folders.some((folder) => LANGUAGE.test(folder))
  }
  // Elsewhere only data files named after a language, away from the root and dot files (`.release-it.json`).
  return (
    path.includes('/') &&
    !name.startsWith('.') &&
    !path.startsWith('.') &&
    LANGUAGE_DATA_NAME.test(name) &&
    (LANGUAGE.test(stem) || LANGUAGE_SUFFIX.test(stem))
  )
}

/** Rank of a kind: lower goes first. */
const KIND_RANK = new Map<FileKind, number>(FILE_KINDS.map((kind, index) => [kind, index]))

/**
 * Size class of a change: log2 of its changed lines + 1, rounded down, so that a 300-line and a
 * 310-line change count as the same size (then ordered by path); capped so that a huge generated-
 * looking change does not outrank every ordinary one.
 */
const MAX_SIZE_CLASS = 9 // 511 changed lines and more
function sizeClass(changedLines: number): number {
  return Math.min(MAX_SIZE_CLASS, Math.floor(Math.log2(changedLines + 1)))
}

/** The review order of a file: kind, size class, path (compareForReview). */
interface ReviewKey {
  readonly kind: number
  readonly size: number
  readonly path: string
}

function reviewKey(path: string, changedLines: number): ReviewKey {
  return { kind: KIND_RANK.get(fileKind(path)) ?? 0, size: sizeClass(changedLines), path }
}

function compareForReview(a: ReviewKey, b: ReviewKey): number {
  return a.kind - b.kind || b.size - a.size || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
}

/**
 * `items` in review order: kind (FILE_KINDS), then larger changes first (by size class), then path.
 * Total and deterministic: the same files give the same order whatever order GitHub listed them in.
 */
export function sortForReview<T extends { readonly additions: number; readonly deletions: number }>(
  items: readonly T[],
  pathOf: (item: T) => string
): T[] {
  return items
    .map((item) => ({ item, key: reviewKey(pathOf(item), item.additions + item.deletions) }))
    .sort((a, b) => compareForReview(a.key, b.key))
    .map(({ item }) => item)
}
