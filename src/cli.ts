/**
 * The terminal entry of `npm run preview` and `npm run doctor` (package.json runs this file on Node 24
 * with its type stripping, through scripts/ts-resolve.mjs). Like main.ts for a runner, it is the only
 * module of these commands that reads argv, `process.env`, the working directory's `.env` and writes
 * to the terminal; preview.ts and doctor.ts do the work. Progress goes to stderr, results to stdout.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util'
import type { CheckResult } from './doctor-checks.js'
import { runDoctor } from './doctor.js'
import { ActionError, ModelError } from './errors.js'
import { azureTarget, commandRunner, githubToken, parsePullRequestUrl, readDotEnv, terminalLog } from './local.js'
import { formatPreview, previewPullRequest } from './preview.js'
import { errorChain } from './proxy.js'
import type { CloudName } from './types.js'

const PREVIEW_USAGE =
  'Usage: npm run preview -- <PR URL> [--instructions TEXT | --instructions-file PATH] [--language LANGUAGE]\n' +
  '         [--endpoint URL --deployment NAME] [--api-version V] [--auth azure-cli|default] [--tenant-id ID] [--cloud NAME] [--verbose]'
const DOCTOR_USAGE =
  'Usage: npm run doctor -- --endpoint URL --deployment NAME [--api-version V] [--tenant-id ID] [--cloud NAME]\n' +
  '         [--client-id ID] [--repo OWNER/REPO] [--verbose]'

const AZURE_OPTIONS = {
  endpoint: { type: 'string' },
  deployment: { type: 'string' },
  'api-version': { type: 'string' },
  'tenant-id': { type: 'string' },
  cloud: { type: 'string' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' }
} as const

/** Runs `preview` or `doctor` with `args`; resolves to the process exit code. */
async function cli(command: string | undefined, args: readonly string[]): Promise<number> {
  const env = process.env
  const stderr = (line: string) => process.stderr.write(`${line}\n`)
  const stdout = (text: string) => process.stdout.write(text)
  try {
    if (command === 'preview') return await preview(args, env, stdout, stderr)
    if (command === 'doctor') return await doctor(args, env, stdout, stderr)
    stderr(`Unknown command '${command ?? ''}': use npm run preview or npm run doctor.`)
    return 2
  } catch (caught) {
    if (caught instanceof UsageError) {
      stderr(`${caught.message}\n${command === 'doctor' ? DOCTOR_USAGE : PREVIEW_USAGE}`)
      return 2
    }
    const error = caught instanceof Hinted ? caught.error : caught
    const message = error instanceof ActionError ? error.message : `Unexpected error: ${(error as Error)?.stack ?? String(error)}`
    stderr(`✗ ${message}`)
    if (caught instanceof Hinted) stderr(caught.hint)
    return 1
  }
}

class UsageError extends Error {}

/** A failure, and a next step to print under it. */
class Hinted extends Error {
  constructor(
    readonly error: unknown,
    readonly hint: string
  ) {
    super(String(error))
  }
}

