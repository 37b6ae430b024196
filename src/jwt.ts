/**
 * Reading the claims of a JWT for messages and caching. Nothing here verifies a signature: the token
 * came straight from GitHub's OIDC endpoint, and Entra ID is the party that verifies it.
 */

/** The claims Entra ID matches against a federated credential, plus the expiry. */
export interface OidcClaims {
  readonly iss: string
  readonly sub: string
  readonly aud: string
  /** Expiry in seconds since the epoch, when the token has one. */
  readonly exp?: number
}

/** The JSON payload of a compact JWT, or undefined when `token` is not one. */
export function decodeJwtPayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.')
  if (parts.length !== 3 || !parts[1]) return undefined
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))
    return payload !== null && typeof payload === 'object' && !Array.isArray(payload)
      ? (payload as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/**
 * `iss`, `sub`, `aud` and `exp` of a GitHub OIDC token; missing claims read as ''. An array `aud`
 * (allowed by RFC 7519) is joined with commas.
 */
export function readOidcClaims(token: string): OidcClaims | undefined {
  const payload = decodeJwtPayload(token)
  if (!payload) return undefined
  const text = (value: unknown): string =>
    typeof value === 'string' ? value : Array.isArray(value) ? value.filter((v) => typeof v === 'string').join(',') : ''
  const exp = payload['exp']
  return {
    iss: text(payload['iss']),
    sub: text(payload['sub']),
    aud: text(payload['aud']),
    ...(typeof exp === 'number' && Number.isFinite(exp) ? { exp } : {})
  }
}
