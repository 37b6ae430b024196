#!/usr/bin/env node
// @ts-check
/**
 * Writes dist/o200k_base.ranks: gpt-tokenizer's o200k_base ranks in a compact binary form, which the
 * bundled action reads at run time (src/tokens.ts) instead of compiling the 2 MB JavaScript array that
 * gpt-tokenizer ships them as. Compiling that array cost ~85 ms and ~25 MB more than reading and
 * decoding the same ranks from this file; the counts are the library's own, from the same ranks.
 * The last step but one of `npm run bundle`; deterministic, so check-dist sees no change on a rebuild.
 *
 * Layout (little-endian; readRanksFile in src/rank-table.ts reads it):
 *   "RNK1"  u32 ranks  u32 byteTokens  u32 textBytes
 *   one byte per rank: the UTF-16 length of a token that is text (1..254), or 255 for a token that is bytes
 *   per byte token: u32 rank, u8 length, the bytes
 *   the UTF-8 of every text token, in rank order
 *
 *   node scripts/token-ranks.mjs [DIR]    write DIR/o200k_base.ranks (default: dist/)
 */
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** The file's name next to the bundle's chunks. */
export const RANKS_FILE = 'o200k_base.ranks'

const BYTE_TOKEN = 255

/**
 * The compact form of `ranks` (index = rank; a string, or the bytes of a token that is not UTF-8 text).
 * @param {ReadonlyArray<string | readonly number[]>} ranks
 * @returns {Buffer}
 */
export function encodeRanks(ranks) {
  const lengths = Buffer.alloc(ranks.length)
  /** @type {Buffer[]} */
  const byteTokens = []
  /** @type {string[]} */
  const texts = []
  ranks.forEach((token, rank) => {
    if (typeof token === 'string') {
      if (token.length < 1 || token.length >= BYTE_TOKEN)
        throw new Error(`rank ${rank}: a text token of ${token.length} UTF-16 units`)
      lengths[rank] = token.length
      texts.push(token)
    } else {
      if (token.length > 255) throw new Error(`rank ${rank}: a byte token of ${token.length} bytes`)
      lengths[rank] = BYTE_TOKEN
      const entry = Buffer.alloc(5 + token.length)
      entry.writeUInt32LE(rank, 0)
      entry[4] = token.length
      Buffer.from(token).copy(entry, 5)
      byteTokens.push(entry)
    }
  })
  const text = Buffer.from(texts.join(''), 'utf8')
  const header = Buffer.alloc(16)
  header.write('RNK1', 0, 'latin1')
  header.writeUInt32LE(ranks.length, 4)
  header.writeUInt32LE(byteTokens.length, 8)
  header.writeUInt32LE(text.length, 12)
  return Buffer.concat([header, lengths, ...byteTokens, text])
}

/**
 * Writes `dir`/o200k_base.ranks from the installed gpt-tokenizer.
 * @param {string} dir
 */
export async function writeRanks(dir) {
  const { default: ranks } = await import('gpt-tokenizer/bpeRanks/o200k_base')
  const path = join(dir, RANKS_FILE)
  const data = encodeRanks(ranks)
  writeFileSync(path, data)
  return { path, bytes: data.length }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const dir = process.argv[2] ?? fileURLToPath(new URL('../dist/', import.meta.url))
  const { path, bytes } = await writeRanks(dir)
  console.log(`wrote ${path}: ${(bytes / 1e6).toFixed(2)} MB`)
}
