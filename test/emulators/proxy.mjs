// @ts-check
/**
 * A forward proxy for HTTPS_PROXY / HTTP_PROXY tests: tunnels `CONNECT host:port` and forwards
 * absolute-form plain-http requests, recording each one so a test can prove traffic went through it.
 *
 * With `intercept`, it also stands in for named HTTPS hosts: a `CONNECT api.github.com:443` is answered
 * by the proxy itself, with a certificate for that host (trusted through NODE_EXTRA_CA_CERTS), and each
 * request inside is forwarded to a local emulator. That is how a process whose GITHUB_API_URL is fixed
 * at https://api.github.com (a GitHub runner's) reaches the GitHub emulator. CONNECTs to any other
 * host that is not loopback are then refused (403), so nothing leaves the machine unnoticed.
 */
import { createServer, request as httpRequest } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { connect } from 'node:net'

/**
 * @typedef {object} InterceptedHost
 * @property {string} key PEM private key of the host's certificate.
 * @property {string} cert PEM certificate for the host (SAN = the host name).
 * @property {string} target Origin requests are forwarded to, e.g. http://127.0.0.1:PORT (path kept).
 */

/**
 * Starts the proxy on 127.0.0.1 (port 0).
 * @param {{ intercept?: Record<string, InterceptedHost> }} [options] Keys are `host:port` as in CONNECT.
 * @returns {Promise<{ url: string, requests: { method: string, target: string }[], close(): Promise<void> }>}
 */
export async function startConnectProxy(options = {}) {
  /** @type {{ method: string, target: string }[]} */
  const requests = []
  /** @type {Set<import('node:stream').Duplex>} */
  const sockets = new Set()
  const intercepted = new Map(
    Object.entries(options.intercept ?? {}).map(([hostPort, site]) => [hostPort, interceptingServer(hostPort, site, requests)])
  )

  const server = createServer((req, res) => {
    const target = req.url ?? ''
    requests.push({ method: req.method ?? 'GET', target })
    if (!/^http:\/\//i.test(target)) {
      res.writeHead(400, { 'content-type': 'text/plain' })
      res.end('proxy emulator: expected an absolute-form http:// request or CONNECT')
      return
    }
    const upstream = httpRequest(target, { method: req.method, headers: withoutHopByHop(req.headers) }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' })
      res.end('proxy emulator: upstream unreachable')
    })
    req.pipe(upstream)
  })

  server.on('connect', (req, client, head) => {
    const target = req.url ?? ''
    requests.push({ method: 'CONNECT', target })
    const [host, port] = splitHostPort(target)
    const site = intercepted.get(target)
    if (site) {
      sockets.add(client)
      client.on('close', () => sockets.delete(client))
      client.on('error', () => client.destroy())
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) client.unshift(head)
      site.emit('connection', client)
      return
    }
    if (intercepted.size > 0 && !isLoopback(host)) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n')
      return
    }
    const upstream = connect(port, host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    sockets.add(client)
    sockets.add(upstream)
    const drop = () => {
      client.destroy()
      upstream.destroy()
    }
    upstream.on('error', () => {
      if (client.writable) client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n')
      drop()
    })
    client.on('error', drop)
    client.on('close', () => sockets.delete(client))
    upstream.on('close', () => sockets.delete(upstream))
  })

  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)))
  const address = /** @type {import('node:net').AddressInfo} */ (server.address())
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    async close() {
      for (const socket of sockets) socket.destroy()
      for (const site of intercepted.values()) site.closeAllConnections()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(() => resolve(undefined)))
    }
  }
}

/**
 * An HTTPS server that never listens: the proxy hands it the CONNECT sockets for `hostPort`, and it
 * forwards each request to `site.target` with the same method, path and headers (Host rewritten).
 * @param {string} hostPort @param {InterceptedHost} site @param {{ method: string, target: string }[]} requests
 */
function interceptingServer(hostPort, site, requests) {
  return createHttpsServer({ key: site.key, cert: site.cert }, (req, res) => {
    requests.push({ method: req.method ?? 'GET', target: `https://${hostPort.replace(/:443$/, '')}${req.url ?? '/'}` })
    const target = new URL(req.url ?? '/', site.target)
    const headers = { ...withoutHopByHop(req.headers), host: target.host }
    const upstream = httpRequest(target, { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' })
      res.end(`proxy emulator: ${site.target} unreachable`)
    })
    req.pipe(upstream)
  })
}

/** @param {string} host */
function isLoopback(host) {
  return host === 'localhost' || host === '::1' || /^127\./.test(host) || host === '::ffff:127.0.0.1'
}

/** @param {string} target `host:port` or `[v6]:port` @returns {[string, number]} */
function splitHostPort(target) {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target)
  return match ? [match[1] ?? '', Number(match[2])] : [target, 443]
}

/** @param {import('node:http').IncomingHttpHeaders} headers */
function withoutHopByHop(headers) {
  const copy = { ...headers }
  for (const name of ['proxy-connection', 'proxy-authorization', 'connection', 'keep-alive']) delete copy[name]
  return copy
}
