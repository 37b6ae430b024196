// @ts-check
/**
 * Empties dist/ before ncc writes it. ncc does not delete the chunks of an earlier build, and a chunk
 * no import needs any more would stay in dist/, be minified again on every bundle (terser's names then
 * drift), and make the committed dist/ differ from a fresh bundle.
 */
import { rmSync } from 'node:fs'

rmSync(new URL('../dist/', import.meta.url), { recursive: true, force: true })
