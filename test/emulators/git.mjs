// @ts-check
/**
 * The git side of the GitHub emulator: commits with parents and file trees, real unified diffs
 * (Myers, 3 lines of context, git's hunk headers), and the folding of per-commit changes into one
 * diff the way `pulls/{n}/files` and `compare` show it. Pure data and functions; no HTTP here.
 *
 * A tree maps a path to a blob. A blob is either known bytes, or UNKNOWN: the file exists but its
 * content was never planted (fixtures that give only a patch). Diffs are computed exactly whenever both
 * ends are known; a file changed by several patch-only commits gets summed counts and its patches joined,
 * which is close to, not exactly, what GitHub would show (plant `content` to get exact patches).
 */
import { createHash } from 'node:crypto'

/**
 * @typedef {{ filename: string, status: string, additions: number, deletions: number, patch?: string, previous_filename?: string }} FileSpec
 * @typedef {import('./git.mjs').KnownBlob | typeof UNKNOWN} Blob
 * @typedef {Map<string, Blob>} Tree
 * @typedef {{ login: string, name: string, email: string, date: string }} Person
 * @typedef {{ sha: string, parents: string[], message: string, author: Person, committer: Person,
 *   changes: FileSpec[], tree: Tree }} CommitNode
 * @typedef {string | Uint8Array | null} Content  null: the file is deleted
 * @typedef {FileSpec | { filename: string, content: Content, previous_filename?: string }} Change
 *   A change in a push: an explicit diff entry (as GitHub lists it), or the file's new content, from
 *   which the emulator computes the entry against the parent commit's tree.
 */

/** Marks a file that exists but whose content was never planted. */
export const UNKNOWN = Object.freeze({ unknown: true })

/** git's binary heuristic: a NUL byte in the first 8,000 bytes. @param {Buffer} bytes */
export const isBinary = (bytes) => bytes.subarray(0, 8000).includes(0)

/** The git blob id of `bytes` (sha1 of "blob <size>\0" + bytes), as the contents API reports it. @param {Buffer} bytes */
export function blobSha(bytes) {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex')
}

/** @typedef {{ bytes: Buffer, sha: string }} KnownBlob */

/** @param {string | Uint8Array} content @returns {KnownBlob} */
export function blobOf(content) {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content)
  return { bytes, sha: blobSha(bytes) }
}

/** @param {Blob | undefined} blob @returns {blob is KnownBlob} */
export const isKnown = (blob) => blob !== undefined && blob !== UNKNOWN

/**
 * A unified diff from `before` to `after` (undefined: the file does not exist on that side) as GitHub's
 * `patch` field holds it: hunks only, no `diff --git`/`---`/`+++` header. Binary files get no patch and
 * 0/0 lines, like GitHub lists them.
 * @param {Buffer | undefined} before @param {Buffer | undefined} after
 * @returns {{ additions: number, deletions: number, patch?: string }}
 */
export function diffBytes(before, after) {
  const a = before ?? Buffer.alloc(0)
  const b = after ?? Buffer.alloc(0)
  if (isBinary(a) || isBinary(b)) return { additions: 0, deletions: 0 }
  return unifiedDiff(a.toString('utf8'), b.toString('utf8'))
}

/**
 * @param {string} before @param {string} after @param {number} [context]
 * @returns {{ additions: number, deletions: number, patch?: string }}
 */
