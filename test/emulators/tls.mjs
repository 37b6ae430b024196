// @ts-check
/**
 * Certificates for the emulators that speak TLS: a CA generated at start and a server certificate it
 * signs. Processes that call such an emulator trust it with NODE_EXTRA_CA_CERTS=<the CA's PEM>.
 */
import { generate } from 'selfsigned'

/**
 * A CA named `caName` and a server certificate for `hosts` (DNS names, and IP addresses as IP SANs:
 * clients check those for IP hosts).
 * @param {string} caName
 * @param {readonly string[]} hosts
 * @returns {Promise<{ caCert: string, serverKey: string, serverCert: string }>}
 */
export async function generateCertificates(caName, hosts) {
  const ca = await generate([{ name: 'commonName', value: caName }], {
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true }
    ]
  })
  const server = await generate([{ name: 'commonName', value: hosts[0] ?? 'localhost' }], {
    algorithm: 'sha256',
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: hosts.map((host) => (/^[\d.]+$/.test(host) ? { type: 7, ip: host } : { type: 2, value: host }))
      }
    ]
  })
  return { caCert: ca.cert, serverKey: server.private, serverCert: server.cert }
}