function parse<T extends ParseArgsOptionsConfig>(args: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

async function preview(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  stdout: (text: string) => void,
  stderr: (line: string) => void
): Promise<number> {
  const { values, positionals } = parse(args, {
    ...AZURE_OPTIONS,
    instructions: { type: 'string' },
    'instructions-file': { type: 'string' },
    language: { type: 'string' },
    auth: { type: 'string' }
  })
  if (values.help) {
    stdout(`${PREVIEW_USAGE}\n`)
    return 0
  }
  if (positionals.length !== 1) throw new UsageError(`Give exactly one pull request URL (got ${positionals.length}).`)
  if (values.instructions !== undefined && values['instructions-file'] !== undefined) {
    throw new UsageError('Give --instructions or --instructions-file, not both.')
  }
  const auth = values.auth ?? 'azure-cli'
  if (auth !== 'azure-cli' && auth !== 'default') throw new UsageError(`--auth '${auth}' is not azure-cli or default.`)

  const pr = parsePullRequestUrl(positionals[0] ?? '')
  const target = azureTarget(
    { endpoint: values.endpoint, deployment: values.deployment, apiVersion: values['api-version'] },
    env,
    readDotEnv(join(process.cwd(), '.env'))
  )
  const instructions = values['instructions-file'] === undefined ? values.instructions : readText(values['instructions-file'])
  const log = terminalLog(stderr, values.verbose === true)
  const token = await githubToken(pr.host, env, commandRunner(env))
  const doctorCommand = [
    'npm run doctor --',
    `--endpoint ${target.endpoint}`,
    `--deployment ${target.deployment}`,
    ...(target.apiVersion ? [`--api-version ${target.apiVersion}`] : []),
    ...(values['tenant-id'] ? [`--tenant-id ${values['tenant-id']}`] : [])
  ].join(' ')
  log.info(
    `Previewing ${pr.owner}/${pr.repo}#${pr.number} with deployment '${target.deployment}' on ${target.endpoint}: nothing is posted.`
  )
  const report = await previewPullRequest(
    {
      pr,
      target,
      auth,
      ...(values['tenant-id'] ? { tenantId: values['tenant-id'] } : {}),
      ...(values.cloud ? { cloud: values.cloud as CloudName } : {}),
      ...(instructions !== undefined ? { instructions } : {}),
      ...(values.language ? { language: values.language } : {})
    },
    { githubToken: token, env, log, now: Date.now }
  ).catch((error: unknown) => {
    // The action's Azure messages are written for a workflow; the doctor has a terminal's fixes.
    throw azureFailure(error) ? new Hinted(error, `To check the Azure setup step by step: ${doctorCommand}`) : error
  })
  stdout(formatPreview(report))
  return 0
}

async function doctor(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  stdout: (text: string) => void,
  stderr: (line: string) => void
): Promise<number> {
  const { values, positionals } = parse(args, { ...AZURE_OPTIONS, 'client-id': { type: 'string' }, repo: { type: 'string' } })
  if (values.help) {
    stdout(`${DOCTOR_USAGE}\n`)
    return 0
  }
  if (positionals.length > 0) throw new UsageError(`Unexpected argument '${positionals[0]}'.`)
  const target = azureTarget(
    { endpoint: values.endpoint, deployment: values.deployment, apiVersion: values['api-version'] },
    env,
    readDotEnv(join(process.cwd(), '.env'))
  )
  const checks = runDoctor(
    {
      target,
      ...(values['tenant-id'] ? { tenantId: values['tenant-id'] } : {}),
      ...(values.cloud ? { cloud: values.cloud as CloudName } : {}),
      ...(values['client-id'] ? { clientId: values['client-id'] } : {}),
      ...(values.repo ? { repo: values.repo } : {})
    },
    { run: commandRunner(env), env, log: terminalLog(stderr, values.verbose === true) }
  )
  let failed: CheckResult | undefined
  for await (const check of checks) {
    stdout(formatCheck(check))
    if (!check.ok) failed = check
  }
  stdout(
    failed
      ? `\nStopped at '${failed.check}': fix it, then run npm run doctor again.\n`
      : '\nAll checks passed: the action can use this deployment.\n'
  )
  return failed ? 1 : 0
}

/** `✓ name: detail`, its notes indented, and on failure the fix on its own line. */
function formatCheck(check: CheckResult): string {
  const lines = [`${check.ok ? '✓' : '✗'} ${check.check}: ${check.detail}`]
  for (const note of check.notes ?? []) lines.push(`    ${note}`)
  if (check.fix) lines.push(`  Fix: ${check.fix}`)
  return `${lines.join('\n')}\n`
}

/** A failure of Azure OpenAI or of an Azure credential (the error chain holds @azure/identity's or the model's error). */
function azureFailure(error: unknown): boolean {
  return errorChain(error).some(
    (e) =>
      e instanceof ModelError ||
      (e instanceof Error &&
        ['CredentialUnavailableError', 'AuthenticationError', 'AggregateAuthenticationError'].includes(e.name))
  )
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    throw new ActionError(`Cannot read --instructions-file ${path}: ${(error as Error).message}.`)
  }
}

const [command, ...args] = process.argv.slice(2)
process.exitCode = await cli(command, args)
