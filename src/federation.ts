/**
 * Which GitHub Actions jobs a federated credential admits. Pure: from the credentials (as `az` lists
 * them), the repository's OIDC subject template and what is known of the repository, it says which
 * credentials a pull request job of that repository will match, and the subject such a job presents.
 *
 * Subjects: the default template is `repo:OWNER/REPO:<context>`, where the context of a `pull_request`
 * job is `pull_request`, or `environment:NAME` when the job sets an environment. A customized template
 * (`include_claim_keys`) renders each claim as `key:value` in order, except `context`, which renders as
 * its value alone (https://docs.github.com/actions/reference/security/oidc#customizing-the-subject-claims-for-an-organization-or-repository).
 */

/** GitHub.com's OIDC issuer; an enterprise with its own issuer URL appends `/<enterprise>` to it. */
export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com'

/** The claims of GitHub's default subject template. */
export const DEFAULT_CLAIM_KEYS: readonly string[] = ['repo', 'context']

/** A federated identity credential, as `az ad app federated-credential list` / `az identity federated-credential list` print it. */
export interface FederatedCredential {
  readonly name: string
  readonly issuer: string
  /** Absent for a flexible credential, which matches a claims expression instead. */
  readonly subject?: string
  readonly audiences: readonly string[]
  readonly claimsMatchingExpression?: string
}

/** What is known of the repository (from `gh api repos/OWNER/REPO`); ids and visibility may be unknown. */
export interface RepositoryFacts {
  /** OWNER/REPO as GitHub spells it: Entra ID compares subjects case-sensitively. */
  readonly fullName: string
  readonly id?: number
  readonly ownerId?: number
  readonly visibility?: string
}

/** The subject template in force for the repository, and where it comes from. */
export interface SubjectTemplate {
  readonly keys: readonly string[]
  readonly source: 'default' | 'repository' | 'organization'
}

/** How one credential relates to the repository's pull request jobs. */
export interface CredentialVerdict {
  readonly credential: FederatedCredential
  /** `pull-request`: every PR job matches; `environment`: PR jobs that set `environment`; `no`: none. */
  readonly admits: 'pull-request' | 'environment' | 'no'
  /** Why, in a few words: what it admits, or why it does not match. */
  readonly reason: string
}

/** The repository's pull request jobs against a set of credentials. */
export interface FederationReport {
  readonly verdicts: readonly CredentialVerdict[]
  /** The subject a PR job without an environment presents; `<claim>` for values only the run knows. */
  readonly subject: string
  /** Claims of the template whose value changes from one PR (or run) to the next. */
  readonly varyingKeys: readonly string[]
}

/** Claims whose value a `pull_request` job's token carries but that differ per PR, commit, run or person. */
const VARYING_CLAIMS = new Set([
  'ref',
  'sha',
  'head_ref',
  'actor',
  'actor_id',
  'run_id',
  'run_number',
  'run_attempt',
  'workflow_ref',
  'workflow_sha',
  'job_workflow_ref',
  'job_workflow_sha'
])

type Segment =
  | { readonly key: string; readonly kind: 'literal'; readonly value: string }
  | { readonly key: string; readonly kind: 'unknown' | 'varying' }
  | { readonly key: 'context'; readonly kind: 'context' }

/**
 * Judges each credential against the pull request jobs of `repo`. Only credentials with GitHub's
 * issuer and the `audience` Entra ID expects (api://AzureADTokenExchange in the public cloud) count.
 */
