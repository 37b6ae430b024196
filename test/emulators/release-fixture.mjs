// @ts-check
/**
 * A 523-file release PR of a JavaScript date library, shaped like a real one (moment.js): the library's
 * source under `src/lib/`, its translations under `src/locale/`, their tests under `src/test/`, and the
 * published build copies under `dist/`, `locale/` and `min/`. Files are listed in path order, as GitHub
 * lists them, so build output comes first. Deterministic: the same arguments give the same PR.
 */
import { FIXTURE_OWNER, FIXTURE_REPO, mulberry32 } from './fixtures.mjs'

/** Locale codes as the library names its translation files (130 of them). */
// prettier-ignore
export const RELEASE_LOCALES = [
  'af', 'ar', 'ar-dz', 'ar-kw', 'ar-ly', 'ar-ma', 'ar-sa', 'ar-tn', 'az', 'be', 'bg', 'bm', 'bn', 'bo',
  'br', 'bs', 'ca', 'cs', 'cv', 'cy', 'da', 'de', 'de-at', 'de-ch', 'dv', 'el', 'en-au', 'en-ca', 'en-gb', 'en-ie',
  'en-il', 'en-in', 'en-nz', 'en-sg', 'eo', 'es', 'es-do', 'es-mx', 'es-us', 'et', 'eu', 'fa', 'fi', 'fil', 'fo', 'fr',
  'fr-ca', 'fr-ch', 'fy', 'ga', 'gd', 'gl', 'gom-deva', 'gom-latn', 'gu', 'he', 'hi', 'hr', 'hu', 'hy-am', 'id', 'is',
  'it', 'it-ch', 'ja', 'jv', 'ka', 'kk', 'km', 'kn', 'ko', 'ku', 'ku-kmr', 'ky', 'lb', 'lo', 'lt', 'lv', 'mi', 'mk',
  'ml', 'mn', 'mr', 'ms', 'ms-my', 'mt', 'my', 'nb', 'ne', 'nl', 'nl-be', 'nn', 'oc-lnc', 'pa-in', 'pl', 'pt', 'pt-br',
  'ro', 'ru', 'sd', 'se', 'si', 'sk', 'sl', 'sq', 'sr', 'sr-cyrl', 'ss', 'sv', 'sw', 'ta', 'te', 'tet', 'tg', 'th',
  'tk', 'tl-ph', 'tlh', 'tr', 'tzl', 'tzm', 'tzm-latn', 'ug-cn', 'uk', 'ur', 'uz', 'uz-latn', 'vi', 'x-pseudo', 'yo'
]

/** The library's own modules (100 of them), as `area/name`. */
// prettier-ignore
const LIBRARY_MODULES = [
  'create/check-overflow', 'create/date-from-array', 'create/from-anything', 'create/from-array', 'create/from-object',
  'create/from-string', 'create/from-string-and-array', 'create/from-string-and-format', 'create/local', 'create/parsing-flags',
  'create/utc', 'create/valid', 'duration/abs', 'duration/add-subtract', 'duration/as', 'duration/bubble', 'duration/clone',
  'duration/constructor', 'duration/create', 'duration/duration', 'duration/get', 'duration/humanize', 'duration/iso-string',
  'duration/prototype', 'duration/valid', 'format/format', 'locale/base-config', 'locale/calendar', 'locale/constructor',
  'locale/formats', 'locale/invalid', 'locale/lists', 'locale/locale', 'locale/locales', 'locale/ordinal',
  'locale/pre-post-format', 'locale/prototype', 'locale/relative', 'locale/set', 'moment/add-subtract', 'moment/calendar',
  'moment/clone', 'moment/compare', 'moment/constructor', 'moment/creation-data', 'moment/diff', 'moment/format',
  'moment/from', 'moment/get-set', 'moment/locale', 'moment/min-max', 'moment/moment', 'moment/now', 'moment/prototype',
  'moment/start-end-of', 'moment/to', 'moment/to-type', 'moment/valid', 'parse/regex', 'parse/token', 'units/aliases',
  'units/constants', 'units/day-of-month', 'units/day-of-week', 'units/day-of-year', 'units/era', 'units/hour',
  'units/millisecond', 'units/minute', 'units/month', 'units/offset', 'units/priorities', 'units/quarter', 'units/second',
  'units/timestamp', 'units/timezone', 'units/units', 'units/week', 'units/week-calendar-utils', 'units/week-year',
  'units/year', 'utils/abs-ceil', 'utils/abs-floor', 'utils/abs-round', 'utils/compare-arrays', 'utils/defaults',
  'utils/deprecate', 'utils/extend', 'utils/has-own-prop', 'utils/hooks', 'utils/index-of', 'utils/is-array',
  'utils/is-calendar-spec', 'utils/is-date', 'utils/is-function', 'utils/is-leap-year', 'utils/is-moment-input',
  'utils/is-number', 'utils/is-object', 'utils/is-object-empty'
]

