import { describe, expect, it } from '@jest/globals'
import {
  DEFAULT_CLAIM_KEYS,
  GITHUB_ISSUER,
  isGitHubIssuer,
  judgeCredentials,
  type FederatedCredential
} from '../src/federation.js'

const AUDIENCE = 'api://AzureADTokenExchange'
const REPO = { fullName: 'Octo-Org/octo-repo', id: 101, ownerId: 202, visibility: 'private' }

function credential(subject: string, over: Partial<FederatedCredential> = {}): FederatedCredential {
  return { name: subject.slice(0, 20), issuer: GITHUB_ISSUER, subject, audiences: [AUDIENCE], ...over }
}

function verdicts(credentials: FederatedCredential[], keys: readonly string[] = DEFAULT_CLAIM_KEYS) {
  return judgeCredentials(credentials, { keys, source: keys === DEFAULT_CLAIM_KEYS ? 'default' : 'repository' }, REPO, AUDIENCE)
}

describe('judgeCredentials with the default subject template', () => {
  it('admits PR jobs through repo:OWNER/REPO:pull_request and names the subject they present', () => {
    const report = verdicts([credential('repo:Octo-Org/octo-repo:pull_request')])
    expect(report.subject).toBe('repo:Octo-Org/octo-repo:pull_request')
    expect(report.verdicts[0]).toMatchObject({ admits: 'pull-request', reason: 'the PR jobs of Octo-Org/octo-repo' })
  })

  it('admits only jobs that set the environment through an environment subject', () => {
    const [verdict] = verdicts([credential('repo:Octo-Org/octo-repo:environment:pr-summary')]).verdicts
    expect(verdict).toMatchObject({ admits: 'environment', reason: 'PR jobs that set `environment: pr-summary`' })
  })

  it('says what a credential admits instead: a branch, another repository, another case', () => {
    const report = verdicts([
      credential('repo:Octo-Org/octo-repo:ref:refs/heads/main'),
      credential('repo:Octo-Org/other-repo:pull_request'),
      credential('repo:octo-org/octo-repo:pull_request')
    ])
    expect(report.verdicts.map((v) => v.admits)).toEqual(['no', 'no', 'no'])
    expect(report.verdicts[0]?.reason).toMatch(/run on refs\/heads\/main .*not PR jobs/)
    expect(report.verdicts[1]?.reason).toBe('jobs of Octo-Org/other-repo, not Octo-Org/octo-repo')
    expect(report.verdicts[2]?.reason).toMatch(/upper\/lower case/)
  })

  it('counts only GitHub-issued credentials with the expected audience', () => {
    const subject = 'repo:Octo-Org/octo-repo:pull_request'
    const report = verdicts([
      credential(subject, { issuer: 'https://gitlab.example.com' }),
      credential(subject, { audiences: ['api://Other'] }),
      {
        name: 'flexible',
        issuer: GITHUB_ISSUER,
        audiences: [AUDIENCE],
        claimsMatchingExpression: "claims['sub'] matches 'repo:*'"
      }
    ])
    expect(report.verdicts.map((v) => [v.admits, v.reason])).toEqual([
      ['no', "issuer https://gitlab.example.com is not GitHub Actions'"],
      ['no', 'audience api://Other, not api://AzureADTokenExchange'],
      ['no', "a claims-matching expression (claims['sub'] matches 'repo:*'), not judged here"]
    ])
  })
})

describe('judgeCredentials with a customized subject template', () => {
  it('renders known claims as key:value and context as its value alone', () => {
    const keys = ['repository_owner_id', 'repository_id', 'context']
    const report = verdicts([credential('repository_owner_id:202:repository_id:101:pull_request')], keys)
    expect(report.subject).toBe('repository_owner_id:202:repository_id:101:pull_request')
    expect(report.verdicts[0]?.admits).toBe('pull-request')
  })

  it('flags a default-shaped credential when the repository customized its template', () => {
    const report = verdicts([credential('repo:Octo-Org/octo-repo:pull_request')], ['repository_owner', 'context'])
    expect(report.verdicts[0]).toMatchObject({ admits: 'no' })
    expect(report.verdicts[0]?.reason).toMatch(/uses a customized template \(repository_owner, context\)/)
  })

  it('treats claims that change per PR as unmatchable by a fixed subject', () => {
    const keys = ['repository_owner', 'job_workflow_ref']
    const report = verdicts(
      [credential('repository_owner:Octo-Org:job_workflow_ref:Octo-Org/octo-repo/.github/workflows/pr.yml@refs/pull/7/merge')],
      keys
    )
    expect(report.varyingKeys).toEqual(['job_workflow_ref'])
    expect(report.subject).toBe('repository_owner:Octo-Org:job_workflow_ref:<job_workflow_ref>')
    expect(report.verdicts[0]?.admits).toBe('no')
    expect(report.verdicts[0]?.reason).toMatch(/fixes job_workflow_ref .*refs\/pull\/7\/merge, which differ/)
  })

  it('admits on a stable claim it cannot know, and says on which condition', () => {
    const report = verdicts([credential('repo:Octo-Org/octo-repo:workflow:PR summary')], ['repo', 'workflow'])
    expect(report.verdicts[0]).toMatchObject({
      admits: 'pull-request',
      reason: "the PR jobs of Octo-Org/octo-repo whose workflow is 'PR summary'"
    })
  })
})

describe('isGitHubIssuer', () => {
  it('accepts GitHub.com, an enterprise issuer and GitHub Enterprise Server', () => {
    expect(isGitHubIssuer(GITHUB_ISSUER)).toBe(true)
    expect(isGitHubIssuer(`${GITHUB_ISSUER}/octo-enterprise`)).toBe(true)
    expect(isGitHubIssuer('https://ghes.example.com/_services/token')).toBe(true)
    expect(isGitHubIssuer('https://token.actions.githubusercontent.com.evil.example')).toBe(false)
  })
})
