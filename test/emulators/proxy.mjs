// @ts-check
/**
 * A forward proxy for HTTPS_PROXY / HTTP_PROXY tests: tunnels `CONNECT host:port` and forwards
 * absolute-form plain-http requests, recording each one so a test can prove traffic went through it.
 */
import { createServer, request as httpRequest } from 'node:http'
import { connect } from 'node:net'

/**
 * Starts the proxy on 127.0.0.1 (port 0).
 * @returns {Promise<{ url: string, requests: { method: string, target: string }[], close(): Promise<void> }>}
 */
export async function startConnectProxy() {
  /** @type {{ method: string, target: string }[]} */
  const requests = []
  /** @type {Set<import('node:stream').Duplex>} */
  const sockets = new Set()

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
      server.closeAllConnections()
      await new Promise((resolve) => server.close(() => resolve(undefined)))
    }
  }
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
