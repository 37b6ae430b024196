// @ts-check
/**
 * Minifies every JavaScript file ncc wrote to dist/. `ncc build --minify` minifies only dist/index.js,
 * not the chunks that dynamic imports load (auth, model client, markdown, tokenizer), and what a run
 * loads is what its cold start pays for. License comments are kept; dist/licenses.txt lists them all.
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
  const result = await minify(code, { module: true, compress: { passes: 1 }, mangle: true, format: { comments: 'some' } })
  if (result.code === undefined) throw new Error(`terser produced nothing for dist/${name}`)
  await writeFile(path, result.code)
  before += code.length
  after += result.code.length
}
console.log(`minified ${files.length} files in dist/: ${(before / 1e6).toFixed(2)} MB → ${(after / 1e6).toFixed(2)} MB`)