export function unifiedDiff(before, after, context = 3) {
  const a = splitLines(before)
  const b = splitLines(after)
  const ops = editScript(a, b)
  const additions = ops.filter((op) => op.kind === '+').length
  const deletions = ops.filter((op) => op.kind === '-').length
  if (additions === 0 && deletions === 0) return { additions, deletions }
  /** @type {string[]} */
  const out = []
  // Hunks: runs of changes whose equal gaps are at most 2 × context, plus context on each side.
  let i = 0
  while (i < ops.length) {
    if (/** @type {Op} */ (ops[i]).kind === ' ') {
      i++
      continue
    }
    let start = i
    let end = i
    for (let k = i; k < ops.length; k++) {
      if (/** @type {Op} */ (ops[k]).kind !== ' ') end = k
      else if (k - end > 2 * context) break
    }
    start = Math.max(0, start - context)
    const last = Math.min(ops.length - 1, end + context)
    const hunk = ops.slice(start, last + 1)
    const first = /** @type {Op} */ (hunk[0])
    const oldCount = hunk.filter((op) => op.kind !== '+').length
    const newCount = hunk.filter((op) => op.kind !== '-').length
    // git numbers an empty side from the line before it (0 for an empty file).
    const oldStart = oldCount === 0 ? first.oldIndex : first.oldIndex + 1
    const newStart = newCount === 0 ? first.newIndex : first.newIndex + 1
    const range = (/** @type {number} */ from, /** @type {number} */ count) => (count === 1 ? `${from}` : `${from},${count}`)
    const funcname = functionContext(a, first.oldIndex)
    out.push(`@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@${funcname ? ` ${funcname}` : ''}`)
    for (const op of hunk) {
      out.push(op.kind + op.line.text)
      if (op.line.noEol) out.push('\\ No newline at end of file')
    }
    i = last + 1
  }
  return { additions, deletions, patch: out.join('\n') }
}

/**
 * @typedef {{ text: string, noEol: boolean }} Line
 * @typedef {{ kind: ' ' | '-' | '+', line: Line, oldIndex: number, newIndex: number }} Op
 */

/** @param {string} text @returns {Line[]} */
function splitLines(text) {
  if (text === '') return []
  const parts = text.split('\n')
  const noEol = parts.at(-1) !== ''
  if (!noEol) parts.pop()
  return parts.map((t, i) => ({ text: t, noEol: noEol && i === parts.length - 1 }))
}

/** @param {Line} x @param {Line} y */
const sameLine = (x, y) => x.text === y.text && x.noEol === y.noEol

/**
 * Myers' O(ND) shortest edit script, deletions before insertions like git. Beyond a few thousand
 * differences the middle is replaced wholesale: still a correct diff, only not minimal.
 * @param {Line[]} a @param {Line[]} b @returns {Op[]}
 */
function editScript(a, b) {
  // Common prefix and suffix first: most diffs are small edits in large files.
  let prefix = 0
  while (prefix < a.length && prefix < b.length && sameLine(/** @type {Line} */ (a[prefix]), /** @type {Line} */ (b[prefix])))
    prefix++
  let suffix = 0
  while (
    suffix < a.length - prefix &&
    suffix < b.length - prefix &&
    sameLine(/** @type {Line} */ (a[a.length - 1 - suffix]), /** @type {Line} */ (b[b.length - 1 - suffix]))
  )
    suffix++
  const midA = a.slice(prefix, a.length - suffix)
  const midB = b.slice(prefix, b.length - suffix)
  /** @type {Op[]} */
  const ops = []
  for (let k = 0; k < prefix; k++) ops.push({ kind: ' ', line: /** @type {Line} */ (a[k]), oldIndex: k, newIndex: k })
  for (const op of myers(midA, midB)) ops.push({ ...op, oldIndex: op.oldIndex + prefix, newIndex: op.newIndex + prefix })
  for (let k = 0; k < suffix; k++) {
    const oldIndex = a.length - suffix + k
    ops.push({ kind: ' ', line: /** @type {Line} */ (a[oldIndex]), oldIndex, newIndex: b.length - suffix + k })
  }
  return ops
}

const MAX_EDIT_DISTANCE = 4000

