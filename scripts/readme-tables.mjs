#!/usr/bin/env node
// @ts-check
/**
 * Keeps the Inputs and Outputs tables of README.md in step with action.yml, which is the one source of
 * truth for both.
 *
 *   node scripts/readme-tables.mjs            check: exit 1 and print a diff when the tables are stale
 *   node scripts/readme-tables.mjs --write    rewrite the tables between the markers
 *   --root DIR                                 where action.yml and README.md live (default: the repo)
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

const GENERATED_NOTE = '<!-- Generated from action.yml by `node scripts/readme-tables.mjs --write`; do not edit by hand. -->'

/** @typedef {{ description?: string, required?: boolean, default?: unknown }} InputSpec */
/** @typedef {{ inputs?: Record<string, InputSpec>, outputs?: Record<string, { description?: string }> }} ActionSpec */

/** One table cell: folded YAML text on one line, with pipes escaped so they do not split the cell. @param {unknown} text */
function cell(text) {
  return String(text ?? '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\|/g, '\\|')
}

/** A default shown as code; an empty default is spelled out because an empty cell reads as "unknown". @param {unknown} value */
function defaultCell(value) {
  if (value === undefined) return ''
  const text = String(value)
  return text === '' ? '(empty)' : `\`${text.replace(/\|/g, '\\|')}\``
}

/**
 * The Inputs table, in action.yml order.
 * @param {ActionSpec} action
 * @returns {string}
 */
export function renderInputsTable(action) {
  const rows = Object.entries(action.inputs ?? {}).map(
    ([name, spec]) =>
      `| \`${name}\` | ${spec.required ? 'yes' : 'no'} | ${defaultCell(spec.default)} | ${cell(spec.description)} |`
  )
  return ['| Input | Required | Default | Description |', '| --- | --- | --- | --- |', ...rows].join('\n')
}

/**
 * The Outputs table, in action.yml order.
 * @param {ActionSpec} action
 * @returns {string}
 */
export function renderOutputsTable(action) {
  const rows = Object.entries(action.outputs ?? {}).map(([name, spec]) => `| \`${name}\` | ${cell(spec.description)} |`)
  return ['| Output | Description |', '| --- | --- |', ...rows].join('\n')
}

/**
 * Replaces what lies between `<!-- NAME:start -->` and `<!-- NAME:end -->` with `content`.
 * @param {string} readme
 * @param {string} name
 * @param {string} content
 */
function replaceBlock(readme, name, content) {
  const start = `<!-- ${name}:start -->`
  const end = `<!-- ${name}:end -->`
  const from = readme.indexOf(start)
  const to = readme.indexOf(end)
  if (from === -1 || to === -1 || to < from) {
    throw new Error(`README.md has no "${start}" … "${end}" block; add both markers where the ${name} table belongs.`)
  }
  return `${readme.slice(0, from + start.length)}\n${GENERATED_NOTE}\n\n${content}\n\n${readme.slice(to)}`
}

/**
 * The README with both generated tables brought up to date.
 * @param {string} readme
 * @param {ActionSpec} action
 * @returns {string}
 */
export function updateReadme(readme, action) {
  return replaceBlock(replaceBlock(readme, 'inputs', renderInputsTable(action)), 'outputs', renderOutputsTable(action))
}

/**
 * Line diff (longest common subsequence) of two texts: only the changed lines, as `-`/`+`.
 * @param {string} before
 * @param {string} after
 * @returns {string}
 */
export function lineDiff(before, after) {
  const a = before.split('\n')
  const b = after.split('\n')
  /** @type {number[][]} */
  const lcs = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0))
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1])
    }
  }
  /** @type {string[]} */
  const out = []
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i++
      j++
    } else if (j < b.length && (i === a.length || lcs[i][j + 1] >= lcs[i + 1][j])) {
      out.push(`+ ${b[j++]}`)
    } else {
      out.push(`- ${a[i++]}`)
    }
  }
  return out.join('\n')
}

function main() {
  const args = process.argv.slice(2)
  const write = args.includes('--write')
  const rootFlag = args.indexOf('--root')
  const root = rootFlag === -1 ? resolve(dirname(fileURLToPath(import.meta.url)), '..') : resolve(args[rootFlag + 1] ?? '.')
  const readmePath = join(root, 'README.md')
  const readme = readFileSync(readmePath, 'utf8')
  const action = /** @type {ActionSpec} */ (parse(readFileSync(join(root, 'action.yml'), 'utf8')))
  const updated = updateReadme(readme, action)

  if (updated === readme) {
    console.log('README.md tables match action.yml.')
    return 0
  }
  if (write) {
    writeFileSync(readmePath, updated)
    console.log('README.md tables rewritten from action.yml.')
    return 0
  }
  console.error(lineDiff(readme, updated))
  console.error('README.md tables are out of date with action.yml; run: node scripts/readme-tables.mjs --write')
  return 1
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main()
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error))
    process.exitCode = 2
  }
}
