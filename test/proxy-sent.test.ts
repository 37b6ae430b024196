/**
 * whenRequestsSent (src/proxy.ts): work that must not hold up a request waits until fetch has
 * written it out, which happens a few turns of the event loop after fetch is called.
 */
import { describe, expect, it } from '@jest/globals'
import diagnostics from 'node:diagnostics_channel'
import { whenRequestsSent } from '../src/proxy.js'
import { listenLocal } from './fixtures/http.js'

describe('whenRequestsSent', () => {
  it('calls back once the request fetch was asked for is written, not before, and only once', async () => {
    const events: string[] = []
    const { baseUrl } = await listenLocal((req, res) => {
      events.push(`server got ${req.url}`)
      setTimeout(() => res.end('ok'), 20)
    })
    // A first request opens the connection: the next one is written on it, as the reduce request is.
    await (await fetch(`${baseUrl}/warm`)).text()
    let calls = 0
    const sent = new Promise<void>((resolve) =>
      whenRequestsSent(
        () => {
          calls++
          events.push('sent')
          resolve()
        },
        { fallbackMs: 5_000 }
      )
    )
    const answer = fetch(`${baseUrl}/reduce`, { method: 'POST', body: JSON.stringify({ x: 1 }) })
    // What a setImmediate scheduled now would run before: the request has not been written yet.
    await new Promise((resolve) => setImmediate(resolve))
    events.push('immediate')
    await sent
    await (await answer).text()
    await (await fetch(`${baseUrl}/after`)).text()
    expect(events.indexOf('immediate')).toBeLessThan(events.indexOf('sent'))
    expect(events).toContain('server got /reduce')
    expect(calls).toBe(1)
  })

  it('waits until every request to the path that was created has been written', async () => {
    const { baseUrl } = await listenLocal((_req, res) => setTimeout(() => res.end('ok'), 20))
    await (await fetch(`${baseUrl}/warm`)).text()
    // Subscribed first, so that it hears of each request before the callback can.
    const received: string[] = []
    const bodySent = (message: unknown): void => {
      received.push((message as { request: { path: string } }).request.path)
    }
    diagnostics.subscribe('undici:request:bodySent', bodySent)
    let whenCalled: string[] = []
    const sent = new Promise<void>((resolve) =>
      whenRequestsSent(
        () => {
          whenCalled = [...received]
          resolve()
        },
        { path: '/chat/completions', fallbackMs: 5_000 }
      )
    )
    // Four requests at once, as the map round sends them: the callback comes after the last is written.
    const answers = [1, 2, 3, 4].map((n) => fetch(`${baseUrl}/openai/v1/chat/completions?n=${n}`, { method: 'POST', body: '{}' }))
    await sent
    diagnostics.unsubscribe('undici:request:bodySent', bodySent)
    await Promise.all(answers.map(async (answer) => (await answer).text()))
    expect(whenCalled).toHaveLength(4)
  })

  it('waits for a request to the path asked for, not any request', async () => {
    const { baseUrl } = await listenLocal((_req, res) => res.end('ok'))
    const sentAfter: string[] = []
    const seen: string[] = []
    const sent = new Promise<void>((resolve) =>
      whenRequestsSent(
        () => {
          sentAfter.push(...seen)
          resolve()
        },
        { path: '/chat/completions', fallbackMs: 5_000 }
      )
    )
    seen.push('token')
    await (await fetch(`${baseUrl}/oauth2/v2.0/token`, { method: 'POST', body: 'x' })).text()
    seen.push('model')
    await (await fetch(`${baseUrl}/openai/v1/chat/completions`, { method: 'POST', body: '{}' })).text()
    await sent
    expect(sentAfter).toEqual(['token', 'model'])
  })

  it('calls back after the fallback when no request is sent', async () => {
    const started = Date.now()
    await new Promise<void>((resolve) => whenRequestsSent(resolve, { fallbackMs: 30 }))
    expect(Date.now() - started).toBeGreaterThanOrEqual(25)
  })
})