/** @param {Line[]} a @param {Line[]} b @returns {Op[]} */
function myers(a, b) {
  const n = a.length
  const m = b.length
  const max = n + m
  if (max === 0) return []
  const offset = max + 1
  /** @type {Int32Array[]} */
  const trace = []
  let v = new Int32Array(2 * max + 3)
  let found = -1
  for (let d = 0; d <= Math.min(max, MAX_EDIT_DISTANCE); d++) {
    trace.push(v.slice())
    for (let k = -d; k <= d; k += 2) {
      // Prefer moving down (a deletion) when tied, so deletions come first as in git.
      let x =
        k === -d || (k !== d && /** @type {number} */ (v[offset + k - 1]) < /** @type {number} */ (v[offset + k + 1]))
          ? /** @type {number} */ (v[offset + k + 1])
          : /** @type {number} */ (v[offset + k - 1]) + 1
      let y = x - k
      while (x < n && y < m && sameLine(/** @type {Line} */ (a[x]), /** @type {Line} */ (b[y]))) {
        x++
        y++
      }
      v[offset + k] = x
      if (x >= n && y >= m) {
        found = d
        break
      }
    }
    if (found >= 0) break
  }
  if (found < 0) {
    return [
      ...a.map((line, i) => /** @type {Op} */ ({ kind: '-', line, oldIndex: i, newIndex: 0 })),
      ...b.map((line, j) => /** @type {Op} */ ({ kind: '+', line, oldIndex: n, newIndex: j }))
    ]
  }
  // Walk the trace back from (n, m) to (0, 0).
  /** @type {Op[]} */
  const reversed = []
  let x = n
  let y = m
  for (let d = found; d > 0; d--) {
    const prev = /** @type {Int32Array} */ (trace[d])
    const k = x - y
    const down =
      k === -d || (k !== d && /** @type {number} */ (prev[offset + k - 1]) < /** @type {number} */ (prev[offset + k + 1]))
    const prevK = down ? k + 1 : k - 1
    const prevX = /** @type {number} */ (prev[offset + prevK])
    const prevY = prevX - prevK
    while (x > prevX && y > prevY) {
      x--
      y--
      reversed.push({ kind: ' ', line: /** @type {Line} */ (a[x]), oldIndex: x, newIndex: y })
    }
    if (down) {
      y--
      reversed.push({ kind: '+', line: /** @type {Line} */ (b[y]), oldIndex: x, newIndex: y })
    } else {
      x--
      reversed.push({ kind: '-', line: /** @type {Line} */ (a[x]), oldIndex: x, newIndex: y })
    }
  }
  while (x > 0 && y > 0) {
    x--
    y--
    reversed.push({ kind: ' ', line: /** @type {Line} */ (a[x]), oldIndex: x, newIndex: y })
  }
  const ops = reversed.reverse()
  // Within each run of changes, deletions before insertions (git's order).
  /** @type {Op[]} */
  const ordered = []
  for (let i = 0; i < ops.length;) {
    if (/** @type {Op} */ (ops[i]).kind === ' ') {
      ordered.push(/** @type {Op} */ (ops[i++]))
      continue
    }
    let j = i
    while (j < ops.length && /** @type {Op} */ (ops[j]).kind !== ' ') j++
    const run = ops.slice(i, j)
    ordered.push(...run.filter((op) => op.kind === '-'), ...run.filter((op) => op.kind === '+'))
    i = j
  }
  return ordered
}

/**
 * git's default hunk-header context: the nearest line above the hunk that starts with a letter, `_`
 * or `$`, cut to 80 bytes.
 * @param {Line[]} lines @param {number} before index of the hunk's first old line
 */
function functionContext(lines, before) {
  for (let i = before - 1; i >= 0; i--) {
    const text = /** @type {Line} */ (lines[i]).text
    if (/^[A-Za-z_$]/.test(text)) return text.replace(/\s+$/, '').slice(0, 80)
  }
  return ''
}

/**
 * Applies one change to `tree` (in place) and returns the diff entry GitHub lists for it.
 * @param {Tree} tree the parent commit's tree, copied by the caller
 * @param {Change} change
 * @returns {FileSpec}
 */