/** Tests of the library's modules. */
const MODULE_TESTS = [
  'add-subtract',
  'create',
  'duration',
  'format',
  'getters-setters',
  'is-valid',
  'locale',
  'parsing',
  'utc',
  'week-year'
]

/** Locales whose test files change in the release (every fourth one, 30 files after the cut). */
const TESTED_LOCALES = RELEASE_LOCALES.filter((_, i) => i % 4 === 0).slice(0, 30)
/** The top-level `locale/` build copies cover fewer locales than `src/locale/` (116 files): 523 in all. */
const LOCALE_COPIES = RELEASE_LOCALES.slice(0, 116)

/** @param {string} filename @param {string} status @param {string[]} lines */
function changed(filename, status, lines) {
  const additions = lines.filter((line) => line.startsWith('+')).length
  const deletions = lines.filter((line) => line.startsWith('-')).length
  return { filename, status, additions, deletions, patch: lines.join('\n') }
}

/** A rewrite of one library module: mostly changed lines, so that compression cannot shrink it much. */
function moduleHunk(/** @type {string} */ module, /** @type {number} */ lines, /** @type {() => number} */ random) {
  const name = module.split('/')[1]?.replace(/-(\w)/g, (_, c) => c.toUpperCase()) ?? 'fn'
  const out = [
    `@@ -${1 + Math.floor(random() * 80)},${lines} +${1 + Math.floor(random() * 80)},${lines + 2} @@ import { hooks } from '../utils/hooks';`
  ]
  out.push(` export function ${name}(input, format, locale, strict) {`)
  for (let k = 0; k < lines; k++) {
    const unit = ['year', 'month', 'week', 'day', 'hour', 'minute', 'second'][k % 7]
    if (k % 3 === 0) out.push(`-    var ${unit}${k} = input._a[${k % 7}] || config._d.get${unit}();`)
    out.push(`+    const ${unit}${k} = input._a?.[${k % 7}] ?? getDefault(config, '${unit}', ${k}); // ${name} ${k}`)
  }
  out.push(' }')
  return out
}

/** A translation's updated strings (relative time, ordinals, calendar). */
function localeHunk(/** @type {string} */ code, /** @type {number} */ lines) {
  const out = [`@@ -40,${lines} +40,${lines} @@ var ${code.replace(/-/g, '')} = moment.defineLocale('${code}', {`]
  for (let k = 0; k < lines; k++) {
    if (k % 2 === 0) out.push(`-        ${['s', 'ss', 'm', 'mm', 'h', 'hh', 'd', 'dd'][k % 8]}: '%d ${code} unit ${k}',`)
    out.push(`+        ${['s', 'ss', 'm', 'mm', 'h', 'hh', 'd', 'dd'][k % 8]}: '%d ${code} unit ${k} (${code.toUpperCase()})',`)
  }
  return out
}

/** The same translation as the build emits it: wrapped in a UMD header. */
function builtLocaleHunk(/** @type {string} */ code, /** @type {number} */ lines) {
  return [
    `@@ -1,${lines + 4} +1,${lines + 4} @@`,
    ` ;(function (global, factory) {`,
    `    typeof exports === 'object' && typeof module !== 'undefined' && typeof require === 'function' ? factory(require('../moment')) :`,
    ...localeHunk(code, lines).slice(1)
  ]
}

function testHunk(/** @type {string} */ subject, /** @type {number} */ lines) {
  const out = [`@@ -10,0 +10,${lines} @@ module('${subject}');`]
  for (let k = 0; k < lines; k++)
    out.push(`+    assert.equal(moment([2024, ${k % 12}, ${1 + (k % 28)}]).format('LLL'), expected${k}, '${subject} ${k}');`)
  return out
}

