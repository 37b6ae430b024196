import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const SCRIPT = resolve('scripts/setup-azure.sh')
const SEP = '\x1f'
const ROLE = 'Cognitive Services OpenAI User'
const SCOPE = '/subscriptions/sub-1/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/my-openai'

/**
 * A stand-in for the Azure CLI: logs each argv (fields joined by \x1f) and keeps just enough state in files
 * for `show`/`list` to see what an earlier `create` made. FAKE_AZ_IDENTITY_ERROR=forbidden makes
 * `identity show` fail the way a missing permission does.
 */
const FAKE_AZ = `#!/usr/bin/env bash
set -u
( IFS=$'\\x1f'; printf '%s\\n' "$*" ) >> "$FAKE_AZ_LOG"
state=$FAKE_AZ_STATE
not_found() { echo "ERROR: (ResourceNotFound) The Resource '$1' was not found." >&2; exit 3; }
case "$1 $2" in
  "account show")
    [[ -e $state/logged-out ]] && { echo "ERROR: Please run 'az login' to setup account." >&2; exit 1; }
    echo tenant-1 ;;
  "cloud show") echo "\${FAKE_AZ_CLOUD:-AzureCloud}" ;;
  "cognitiveservices account")
    [[ -e $state/no-account ]] && not_found account
    if [[ "$*" == *properties.endpoint* ]]; then echo https://my-openai.openai.azure.com/; else echo "${SCOPE}"; fi ;;
  "identity show")
    [[ \${FAKE_AZ_IDENTITY_ERROR:-} == forbidden ]] && { echo "ERROR: (AuthorizationFailed) The client does not have authorization." >&2; exit 1; }
    [[ -e $state/identity ]] || not_found identity
    if [[ "$*" == *principalId* ]]; then echo principal-1; else echo client-1; fi ;;
  "identity create") touch "$state/identity"; echo client-1 ;;
  "identity federated-credential")
    case $3 in
      show) [[ -e $state/credential ]] || not_found credential; cat "$state/credential" ;;
      create)
        previous=''
        for arg in "$@"; do [[ $previous == --subject ]] && printf '%s\\n' "$arg" > "$state/credential"; previous=$arg; done ;;
    esac ;;
  "role assignment")
    case $3 in
      list) [[ -e $state/role ]] && echo "${SCOPE}/providers/Microsoft.Authorization/roleAssignments/ra-1" ;;
      create) touch "$state/role" ;;
    esac ;;
  *) echo "fake az: unexpected command: $*" >&2; exit 99 ;;
esac
exit 0
`

/**
 * A stand-in for the GitHub CLI's `gh api` on the OIDC subject template of a repository: logs each argv like
 * the fake az (and the body read from stdin, as `<stdin>` and the body), answers GET with the template the
 * state holds for the repository ("default" when none; what --jq would print), and stores a PUT body.
 */
const FAKE_GH = `#!/usr/bin/env bash
set -u
body=''
[[ " $* " == *" --input - "* ]] && body=$(cat)
( IFS=$'\\x1f'; printf '%s\\n' "$*\${body:+$'\\x1f'<stdin>$'\\x1f'$body}" ) >> "$FAKE_AZ_LOG.gh"
state=$FAKE_AZ_STATE
[[ $1 == api ]] || { echo "fake gh: unexpected command: $*" >&2; exit 99; }
if [[ $2 == --method && $3 == PUT ]]; then
  path=$4
  file="$state/gh-\${path//\\//_}"
  [[ $body == '{"use_default":false,"include_claim_keys":["repository_owner","job_workflow_ref"]}' ]] ||
    { echo "fake gh: unexpected body $body" >&2; exit 98; }
  echo repository_owner,job_workflow_ref > "$file"
  exit 0
fi
path=$2
[[ $path == repos/octo-org/missing/* ]] && { echo 'gh: Not Found (HTTP 404)' >&2; exit 1; }
file="$state/gh-\${path//\\//_}"
if [[ -e $file ]]; then cat "$file"; else echo default; fi
`

