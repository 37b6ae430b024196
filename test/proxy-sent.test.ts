/**
 * whenNextRequestSent (src/proxy.ts): work that must not hold up a request waits until fetch has
 * written it out, which happens a few turns of the event loop after fetch is called.
 */
import { describe, expect, it } from '@jest/globals'
import { whenNextRequestSent } from '../src/proxy.js'
import { listenLocal } from './fixtures/http.js'

describe('whenNextRequestSent', () => {
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
      whenNextRequestSent(() => {
        calls++
        events.push('sent')
        resolve()
      }, 5_000)
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

  it('calls back after the fallback when no request is sent', async () => {
    const started = Date.now()
    await new Promise<void>((resolve) => whenNextRequestSent(resolve, 30))
    expect(Date.now() - started).toBeGreaterThanOrEqual(25)
  })
})