export function judgeCredentials(
  credentials: readonly FederatedCredential[],
  template: SubjectTemplate,
  repo: RepositoryFacts,
  audience: string
): FederationReport {
  const segments = template.keys.map((key) => segmentFor(key, repo))
  const pattern = new RegExp(`^${segments.map(patternOf).join(':')}$`)
  const loose = new RegExp(pattern.source, 'i')
  const varyingKeys = segments.filter((s) => s.kind === 'varying').map((s) => s.key)
  const subject = segments.map(render).join(':')

  const verdicts = credentials.map((credential): CredentialVerdict => {
    const no = (reason: string): CredentialVerdict => ({ credential, admits: 'no', reason })
    if (!isGitHubIssuer(credential.issuer)) return no(`issuer ${credential.issuer} is not GitHub Actions'`)
    if (!credential.subject) {
      return no(`a claims-matching expression (${credential.claimsMatchingExpression ?? 'none'}), not judged here`)
    }
    if (!credential.audiences.includes(audience)) {
      return no(`audience ${credential.audiences.join(', ') || '(none)'}, not ${audience}`)
    }
    const match = pattern.exec(credential.subject)
    if (!match) {
      if (loose.test(credential.subject))
        return no(`differs from ${repo.fullName} in upper/lower case, and Entra ID compares exactly`)
      return no(describeOther(credential.subject, repo.fullName, template))
    }
    const captured = new Map<string, string>()
    segments.filter((s) => s.kind !== 'literal').forEach((s, index) => captured.set(s.key, match[index + 1] ?? ''))
    const fixed = varyingKeys.map((key) => `${key} ${captured.get(key)}`)
    if (fixed.length > 0) return no(`fixes ${fixed.join(', ')}, which differ from one PR or run to the next`)
    const conditions = segments
      .filter((s) => s.kind === 'unknown')
      .map((s) => `${s.key} is '${captured.get(s.key)}'`)
      .join(', ')
    const when = conditions ? ` whose ${conditions}` : ''
    const context = captured.get('context')
    if (context !== undefined && context !== 'pull_request') {
      return {
        credential,
        admits: 'environment',
        reason: `PR jobs${when} that set \`environment: ${context.slice('environment:'.length)}\``
      }
    }
    return { credential, admits: 'pull-request', reason: `the PR jobs of ${repo.fullName}${when}` }
  })
  return { verdicts, subject, varyingKeys }
}

/** GitHub.com's issuer, or an enterprise's own (`…/<enterprise>`); GitHub Enterprise Server's is https://HOST/_services/token. */
export function isGitHubIssuer(issuer: string): boolean {
  return issuer === GITHUB_ISSUER || issuer.startsWith(`${GITHUB_ISSUER}/`) || /^https:\/\/[^/]+\/_services\/token$/.test(issuer)
}

function segmentFor(key: string, repo: RepositoryFacts): Segment {
  const [owner = ''] = repo.fullName.split('/')
  const known: Record<string, string | undefined> = {
    repo: repo.fullName,
    repository: repo.fullName,
    repository_owner: owner,
    repository_id: repo.id?.toString(),
    repository_owner_id: repo.ownerId?.toString(),
    repository_visibility: repo.visibility,
    event_name: 'pull_request'
  }
  if (key === 'context') return { key, kind: 'context' }
  const value = known[key]
  if (value !== undefined) return { key, kind: 'literal', value }
  return { key, kind: VARYING_CLAIMS.has(key) ? 'varying' : 'unknown' }
}

function patternOf(segment: Segment): string {
  switch (segment.kind) {
    case 'literal':
      return `${escape(segment.key)}:${escape(segment.value)}`
    case 'context':
      return '(pull_request|environment:[^:]+)'
    default:
      return `${escape(segment.key)}:(.+?)`
  }
}

function render(segment: Segment): string {
  switch (segment.kind) {
    case 'literal':
      return `${segment.key}:${segment.value}`
    case 'context':
      return 'pull_request'
    default:
      return `${segment.key}:<${segment.key}>`
  }
}

/** What a credential that admits no PR job of the repository admits instead. */
function describeOther(subject: string, fullName: string, template: SubjectTemplate): string {
  const shaped = /^repo:([^:]+):(.+)$/.exec(subject)
  if (shaped && template.keys.join(',') !== DEFAULT_CLAIM_KEYS.join(',')) {
    return `default-template subject ${subject}, but ${fullName} uses a customized template (${template.keys.join(', ')})`
  }
  if (!shaped) return `subject ${subject} is not of the form this repository's template gives`
  const [, repo = '', context = ''] = shaped
  if (repo !== fullName) return `jobs of ${repo}, not ${fullName}`
  if (context.startsWith('ref:'))
    return `jobs that run on ${context.slice('ref:'.length)} (pushes, schedules, dispatches), not PR jobs`
  return `jobs with context ${context}, not PR jobs`
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