/**
 * The release PR: 100 library modules, 130 translations, 40 tests, 4 docs/config/typing files, and
 * 249 build copies (`dist/locale/`, `dist/moment.js`, `locale/`, `min/`). The source alone (about 50,000
 * tokens of diff) is more than `max-input-tokens: 8000` lets twelve requests carry.
 * @param {{ number?: number, seed?: number }} [options]
 */
export function releasePullRequest({ number = 52, seed = 2 } = {}) {
  const random = mulberry32(seed)
  const size = (/** @type {number} */ min, /** @type {number} */ max) => min + Math.floor(random() * (max - min + 1))
  /** @type {ReturnType<typeof changed>[]} */
  const files = [
    changed('CHANGELOG.md', 'modified', [
      '@@ -1,3 +1,12 @@',
      '+### 2.31.0',
      ...Array.from({ length: 8 }, (_, k) => `+* Fix parsing of week-years, #${6100 + k}`),
      ' ',
      ' ### 2.30.1'
    ]),
    ...RELEASE_LOCALES.map((code) => changed(`dist/locale/${code}.js`, 'modified', builtLocaleHunk(code, size(14, 30)))),
    changed('dist/moment.js', 'modified', moduleHunk('dist/moment', 600, random)),
    ...LOCALE_COPIES.map((code) => changed(`locale/${code}.js`, 'modified', builtLocaleHunk(code, size(14, 30)))),
    changed('min/moment-with-locales.min.js', 'modified', [
      '@@ -1 +1 @@',
      `-!function(e,t){${'a'.repeat(400)}}`,
      `+!function(e,t){${'b'.repeat(400)}}`
    ]),
    changed('min/moment.min.js', 'modified', [
      '@@ -1 +1 @@',
      `-!function(e,t){${'c'.repeat(300)}}`,
      `+!function(e,t){${'d'.repeat(300)}}`
    ]),
    changed('moment.d.ts', 'modified', [
      '@@ -600,3 +600,6 @@ declare namespace moment {',
      '+  interface WeekYearOptions {',
      '+    strict?: boolean',
      '+  }',
      ' }'
    ]),
    changed('package.json', 'modified', [
      '@@ -1,6 +1,6 @@',
      ' {',
      '   "name": "moment",',
      '-  "version": "2.30.1",',
      '+  "version": "2.31.0",',
      '   "main": "./moment.js",'
    ]),
    ...LIBRARY_MODULES.map((module) => changed(`src/lib/${module}.js`, 'modified', moduleHunk(module, size(20, 70), random))),
    ...RELEASE_LOCALES.map((code) => changed(`src/locale/${code}.js`, 'modified', localeHunk(code, size(14, 30)))),
    ...TESTED_LOCALES.map((code) => changed(`src/test/locale/${code}.js`, 'modified', testHunk(code, size(6, 20)))),
    ...MODULE_TESTS.map((name) => changed(`src/test/moment/${name}.js`, 'modified', testHunk(name, size(10, 30)))),
    changed('ts3.1-typings/moment.d.ts', 'modified', [
      '@@ -600,3 +600,6 @@ declare namespace moment {',
      '+  interface WeekYearOptions {',
      '+    strict?: boolean',
      '+  }',
      ' }'
    ])
  ].sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0))
  return {
    owner: FIXTURE_OWNER,
    repo: FIXTURE_REPO,
    number,
    title: 'Release 2.31.0',
    body: 'Week-year parsing fixes, updated translations, and the rebuilt distribution files.',
    draft: false,
    headSha: hex(`release-head-${seed}`),
    baseSha: hex(`release-base-${seed}`),
    headRef: 'release/2.31.0',
    baseRef: 'main',
    user: 'octo-maintainer',
    files,
    commits: [
      { sha: hex(`release-commit-1-${seed}`), message: 'Fix week-year parsing in strict mode' },
      { sha: hex(`release-commit-2-${seed}`), message: 'Update translations' },
      { sha: hex(`release-commit-3-${seed}`), message: 'Build 2.31.0' }
    ]
  }
}

/** A stable 40-hex "sha" from a string. @param {string} text */
function hex(text) {
  let h1 = 0x811c9dc5
  let out = ''
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < text.length; i++) h1 = Math.imul(h1 ^ text.charCodeAt(i), 0x01000193) >>> 0
    h1 = Math.imul(h1 ^ round, 0x01000193) >>> 0
    out += h1.toString(16).padStart(8, '0')
  }
  return out
}
