/**
 * The doctor's last check: the identity's federated credentials (`az identity federated-credential
 * list` / `az ad app federated-credential list`) judged against the subjects the repository's pull
 * request jobs present (`gh api …/actions/oidc/customization/sub`), with the command that adds one.
 */
import { CHECKS, type CheckResult, type DoctorOptions, type DoctorTools, fail, parseJson, pass } from './doctor-checks.js'
import { federatedCredentialCommands } from './entra-errors.js'
import {
  DEFAULT_CLAIM_KEYS,
  GITHUB_ISSUER,
  isGitHubIssuer,
  judgeCredentials,
  type FederatedCredential,
  type RepositoryFacts,
  type SubjectTemplate
} from './federation.js'
import { commandError, type RunCommand } from './local.js'
import type { Settings } from './types.js'

export async function* federationChecks(
  settings: Settings,
  options: DoctorOptions,
  tools: DoctorTools
): AsyncGenerator<CheckResult> {
  const { clientId, repo } = options
  if (!clientId && !repo) return

  let facts: RepositoryFacts | undefined
  let template: SubjectTemplate | undefined
  const notes: string[] = []
  if (repo) {
    const read = await readRepository(repo, tools.run)
    if ('fail' in read) {
      yield read.fail
      return
    }
    facts = read.facts
    template = read.template
    notes.push(...read.notes)
  }

  if (!clientId) {
    const report = judgeCredentials([], template ?? { keys: DEFAULT_CLAIM_KEYS, source: 'default' }, facts!, settings.audience)
    yield pass(
      CHECKS.subject,
      `PR jobs of ${facts!.fullName} present issuer ${GITHUB_ISSUER}, subject ${report.subject}, audience ${settings.audience} (pass --client-id to check the identity's federated credentials)`,
      notes
    )
    return
  }

  const listed = await listCredentials(clientId, tools.run)
  if ('fail' in listed) {
    yield listed.fail
    return
  }
  const { credentials, owner } = listed
  const lines = credentials.map((c) => `${c.name}: ${c.issuer} ${c.subject ?? '(claims expression)'} [${c.audiences.join(', ')}]`)
  if (!facts || !template) {
    const github = credentials.filter((c) => c.subject && isGitHubIssuer(c.issuer))
    if (github.length === 0) {
      yield fail(
        CHECKS.federation,
        `${owner.label} has ${credentials.length} federated credentials, none for GitHub Actions`,
        `Add one for the PR jobs: \`${commands(clientId, 'repo:OWNER/REPO:pull_request', settings.audience, owner).preferred}\` (pass --repo OWNER/REPO to get the exact subject).`,
        lines
      )
      return
    }
    yield pass(
      CHECKS.federation,
      `${owner.label} admits ${github.length} GitHub subject(s); pass --repo OWNER/REPO to check them against its PR jobs`,
      lines
    )
    return
  }

  const report = judgeCredentials(credentials, template, facts, settings.audience)
  const judged = report.verdicts.map(
    (v) => `${v.admits === 'no' ? '✗' : '✓'} ${v.credential.name}: ${v.credential.subject ?? '(claims expression)'} — ${v.reason}`
  )
  const all = [...notes, ...judged]
  const every = report.verdicts.find((v) => v.admits === 'pull-request')
  const someEnv = report.verdicts.filter((v) => v.admits === 'environment')
  if (every) {
    yield pass(
      CHECKS.federation,
      `${owner.label}: '${every.credential.name}' admits ${every.reason} (subject ${report.subject})`,
      all
    )
    return
  }
  if (someEnv.length > 0) {
    yield pass(
      CHECKS.federation,
      `${owner.label} admits only ${someEnv.map((v) => v.reason).join('; ')}: the workflow's job must set that environment`,
      all
    )
    return
  }
  if (report.varyingKeys.length > 0) {
    yield fail(
      CHECKS.federation,
      `${facts.fullName}'s subject template (${template.keys.join(', ')}) includes ${report.varyingKeys.join(', ')}, which change with every PR, so no fixed subject matches all PR jobs`,
      `Drop ${report.varyingKeys.join(', ')} from the template (\`gh api -X PUT repos/${facts.fullName}/actions/oidc/customization/sub --input -\` with {"use_default":false,"include_claim_keys":[…]}), or give the app registration a flexible federated credential (claims matching expression).`,
      all
    )
    return
  }
  yield fail(
    CHECKS.federation,
    `no federated credential of ${owner.label} admits the PR jobs of ${facts.fullName} (subject ${report.subject})`,
    `Add one: \`${commands(clientId, report.subject, settings.audience, owner).preferred}\`.`,
    all
  )
}

interface CredentialOwner {
  readonly label: string
  readonly identity?: { readonly name: string; readonly resourceGroup: string }
}