let dir: string
let binDir: string
let stateDir: string
let logFile: string

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'setup-azure-'))
  binDir = join(dir, 'bin')
  stateDir = join(dir, 'state')
  logFile = join(dir, 'az.log')
  mkdirSync(binDir)
  mkdirSync(stateDir)
  writeFileSync(join(binDir, 'az'), FAKE_AZ)
  chmodSync(join(binDir, 'az'), 0o755)
  writeFileSync(join(binDir, 'gh'), FAKE_GH)
  chmodSync(join(binDir, 'gh'), 0o755)
})

afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

const BASE_ARGS = ['--repo', 'octo-org/octo-repo', '--resource-group', 'rg-ai', '--account', 'my-openai']

function setup(args: string[], env: Record<string, string> = {}, path = `${binDir}:${process.env.PATH ?? ''}`) {
  const result = spawnSync('bash', [SCRIPT, ...args], {
    encoding: 'utf8',
    env: { PATH: path, HOME: dir, FAKE_AZ_LOG: logFile, FAKE_AZ_STATE: stateDir, ...env }
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** Every az invocation so far, as argv arrays. */
function azCalls(): string[][] {
  if (!existsSync(logFile)) return []
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split(SEP))
}

const isCreate = (argv: string[]) => argv.includes('create')

/** Every gh invocation so far, as argv arrays (a body sent on stdin follows a '<stdin>' element). */
function ghCalls(): string[][] {
  const file = `${logFile}.gh`
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split(SEP))
}

const ORG_ARGS = [
  '--org',
  'octo-org',
  '--workflow',
  'octo-org/.github/.github/workflows/pr-summary.yml@refs/heads/main',
  '--resource-group',
  'rg-ai',
  '--account',
  'my-openai'
]
const CUSTOMIZED_SUBJECT =
  'repository_owner:octo-org:job_workflow_ref:octo-org/.github/.github/workflows/pr-summary.yml@refs/heads/main'
const TEMPLATE_BODY = '{"use_default":false,"include_claim_keys":["repository_owner","job_workflow_ref"]}'
const TEMPLATE_JQ = 'if .use_default then "default" else ((.include_claim_keys // []) | join(",")) end'
const templatePath = (repo: string) => `repos/${repo}/actions/oidc/customization/sub`
const isPut = (argv: string[]) => argv.includes('PUT')

describe('setup-azure.sh against a fake az', () => {
  it('runs exactly the expected az commands on a fresh subscription', () => {
    const run = setup([...BASE_ARGS, '--environment', 'pr-summary', '--deployment', 'gpt-4o-mini'])

    expect(run.stderr).not.toContain('setup-azure:')
    expect(run.status).toBe(0)
    expect(azCalls()).toEqual([
      ['account', 'show', '--query', 'tenantId', '-o', 'tsv'],
      ['cloud', 'show', '--query', 'name', '-o', 'tsv'],
      ['cognitiveservices', 'account', 'show', '--name', 'my-openai', '--resource-group', 'rg-ai', '--query', 'id', '-o', 'tsv'],
      [
        'cognitiveservices',
        'account',
        'show',
        '--name',
        'my-openai',
        '--resource-group',
        'rg-ai',
        '--query',
        'properties.endpoint',
        '-o',
        'tsv'
      ],
      ['identity', 'show', '--name', 'gh-pr-summary', '--resource-group', 'rg-ai', '--query', 'clientId', '-o', 'tsv'],
      ['identity', 'create', '--name', 'gh-pr-summary', '--resource-group', 'rg-ai', '--query', 'clientId', '-o', 'tsv'],
      ['identity', 'show', '--name', 'gh-pr-summary', '--resource-group', 'rg-ai', '--query', 'principalId', '-o', 'tsv'],
      [
        'identity',
        'federated-credential',
        'show',
        '--name',
        'github-octo-org-octo-repo-env-pr-summary',
        '--identity-name',
        'gh-pr-summary',
        '--resource-group',
        'rg-ai',
        '--query',
        'subject',
        '-o',
        'tsv'
      ],
      [
        'identity',
        'federated-credential',
        'create',
        '--name',
        'github-octo-org-octo-repo-env-pr-summary',
        '--identity-name',
        'gh-pr-summary',
        '--resource-group',
        'rg-ai',
        '--issuer',
        'https://token.actions.githubusercontent.com',
        '--subject',
        'repo:octo-org/octo-repo:environment:pr-summary',
        '--audiences',
        'api://AzureADTokenExchange',
        '--output',
        'none'
      ],
      [
        'role',
        'assignment',
        'list',
        '--assignee',
        'principal-1',
        '--role',
        ROLE,
        '--scope',
        SCOPE,
        '--query',
        '[].id',
        '-o',
        'tsv'
      ],
      [
        'role',
        'assignment',
        'create',
        '--assignee-object-id',
        'principal-1',
        '--assignee-principal-type',
        'ServicePrincipal',
        '--role',
        ROLE,
        '--scope',
        SCOPE,
        '--output',
        'none'
      ]
    ])
    expect(run.stdout).toContain('client-id: client-1')
    expect(run.stdout).toContain('tenant-id: tenant-1')
    expect(run.stdout).toContain('gh variable set AZURE_CLIENT_ID --repo octo-org/octo-repo --body client-1')
    expect(run.stdout).toContain('gh variable set AZURE_OPENAI_DEPLOYMENT --repo octo-org/octo-repo --body gpt-4o-mini')
    expect(run.stdout).toContain('    environment: pr-summary\n')
    expect(run.stdout).toContain('      id-token: write\n')
    expect(run.stdout).toContain('client-id: ${{ vars.AZURE_CLIENT_ID }}')
    // Keyed on the workflow too, like the examples: another adopted workflow must not cancel this one.
    expect(run.stdout).toContain('      group: pr-summary-${{ github.workflow }}-${{ github.event.pull_request.number }}\n')
    expect(run.stdout).not.toContain('cloud:')
  })

  it('creates nothing on a second run', () => {
    expect(setup([...BASE_ARGS, '--environment', 'pr-summary']).status).toBe(0)
    const firstRunCalls = azCalls().length
    const second = setup([...BASE_ARGS, '--environment', 'pr-summary'])

    expect(second.status).toBe(0)
    const secondRun = azCalls().slice(firstRunCalls)
    expect(secondRun.length).toBeGreaterThan(0)
    expect(secondRun.filter(isCreate)).toEqual([])
    expect(second.stderr).toContain('identity gh-pr-summary exists')
    expect(second.stdout).toContain('client-id: client-1')
  })

  it('uses the pull_request subject and the cloud-specific audience', () => {
    const run = setup([...BASE_ARGS, '--pull-request'], { FAKE_AZ_CLOUD: 'AzureUSGovernment' })

    expect(run.status).toBe(0)
    const credential = azCalls().find((argv) => argv[1] === 'federated-credential' && argv[2] === 'create')
    expect(credential).toEqual(expect.arrayContaining(['--subject', 'repo:octo-org/octo-repo:pull_request']))
    expect(credential?.[credential.indexOf('--audiences') + 1]).toBe('api://AzureADTokenExchangeUSGov')
    expect(credential?.[credential.indexOf('--name') + 1]).toBe('github-octo-org-octo-repo-pull-request')
    expect(run.stdout).toContain('cloud: AzureUSGovernment')
    expect(run.stdout).not.toContain('environment:')
  })

  it('--print runs nothing and prints pasteable commands', () => {
    const run = setup([...BASE_ARGS, '--environment', 'prod env', '--print'])

    expect(run.status).toBe(0)
    expect(azCalls()).toEqual([])
    expect(run.stdout).toContain(
      'az identity federated-credential create --name github-octo-org-octo-repo-env-prod-env --identity-name gh-pr-summary ' +
        '--resource-group rg-ai --issuer https://token.actions.githubusercontent.com ' +
        "--subject 'repo:octo-org/octo-repo:environment:prod env' --audiences api://AzureADTokenExchange"
    )
    expect(run.stdout).toContain(
      "--assignee-principal-type ServicePrincipal --role 'Cognitive Services OpenAI User' " +
        '--scope "$(az cognitiveservices account show --name my-openai --resource-group rg-ai --query id -o tsv)"'
    )
  })

  it('refuses to overwrite a federated credential that trusts another subject', () => {
    writeFileSync(join(stateDir, 'identity'), '')
    writeFileSync(join(stateDir, 'credential'), 'repo:octo-org/octo-repo:environment:other\n')
    const run = setup([...BASE_ARGS, '--environment', 'pr-summary'])

    expect(run.status).toBe(1)
    expect(run.stderr).toMatch(
      /federated credential 'github-octo-org-octo-repo-env-pr-summary' exists with subject 'repo:octo-org\/octo-repo:environment:other'.*az identity federated-credential delete/
    )
    expect(azCalls().filter(isCreate)).toEqual([])
  })

  it('stops instead of creating when az fails for another reason than "not found"', () => {
    const run = setup([...BASE_ARGS, '--environment', 'pr-summary'], { FAKE_AZ_IDENTITY_ERROR: 'forbidden' })

    expect(run.status).toBe(1)
    expect(run.stderr).toContain('AuthorizationFailed')
    expect(run.stderr).toContain("setup-azure: could not read identity 'gh-pr-summary'")
    expect(azCalls().filter(isCreate)).toEqual([])
  })

  it('says to log in when az is not logged in', () => {
    writeFileSync(join(stateDir, 'logged-out'), '')
    const run = setup([...BASE_ARGS, '--environment', 'pr-summary'])

    expect(run.status).toBe(1)
    expect(run.stderr).toMatch(/^setup-azure: the Azure CLI is not logged in; run az login/m)
  })

  it('names the account and how to list accounts when it does not exist', () => {
    writeFileSync(join(stateDir, 'no-account'), '')
    const run = setup([...BASE_ARGS, '--environment', 'pr-summary'])

    expect(run.status).toBe(1)
    expect(run.stderr).toContain("no Azure OpenAI account 'my-openai' in resource group 'rg-ai'")
    expect(run.stderr).toContain('az cognitiveservices account list -o table')
  })

  it('says how to install az when it is not on PATH', () => {
    const run = setup([...BASE_ARGS, '--environment', 'pr-summary'], {}, '/usr/bin:/bin')

    expect(run.status).toBe(1)
    expect(run.stderr).toContain('the Azure CLI (az) is not on PATH')
  })

  it.each([
    [
      ['--resource-group', 'rg', '--account', 'acc', '--pull-request'],
      '--repo (one repository) or --org (a whole organization) is required'
    ],
    [
      ['--repo', 'octo-repo', '--resource-group', 'rg', '--account', 'acc', '--pull-request'],
      "--repo 'octo-repo' is not OWNER/REPO"
    ],
    [['--repo', 'o/r', '--account', 'acc', '--pull-request'], '--resource-group is required'],
    [['--repo', 'o/r', '--resource-group', 'rg', '--pull-request'], '--account is required'],
    [
      ['--repo', 'o/r', '--resource-group', 'rg', '--account', 'https://acc.openai.azure.com', '--pull-request'],
      'pass the name, not the endpoint URL'
    ],
    [
      ['--repo', 'o/r', '--resource-group', 'rg', '--account', 'acc'],
      'choose whom Azure trusts: --environment NAME (recommended) or --pull-request'
    ],
    [['--repo', 'o/r', '--resource-group', 'rg', '--account', 'acc', '--environment', 'e', '--pull-request'], 'pass only one'],
    [
      ['--repo', 'o/r', '--resource-group', 'rg', '--account', 'acc', '--pull-request', '--cloud', 'AzureGermany'],
      "--cloud 'AzureGermany' is not supported"
    ],
    [
      ['--repo', 'o/r', '--resource-group', 'rg', '--account', 'acc', '--pull-request', '--identity-name', 'x'],
      '--identity-name'
    ],
    [
      [
        '--repo',
        'o/r',
        '--resource-group',
        'rg',
        '--account',
        'acc',
        '--pull-request',
        '--issuer',
        'http://ghes/_services/token'
      ],
      'is not an https URL'
    ],
    [['--repo', 'o/r', '--resource-group', 'rg', '--account', 'acc', '--environment'], '--environment needs a value'],
    [
      ['--repo', 'o/r', '--resource-group', 'rg', '--account', 'acc', '--pull-request', '--subscription', 's'],
      "unknown argument '--subscription'"
    ]
  ])('rejects %j with one line naming the fix', (args, message) => {
    const run = setup(args)

    expect(run.status).toBe(2)
    expect(run.stderr).toContain(message)
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(azCalls()).toEqual([])
  })
})

describe('setup-azure.sh --org: one identity for every repository that calls the central workflow', () => {
  it('creates one credential on the customized subject, assigns the role and opts the repositories in', () => {
    const run = setup([...ORG_ARGS, '--opt-in', 'octo-repo,octo-org/web'])

    expect(run.stderr).not.toContain('setup-azure:')
    expect(run.status).toBe(0)
    const credential = azCalls().find((argv) => argv[1] === 'federated-credential' && argv[2] === 'create')
    expect(credential).toEqual([
      'identity',
      'federated-credential',
      'create',
      '--name',
      'github-org-octo-org-pr-summary-main',
      '--identity-name',
      'gh-pr-summary',
      '--resource-group',
      'rg-ai',
      '--issuer',
      'https://token.actions.githubusercontent.com',
      '--subject',
      CUSTOMIZED_SUBJECT,
      '--audiences',
      'api://AzureADTokenExchange',
      '--output',
      'none'
    ])
    expect(azCalls().filter((argv) => argv[0] === 'role' && argv[2] === 'create')).toHaveLength(1)
    expect(ghCalls()).toEqual([
      ['api', templatePath('octo-org/octo-repo'), '--jq', TEMPLATE_JQ],
      ['api', '--method', 'PUT', templatePath('octo-org/octo-repo'), '--input', '-', '<stdin>', TEMPLATE_BODY],
      ['api', templatePath('octo-org/web'), '--jq', TEMPLATE_JQ],
      ['api', '--method', 'PUT', templatePath('octo-org/web'), '--input', '-', '<stdin>', TEMPLATE_BODY]
    ])
    expect(run.stderr).toContain('octo-org/web opted in')
    expect(run.stdout).toContain('client-id: client-1')
    expect(run.stdout).toContain(`The federated credential trusts: ${CUSTOMIZED_SUBJECT}`)
    expect(run.stdout).toContain('    uses: octo-org/.github/.github/workflows/pr-summary.yml@main\n')
    // Identifiers go into the central workflow, not into each repository's variables.
    expect(run.stdout).not.toContain('gh variable set')
  })

  it('creates and changes nothing on a second run', () => {
    expect(setup([...ORG_ARGS, '--opt-in', 'octo-repo']).status).toBe(0)
    const [azBefore, ghBefore] = [azCalls().length, ghCalls().length]
    const second = setup([...ORG_ARGS, '--opt-in', 'octo-repo'])

    expect(second.status).toBe(0)
    expect(azCalls().slice(azBefore).filter(isCreate)).toEqual([])
    expect(ghCalls().slice(ghBefore)).toEqual([['api', templatePath('octo-org/octo-repo'), '--jq', TEMPLATE_JQ]])
    expect(second.stderr).toContain(`federated credential github-org-octo-org-pr-summary-main exists (${CUSTOMIZED_SUBJECT})`)
    expect(second.stderr).toContain('octo-org/octo-repo already uses the subject repository_owner + job_workflow_ref')
  })

  it('leaves a repository with its own subject template alone and says why', () => {
    writeFileSync(
      join(stateDir, `gh-${templatePath('octo-org/octo-repo').replaceAll('/', '_')}`),
      'repo,context,job_workflow_ref\n'
    )
    const run = setup([...ORG_ARGS, '--opt-in', 'octo-repo'])

    expect(run.status).toBe(1)
    expect(run.stderr).toContain('octo-org/octo-repo already has its own OIDC subject template (repo,context,job_workflow_ref)')
    expect(ghCalls().filter(isPut)).toEqual([])
  })

  it("stops with gh's message when a repository's template cannot be read", () => {
    const run = setup([...ORG_ARGS, '--opt-in', 'octo-repo,missing'])

    expect(run.status).toBe(1)
    expect(run.stderr).toContain('Not Found (HTTP 404)')
    expect(run.stderr).toContain('could not read the OIDC subject template of octo-org/missing')
  })

  it('names the ref of a tag or a commit in the credential name', () => {
    const sha = 'a'.repeat(40)
    const run = setup([...ORG_ARGS.slice(0, 3), `octo-org/.github/.github/workflows/pr-summary.yml@${sha}`, ...ORG_ARGS.slice(4)])

    expect(run.status).toBe(0)
    const credential = azCalls().find((argv) => argv[1] === 'federated-credential' && argv[2] === 'create') ?? []
    expect(credential[credential.indexOf('--name') + 1]).toBe('github-org-octo-org-pr-summary-aaaaaaaaaaaa')
    expect(credential[credential.indexOf('--subject') + 1]).toBe(
      `repository_owner:octo-org:job_workflow_ref:octo-org/.github/.github/workflows/pr-summary.yml@${sha}`
    )
    expect(ghCalls()).toEqual([])
  })

  it('--print runs nothing and prints the credential with the customized subject and the opt-in calls', () => {
    const run = setup([...ORG_ARGS, '--opt-in', 'octo-repo,web', '--print'])

    expect(run.status).toBe(0)
    expect(azCalls()).toEqual([])
    expect(ghCalls()).toEqual([])
    expect(run.stdout).toContain(
      'az identity federated-credential create --name github-org-octo-org-pr-summary-main --identity-name gh-pr-summary ' +
        `--resource-group rg-ai --issuer https://token.actions.githubusercontent.com --subject ${CUSTOMIZED_SUBJECT} ` +
        '--audiences api://AzureADTokenExchange'
    )
    for (const repo of ['octo-org/octo-repo', 'octo-org/web']) {
      expect(run.stdout).toContain(`echo '${TEMPLATE_BODY}' | gh api --method PUT ${templatePath(repo)} --input -`)
    }
    expect(run.stdout).toMatch(/changes the subject of EVERY OIDC token/)
  })

  it('--print without --opt-in shows the opt-in call with a placeholder', () => {
    const run = setup([...ORG_ARGS, '--print'])

    expect(run.status).toBe(0)
    expect(run.stdout).toContain(`gh api --method PUT ${templatePath('octo-org/REPO')} --input -`)
  })

  it('says how to get gh when --opt-in needs it and it is not on PATH', () => {
    const tools = join(dir, 'tools')
    mkdirSync(tools)
    for (const tool of ['bash', 'mktemp', 'cat', 'grep', 'rm', 'touch']) {
      const found = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim()
      symlinkSync(found, join(tools, tool))
    }
    rmSync(join(binDir, 'gh'))
    const run = setup([...ORG_ARGS, '--opt-in', 'octo-repo'], {}, `${binDir}:${tools}`)

    expect(run.status).toBe(1)
    expect(run.stderr).toContain('the GitHub CLI (gh) is not on PATH for --opt-in')
  })

  it.each([
    [
      ['--workflow', 'octo-org/.github/.github/workflows/pr-summary.yml@main'],
      'must be written as in the job_workflow_ref claim: refs/heads/main'
    ],
    [
      ['--workflow', 'Octo-Org/.github/.github/workflows/pr-summary.yml@refs/heads/main'],
      "lives in 'Octo-Org', not in --org 'octo-org'"
    ],
    [['--workflow', 'octo-org/.github/pr-summary.yml@refs/heads/main'], 'is not OWNER/REPO/.github/workflows/FILE.yml@REF'],
    [
      ['--workflow', 'octo-org/.github/.github/workflows/pr-summary.yml@refs/heads/main', '--opt-in', 'other-org/repo'],
      'is not a repository of --org'
    ],
    [
      ['--workflow', 'octo-org/.github/.github/workflows/pr-summary.yml@refs/heads/main', '--repo', 'octo-org/octo-repo'],
      'pass only one'
    ],
    [
      ['--workflow', 'octo-org/.github/.github/workflows/pr-summary.yml@refs/heads/main', '--environment', 'prod'],
      'are for --repo'
    ],
    [[], '--workflow is required with --org']
  ])('rejects --org octo-org %j with one line naming the fix', (args, message) => {
    const run = setup(['--org', 'octo-org', '--resource-group', 'rg-ai', '--account', 'my-openai', ...args])

    expect(run.status).toBe(2)
    expect(run.stderr).toContain(message)
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(azCalls()).toEqual([])
    expect(ghCalls()).toEqual([])
  })

  it('rejects --workflow or --opt-in without --org', () => {
    const run = setup([...BASE_ARGS, '--pull-request', '--opt-in', 'octo-repo'])

    expect(run.status).toBe(2)
    expect(run.stderr).toContain('--workflow and --opt-in belong to --org; add --org ORG')
  })
})