export function applyChange(tree, change) {
  if (!('content' in change) || change.content === undefined) {
    const spec = /** @type {FileSpec} */ ({ ...change })
    if (typeof spec.filename !== 'string' || typeof spec.status !== 'string')
      throw new Error(
        `github emulator: a change needs \`filename\` and either \`content\` or \`status\`: ${JSON.stringify(change)}`
      )
    if (spec.status === 'removed') tree.delete(spec.filename)
    else if (spec.status === 'renamed' && spec.previous_filename !== undefined) {
      const moved = tree.get(spec.previous_filename)
      tree.delete(spec.previous_filename)
      tree.set(spec.filename, spec.additions + spec.deletions === 0 && moved ? moved : UNKNOWN)
    } else tree.set(spec.filename, UNKNOWN)
    return { ...spec, additions: spec.additions ?? 0, deletions: spec.deletions ?? 0 }
  }
  const from = change.previous_filename ?? change.filename
  const found = tree.get(from)
  const before = isKnown(found) ? found : undefined
  if (found !== undefined && !before)
    throw new Error(
      `github emulator: cannot diff ${from}: its earlier content was never planted (plant it in baseContents, or give this change as { filename, status, additions, deletions, patch })`
    )
  if (change.content === null) {
    if (!before) throw new Error(`github emulator: cannot delete ${from}: it does not exist in the parent commit`)
    tree.delete(from)
    return { filename: from, status: 'removed', ...diffBytes(before.bytes, undefined) }
  }
  const blob = blobOf(change.content)
  if (change.previous_filename !== undefined) {
    if (!before) throw new Error(`github emulator: cannot rename ${from}: it does not exist in the parent commit`)
    tree.delete(from)
    tree.set(change.filename, blob)
    return { filename: change.filename, status: 'renamed', previous_filename: from, ...diffBytes(before.bytes, blob.bytes) }
  }
  tree.set(change.filename, blob)
  return { filename: change.filename, status: before ? 'modified' : 'added', ...diffBytes(before?.bytes, blob.bytes) }
}

/**
 * Folds per-commit diff entries (oldest first) into one diff from the tree `start` to the tree `end`,
 * as GitHub lists a PR's files or a comparison's: a file added then changed is `added`, added then
 * removed disappears, renames chain. Where both ends are known the entry is recomputed exactly.
 * @param {FileSpec[][]} lists @param {Tree} start @param {Tree} end @returns {FileSpec[]}
 */
export function foldChanges(lists, start, end) {
  /** @type {Map<string, FileSpec>} */
  const map = new Map()
  for (const changes of lists) {
    for (const change of changes) {
      const key =
        change.status === 'renamed' && change.previous_filename !== undefined ? change.previous_filename : change.filename
      const prev = map.get(key)
      if (!prev) {
        map.set(change.filename, { ...change })
        continue
      }
      map.delete(key)
      const merged = compose(prev, change)
      if (merged) map.set(merged.filename, merged)
    }
  }
  /** @type {FileSpec[]} */
  const out = []
  for (const entry of map.values()) {
    const spec = entry
    const startPath = spec.status === 'added' ? undefined : (spec.previous_filename ?? spec.filename)
    const endPath = spec.status === 'removed' ? undefined : spec.filename
    const a = startPath === undefined ? undefined : start.get(startPath)
    const b = endPath === undefined ? undefined : end.get(endPath)
    const knownA = startPath === undefined || isKnown(a)
    const knownB = endPath === undefined || isKnown(b)
    if (knownA && knownB) {
      // Changed and changed back: not part of the diff any more.
      if (spec.status === 'modified' && isKnown(a) && isKnown(b) && a.sha === b.sha) continue
      const exact = diffBytes(isKnown(a) ? a.bytes : undefined, isKnown(b) ? b.bytes : undefined)
      const { patch: _drop, ...rest } = spec
      out.push({
        ...rest,
        additions: exact.additions,
        deletions: exact.deletions,
        ...(exact.patch ? { patch: exact.patch } : {})
      })
      continue
    }
    out.push(spec)
  }
  return out
}

/**
 * Two successive changes of one file as one entry; undefined when they cancel out.
 * @param {FileSpec} first @param {FileSpec} next
 * @returns {FileSpec | undefined}
 */
