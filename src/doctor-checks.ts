/**
 * What `npm run doctor` checks and reports: its options and tools, one result per check, and the
 * helpers both halves of the doctor (doctor.ts: Azure; doctor-federation.ts: GitHub's OIDC subject)
 * build results with.
 */
import { oneLine } from './errors.js'
import type { AzureTarget, RunCommand } from './local.js'
import { errorChain } from './proxy.js'
import type { CloudName, Log } from './types.js'

/** What to check. */
export interface DoctorOptions {
  readonly target: AzureTarget
  readonly cloud?: CloudName
  readonly tenantId?: string
  /** The identity the workflow uses (client-id): its federated credentials are listed. */
  readonly clientId?: string
  /** OWNER/REPO whose pull request jobs should match a federated credential. */
  readonly repo?: string
}

/** The doctor's surroundings: `az` and `gh`, the environment (proxies), a log for the clients' debug lines. */
export interface DoctorTools {
  readonly run: RunCommand
  readonly env: NodeJS.ProcessEnv
  readonly log: Log
}

/** One line of the report. */
export interface CheckResult {
  readonly check: string
  readonly ok: boolean
  /** What was found. */
  readonly detail: string
  /** On failure: the fix, one line. */
  readonly fix?: string
  /** More lines to show under the check (credentials and what they admit). */
  readonly notes?: readonly string[]
}

/** The checks' names, in the order they run; tests and docs refer to them. */
export const CHECKS = {
  login: 'Azure CLI signed in',
  token: 'Token for Azure OpenAI',
  endpoint: 'Endpoint',
  role: 'Data-plane role',
  deployment: 'Deployment',
  structured: 'Structured output',
  chat: 'Chat request',
  federation: 'Federated credentials',
  subject: 'GitHub OIDC subject'
} as const

/** The innermost message of an error chain: what the Azure CLI or the network actually said. */
export function rootMessage(error: unknown): string {
  const messages = errorChain(error).flatMap((e) => (e instanceof Error && e.message ? [e.message] : []))
  return oneLine(messages.at(-1) ?? String(error))
}

export function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T
  } catch {
    return undefined
  }
}

export function pass(check: string, detail: string, notes?: readonly string[]): CheckResult {
  return { check, ok: true, detail, ...(notes && notes.length > 0 ? { notes } : {}) }
}

export function fail(check: string, detail: string, fix: string, notes?: readonly string[]): CheckResult {
  return { check, ok: false, detail, fix, ...(notes && notes.length > 0 ? { notes } : {}) }
}
