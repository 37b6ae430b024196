// @ts-check
/**
 * Minifies every JavaScript file ncc wrote to dist/. `ncc build --minify` minifies only dist/index.js,
 * not the chunks that dynamic imports load (auth, model client, markdown, tokenizer), and what a run
 * loads is what its cold start pays for. License comments are kept; dist/licenses.txt lists them all.
 * The output is ASCII only: a source with one non-ASCII character is held by V8 as a two-byte string,
 * twice the memory of the same source as one byte per character.
 *
 * ncc also copies `xdg-open` for the `open` package, which only @azure/identity's interactive browser
 * login uses; the action never opens a browser, and `open` falls back to the system's xdg-open when
 * the copy is missing, so it is removed rather than shipped.
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { minify } from 'terser'

const DIST = new URL('../dist/', import.meta.url).pathname

await rm(join(DIST, 'xdg-open'), { force: true })

const files = (await readdir(DIST)).filter((name) => name.endsWith('.js'))
let before = 0
let after = 0
for (const name of files) {
  const path = join(DIST, name)
  const code = await readFile(path, 'utf8')
  const result = await minify(code, {
    module: true,
    compress: { passes: 1 },
    mangle: true,
    format: { comments: 'some', ascii_only: true }
  })
  if (result.code === undefined) throw new Error(`terser produced nothing for dist/${name}`)
  // ascii_only escapes code, strings and regular expressions; what is left (a name in a license
  // comment) is escaped too, so that V8 keeps every file as a one-byte string.
  const ascii = result.code.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  await writeFile(path, ascii)
  before += code.length
  after += ascii.length
}
console.log(`minified ${files.length} files in dist/: ${(before / 1e6).toFixed(2)} MB → ${(after / 1e6).toFixed(2)} MB`)