function compose(first, next) {
  const additions = first.additions + next.additions
  const deletions = first.deletions + next.deletions
  const patch = first.patch !== undefined && next.patch !== undefined ? `${first.patch}\n${next.patch}` : undefined
  const counts = { additions, deletions, ...(patch === undefined ? {} : { patch }) }
  if (next.status === 'removed') {
    if (first.status === 'added') return undefined
    const original = first.status === 'renamed' ? (first.previous_filename ?? first.filename) : first.filename
    return { filename: original, status: 'removed', ...counts }
  }
  if (next.status === 'renamed') {
    if (first.status === 'added') return { filename: next.filename, status: 'added', ...counts }
    const original = first.status === 'renamed' ? (first.previous_filename ?? first.filename) : first.filename
    if (original === next.filename) return { filename: next.filename, status: 'modified', ...counts }
    return { filename: next.filename, status: 'renamed', previous_filename: original, ...counts }
  }
  if (next.status === 'added') {
    // Removed, then added again: the path now holds other content.
    return { filename: next.filename, status: first.status === 'removed' ? 'modified' : first.status, ...counts }
  }
  const keep = first.status === 'added' || first.status === 'renamed' ? first.status : 'modified'
  return {
    filename: next.filename,
    status: keep,
    ...(keep === 'renamed' && first.previous_filename !== undefined ? { previous_filename: first.previous_filename } : {}),
    ...counts
  }
}

/**
 * Every commit reachable from `sha` (itself included). Parents that are not stored end the walk,
 * like commits GitHub has garbage-collected.
 * @param {Map<string, CommitNode>} commits @param {string} sha
 */
export function ancestors(commits, sha) {
  /** @type {Set<string>} */
  const seen = new Set()
  const stack = [sha]
  while (stack.length > 0) {
    const next = /** @type {string} */ (stack.pop())
    if (seen.has(next) || !commits.has(next)) continue
    seen.add(next)
    stack.push(.../** @type {CommitNode} */ (commits.get(next)).parents)
  }
  return seen
}

/**
 * The best common ancestor of `a` and `b` (one that no other common ancestor descends from).
 * @param {Map<string, CommitNode>} commits @param {string} a @param {string} b
 */
export function mergeBase(commits, a, b) {
  const fromA = ancestors(commits, a)
  const common = [...ancestors(commits, b)].filter((sha) => fromA.has(sha))
  return common.find((candidate) => !common.some((other) => other !== candidate && ancestors(commits, other).has(candidate)))
}

/**
 * Commits reachable from `head` but not from `base`, parents before children (GitHub's chronological
 * order for compare and pulls/commits).
 * @param {Map<string, CommitNode>} commits @param {string} base @param {string} head
 * @returns {CommitNode[]}
 */
export function commitsBetween(commits, base, head) {
  const exclude = ancestors(commits, base)
  /** @type {CommitNode[]} */
  const out = []
  /** @type {Set<string>} */
  const done = new Set()
  /** @param {string} sha */
  const visit = (sha) => {
    // Iterative post-order over first parents keeps deep linear histories off the call stack.
    const stack = [{ sha, next: 0 }]
    while (stack.length > 0) {
      const frame = /** @type {{ sha: string, next: number }} */ (stack.at(-1))
      const node = commits.get(frame.sha)
      if (!node || exclude.has(frame.sha) || done.has(frame.sha)) {
        stack.pop()
        continue
      }
      if (frame.next < node.parents.length) {
        stack.push({ sha: /** @type {string} */ (node.parents[frame.next++]), next: 0 })
        continue
      }
      done.add(frame.sha)
      out.push(node)
      stack.pop()
    }
  }
  visit(head)
  return out
}

/** A deterministic commit id from what the commit holds. @param {string[]} parents @param {string} message @param {Tree} tree @param {number} seq */
export function commitSha(parents, message, tree, seq) {
  const hash = createHash('sha1').update(`emulated commit ${seq}\n`)
  for (const parent of parents) hash.update(`parent ${parent}\n`)
  for (const [path, blob] of [...tree.entries()].sort(([x], [y]) => (x < y ? -1 : 1)))
    hash.update(`${path} ${isKnown(blob) ? blob.sha : 'unknown'}\n`)
  return hash.update(`\n${message}`).digest('hex')
}
