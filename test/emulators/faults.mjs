// @ts-check
/**
 * Fault injection shared by every emulator. Each emulator names its routes (e.g. 'openai.chat');
 * a test queues faults per route, and the route handler asks `take(route)` before serving.
 *
 * A fault is one of:
 *   { status, headers?, json?, body? }  answer with this instead of the real response
 *   { status, after: true, ... }        run the real handler (state changes!), then answer with this
 *   { reset: true }                     destroy the socket without an answer (ECONNRESET)
 *   { hang: true }                      never answer (until the emulator closes)
 *   { delayMs }                         wait, then serve normally
 */

/** @typedef {{ status?: number, headers?: Record<string,string>, json?: unknown, body?: string, after?: boolean, reset?: boolean, hang?: boolean, delayMs?: number, sticky?: boolean, aadsts?: number }} Fault */

export class FaultQueue {
  constructor() {
    /** @type {Map<string, Fault[]>} */
    this.queues = new Map()
    /** @type {Map<string, number>} */
    this.hits = new Map()
    /** @type {Set<import('node:http').ServerResponse>} */
    this.hanging = new Set()
  }

  /**
   * Queue `fault` for the next `times` requests of `route` (Infinity: every request).
   * @param {string} route @param {Fault} fault @param {number} [times]
   */
  add(route, fault, times = 1) {
    const queue = this.queues.get(route) ?? []
    for (let i = 0; i < Math.min(times, 10_000); i++) queue.push(fault)
    if (times === Infinity) queue.push({ ...fault, sticky: true })
    this.queues.set(route, queue)
  }

  /** @param {string} [route] */
  clear(route) {
    if (route) this.queues.delete(route)
    else this.queues.clear()
  }

  /**
   * Counts a hit on `route` and returns the fault to apply, if any.
   * @param {string} route
   */
  take(route) {
    this.hits.set(route, (this.hits.get(route) ?? 0) + 1)
    const queue = this.queues.get(route)
    if (!queue || queue.length === 0) return undefined
    const head = /** @type {Fault & {sticky?: boolean}} */ (queue[0])
    if (!head.sticky) queue.shift()
    return head
  }

  /**
   * Applies the "answer instead" part of a fault. Returns true when the response was taken over.
   * @param {Fault | undefined} fault
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  respond(fault, req, res) {
    if (!fault) return false
    if (fault.reset) {
      req.socket.destroy()
      return true
    }
    if (fault.hang) {
      this.hanging.add(res)
      return true
    }
    if (fault.status === undefined) return false
    const headers = { ...(fault.headers ?? {}) }
    let body = fault.body ?? ''
    if (fault.json !== undefined) {
      body = JSON.stringify(fault.json)
      headers['content-type'] ??= 'application/json'
    }
    res.writeHead(fault.status, headers)
    res.end(body)
    return true
  }

  /** Ends hanging responses so servers can close. */
  releaseAll() {
    for (const res of this.hanging) res.socket?.destroy()
    this.hanging.clear()
  }
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** @typedef {{ status: number, json: unknown, headers?: Record<string, string> }} Reply */

/**
 * Serves one request of `route` through the fault queue: a fault answers instead of the handler, or
 * (`after: true`) after it, so the handler's side effects still happen. A `{ aadsts }` fault is handed
 * to `forced`, which fails the request with that code.
 * @param {FaultQueue} faults
 * @param {string} route
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {() => Reply | Promise<Reply>} handler
 * @param {(code: number) => Reply | Promise<Reply>} [forced]
 */
export async function serve(faults, route, req, res, handler, forced) {
  const fault = faults.take(route)
  if (fault?.delayMs) await sleep(fault.delayMs)
  if (forced && fault?.aadsts !== undefined) return reply(res, await forced(fault.aadsts))
  if (!fault?.after && faults.respond(fault, req, res)) return
  const answer = await handler()
  if (fault?.after && faults.respond(fault, req, res)) return
  reply(res, answer)
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {Reply} answer
 */
export function reply(res, answer) {
  res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers })
  res.end(JSON.stringify(answer.json))
}