/** A user-assigned managed identity with this client id in the current subscription, else the app registration. */
async function listCredentials(
  clientId: string,
  run: RunCommand
): Promise<{ credentials: FederatedCredential[]; owner: CredentialOwner } | { fail: CheckResult }> {
  const identities = await run('az', ['identity', 'list', '--query', `[?clientId=='${clientId}']`, '--output', 'json'])
  const [identity] =
    identities.code === 0 ? (parseJson<Array<{ name?: string; resourceGroup?: string }>>(identities.stdout) ?? []) : []
  if (identity?.name && identity.resourceGroup) {
    const owner = {
      label: `managed identity '${identity.name}' (resource group ${identity.resourceGroup})`,
      identity: { name: identity.name, resourceGroup: identity.resourceGroup }
    }
    const listed = await run('az', [
      'identity',
      'federated-credential',
      'list',
      '--identity-name',
      identity.name,
      '--resource-group',
      identity.resourceGroup,
      '--output',
      'json'
    ])
    if (listed.code !== 0) {
      return {
        fail: fail(
          CHECKS.federation,
          `cannot list the federated credentials of ${owner.label}: ${commandError(listed)}`,
          `Ask for Reader on resource group ${identity.resourceGroup}, or run this with an account that has it.`
        )
      }
    }
    return { credentials: credentialsOf(listed.stdout), owner }
  }
  const listed = await run('az', ['ad', 'app', 'federated-credential', 'list', '--id', clientId, '--output', 'json'])
  if (listed.code !== 0) {
    return {
      fail: fail(
        CHECKS.federation,
        `no user-assigned managed identity in this subscription and no app registration visible to you has client-id ${clientId} (az: ${commandError(listed)})`,
        "Check --client-id against the app registration's Application (client) ID or the managed identity's Client ID; for a managed identity, `az account set --subscription` to its subscription first."
      )
    }
  }
  return { credentials: credentialsOf(listed.stdout), owner: { label: `app registration ${clientId}` } }
}

/** The repository as GitHub spells it, and its subject template (`gh api`). */
async function readRepository(
  repo: string,
  run: RunCommand
): Promise<{ facts: RepositoryFacts; template: SubjectTemplate; notes: string[] } | { fail: CheckResult }> {
  if (!/^[^/\s]+\/[^/\s]+$/.test(repo)) {
    return {
      fail: fail(
        CHECKS.subject,
        `--repo '${repo}' is not OWNER/REPO`,
        'Pass --repo OWNER/REPO, such as --repo octo-org/octo-repo.'
      )
    }
  }
  const shown = await run('gh', ['api', `repos/${repo}`])
  if (shown.code !== 0) {
    const fix = shown.missing
      ? 'Install the GitHub CLI (https://cli.github.com) and run `gh auth login`: the doctor reads the repository and its OIDC subject template with it.'
      : `Check --repo ${repo}, and that \`gh auth status\` shows an account that can read it.`
    return { fail: fail(CHECKS.subject, `cannot read repository ${repo} with the GitHub CLI (${commandError(shown)})`, fix) }
  }
  const data = parseJson<{ full_name?: string; id?: number; owner?: { id?: number }; visibility?: string }>(shown.stdout) ?? {}
  const facts: RepositoryFacts = {
    fullName: data.full_name ?? repo,
    ...(typeof data.id === 'number' ? { id: data.id } : {}),
    ...(typeof data.owner?.id === 'number' ? { ownerId: data.owner.id } : {}),
    ...(data.visibility ? { visibility: data.visibility } : {})
  }
  const notes: string[] = []
  const custom = await run('gh', ['api', `repos/${facts.fullName}/actions/oidc/customization/sub`])
  const repoTemplate =
    custom.code === 0 ? parseJson<{ use_default?: boolean; include_claim_keys?: string[] }>(custom.stdout) : undefined
  let template: SubjectTemplate = { keys: DEFAULT_CLAIM_KEYS, source: 'default' }
  if (!repoTemplate) {
    notes.push(`could not read the repository's OIDC subject template (${commandError(custom)}); assuming GitHub's default`)
  } else if (repoTemplate.use_default === false && repoTemplate.include_claim_keys?.length) {
    template = { keys: repoTemplate.include_claim_keys, source: 'repository' }
  } else if (repoTemplate.use_default === false) {
    // No keys of its own: the organization's template applies, if it has one.
    const owner = facts.fullName.split('/')[0] ?? ''
    const org = await run('gh', ['api', `orgs/${owner}/actions/oidc/customization/sub`])
    const keys = org.code === 0 ? parseJson<{ include_claim_keys?: string[] }>(org.stdout)?.include_claim_keys : undefined
    if (keys?.length) template = { keys, source: 'organization' }
  }
  notes.push(
    `subject template: ${template.source === 'default' ? "GitHub's default" : `the ${template.source}'s`} (${template.keys.join(', ')})`
  )
  return { facts, template, notes }
}

function credentialsOf(stdout: string): FederatedCredential[] {
  const list = parseJson<unknown[]>(stdout) ?? []
  return list.flatMap((item) => {
    const c = item as {
      name?: string
      issuer?: string
      subject?: string | null
      audiences?: string[]
      claimsMatchingExpression?: { value?: string } | null
    }
    if (!c?.issuer) return []
    return [
      {
        name: c.name ?? '(unnamed)',
        issuer: c.issuer,
        ...(c.subject ? { subject: c.subject } : {}),
        audiences: Array.isArray(c.audiences) ? c.audiences : [],
        ...(c.claimsMatchingExpression?.value ? { claimsMatchingExpression: c.claimsMatchingExpression.value } : {})
      }
    ]
  })
}

function commands(clientId: string, subject: string, audience: string, owner: CredentialOwner): { preferred: string } {
  const add = federatedCredentialCommands({
    clientId,
    issuer: GITHUB_ISSUER,
    subject,
    audience,
    ...(owner.identity ? { identity: owner.identity } : {})
  })
  return { preferred: owner.identity ? add.managedIdentity : add.app }
}
