/**
 * Issue: reliability under failure, behind a corporate proxy. With HTTPS_PROXY / HTTP_PROXY set, the
 * action reaches GitHub, the GitHub OIDC endpoint, Entra ID and Azure OpenAI through the proxy; with
 * NO_PROXY naming those hosts, it reaches none of them through it.
 *
 * Loopback: real GitHub is never loopback, so here GitHub and the OIDC endpoint are addressed by a name
 * that reaches 127.0.0.1 without being spelled as loopback, as they would be on a runner (a client that
 * exempts loopback, as @actions/http-client does with `localhost`, `127.*` and `[::1]`, cannot pass the
 * test by accident). undici's EnvHttpProxyAgent (GitHub, OIDC, Azure OpenAI) and
 * @azure/core-rest-pipeline's proxyPolicy (Entra ID) make no such exception: with NO_PROXY='' they must
 * proxy 127.0.0.1 too, so Entra ID and Azure OpenAI keep their plain addresses.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { hostname } from 'node:os'
import { startConnectProxy } from '../emulators/proxy.mjs'
import { act, errors, plant, start, summaryComments, type Emulators } from './harness.js'

type Proxy = Awaited<ReturnType<typeof startConnectProxy>>

let emu: Emulators
let proxy: Proxy
beforeEach(async () => {
  emu = await start()
  proxy = await startConnectProxy()
})
afterEach(async () => {
  await Promise.all([emu.close(), proxy.close()])
})

/**
 * A host name for 127.0.0.1 that @actions/http-client does not treat as loopback: the machine's own
 * name where it resolves to 127.0.0.1 (as in most containers' /etc/hosts), else the IPv4-mapped IPv6 form.
 */
async function nonLoopbackSpelling(port: number): Promise<string> {
  for (const host of [hostname(), '[::ffff:127.0.0.1]']) {
    if (host === 'localhost' || host.startsWith('127.')) continue
    try {
      await fetch(`http://${host}:${port}/`, { signal: AbortSignal.timeout(2_000) })
      return host
    } catch {
      // Not this machine's loopback: try the next spelling.
    }
  }
  throw new Error(
    `No name reaches 127.0.0.1:${port} without being spelled as loopback (tried ${hostname()} and [::ffff:127.0.0.1]); add "127.0.0.1 ${hostname()}" to /etc/hosts.`
  )
}

/** Port of each remote, as the proxy sees it in `CONNECT host:port` or an absolute-form URL. */
function ports(emulators: Emulators) {
  return {
    github: new URL(emulators.github.apiUrl).port,
    oidc: new URL(emulators.oidc.requestUrl).port,
    entra: new URL(emulators.entra.authorityHost).port,
    openai: new URL(emulators.openai.url).port
  }
}

function proxiedPorts(recorded: Proxy['requests']): Set<string> {
  return new Set(recorded.map(({ target }) => new URL(target.includes('://') ? target : `http://${target}`).port))
}

/** Runner environment that sends GitHub and the OIDC request to `host` instead of 127.0.0.1. */
function githubVia(host: string): Record<string, string> {
  const swap = (url: string) => url.replace('127.0.0.1', host)
  return {
    GITHUB_API_URL: swap(emu.github.apiUrl),
    GITHUB_SERVER_URL: swap(emu.github.serverUrl),
    ACTIONS_ID_TOKEN_REQUEST_URL: swap(emu.oidc.requestUrl)
  }
}

describe('HTTPS_PROXY / HTTP_PROXY / NO_PROXY', () => {
  it('sends GitHub, OIDC, Entra ID and Azure OpenAI traffic through the proxy when NO_PROXY is empty', async () => {
    const { pr, event } = plant(emu)
    const host = await nonLoopbackSpelling(Number(ports(emu).github))
    const run = await act(emu, event, {
      env: { ...githubVia(host), HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url, NO_PROXY: '' }
    })
    expect({ code: run.code, errors: errors(run) }).toEqual({ code: 0, errors: [] })
    expect(summaryComments(emu, pr)).toHaveLength(1)

    const seen = proxiedPorts(proxy.requests)
    const expected = ports(emu)
    expect({
      github: seen.has(expected.github),
      oidc: seen.has(expected.oidc),
      entra: seen.has(expected.entra),
      openai: seen.has(expected.openai)
    }).toEqual({ github: true, oidc: true, entra: true, openai: true })
    // Nothing else went out: the proxy saw only the four remotes.
    expect([...seen].filter((port) => !Object.values(expected).includes(port))).toEqual([])
  })

  it('sends nothing through the proxy when NO_PROXY lists the hosts', async () => {
    const { pr, event } = plant(emu)
    const host = await nonLoopbackSpelling(Number(ports(emu).github))
    const noProxy = ['127.0.0.1', host.replace(/^\[|\]$/g, ''), host].join(',')
    const run = await act(emu, event, {
      env: { ...githubVia(host), HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url, NO_PROXY: noProxy }
    })
    expect({ code: run.code, errors: errors(run) }).toEqual({ code: 0, errors: [] })
    expect(summaryComments(emu, pr)).toHaveLength(1)
    expect(proxy.requests).toEqual([])
  })

  it('a proxy that is down ends in one ::error:: that names the proxy setting', async () => {
    const { pr, event } = plant(emu)
    const host = await nonLoopbackSpelling(Number(ports(emu).github))
    const down = proxy.url
    await proxy.close()
    const run = await act(emu, event, {
      env: { ...githubVia(host), HTTPS_PROXY: down, HTTP_PROXY: down, NO_PROXY: '' },
      inputs: { 'timeout-seconds': 30 }
    })
    expect(run.code).toBe(1)
    expect(errors(run)).toHaveLength(1)
    expect(errors(run)[0]).toMatch(/HTTPS?_PROXY|proxy/i)
    expect(summaryComments(emu, pr)).toHaveLength(0)
  })
})
