// @ts-check
/**
 * All emulators at once, wired the way the real services are: Entra trusts the OIDC issuer, Azure
 * OpenAI trusts Entra's tokens. `env()` and `defaultInputs()` give what a runner would hand the action.
 */
import { startEntra } from './entra.mjs'
import { FIXTURE_OWNER, FIXTURE_REPO } from './fixtures.mjs'
import { startGitHub } from './github.mjs'
import { startOidc } from './oidc.mjs'
import { startOpenAI } from './openai.mjs'

/**
 * @typedef {object} EmulatorOptions
 * @property {boolean} [ghes] Serve GitHub under `/api/v3` (GitHub Enterprise Server).
 * @property {string[]} [deployments] Azure OpenAI deployments that exist.
 * @property {string} [apiKey] The Azure OpenAI key the emulator accepts (api-key mode).
 * @property {Parameters<typeof startOidc>[0]} [oidc] Options for the OIDC token endpoint.
 * @property {Parameters<typeof startEntra>[0]['tenants']} [tenants] Entra tenants and their apps.
 * @property {string} [repository] `owner/repo` for GITHUB_REPOSITORY.
 */

/** @param {EmulatorOptions} [options] */
export async function startEmulators(options = {}) {
  const oidc = await startOidc(options.oidc ?? {})
  const entra = await startEntra({ oidc, tenants: options.tenants })
  const openai = await startOpenAI({ entra, apiKey: options.apiKey, deployments: options.deployments })
  const github = await startGitHub({ ghes: options.ghes ?? false })
  const repository = options.repository ?? `${FIXTURE_OWNER}/${FIXTURE_REPO}`

  return {
    oidc,
    entra,
    openai,
    github,
    /**
     * Runner-like environment for the action (merged over by `extra`).
     * @param {Record<string, string>} [extra]
     * @returns {Record<string, string>}
     */
    env(extra = {}) {
      return {
        GITHUB_ACTIONS: 'true',
        CI: 'true',
        ACTIONS_ID_TOKEN_REQUEST_URL: oidc.requestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken,
        GITHUB_API_URL: github.apiUrl,
        GITHUB_SERVER_URL: github.serverUrl,
        GITHUB_GRAPHQL_URL: `${github.apiUrl}/graphql`,
        GITHUB_REPOSITORY: repository,
        GITHUB_REPOSITORY_OWNER: repository.split('/')[0] ?? '',
        GITHUB_RUN_ID: '1',
        GITHUB_RUN_ATTEMPT: '1',
        GITHUB_WORKFLOW: 'pr-summary',
        GITHUB_JOB: 'summarize',
        GITHUB_ACTOR: 'octo-contributor',
        NODE_EXTRA_CA_CERTS: entra.caCertPath,
        ...extra
      }
    },
    /** Inputs that make the action talk to these emulators with keyless (OIDC) auth. */
    defaultInputs() {
      return {
        endpoint: openai.url,
        deployment: [...openai.state.deployments][0] ?? 'gpt-4o-mini',
        'client-id': entra.clientId,
        'tenant-id': entra.tenantId,
        'authority-host': entra.authorityHost,
        'github-token': github.installationToken
      }
    },
    /**
     * Makes the OIDC emulator issue tokens like a run triggered by `eventName` on the default branch
     * (`issue_comment`, `workflow_dispatch`, …): `ref` refs/heads/main and the subject
     * `repo:{owner}/{repo}:ref:refs/heads/main` instead of `…:pull_request`. Unless `federate` is false,
     * the default Entra app also trusts that subject, as a user who added the second federated
     * credential would; with false, Entra refuses the token (AADSTS700213), as it would for them.
     * @param {string} eventName @param {{ federate?: boolean, branch?: string }} [options]
     */
    triggerOnDefaultBranch(eventName, { federate = true, branch = 'main' } = {}) {
      const ref = `refs/heads/${branch}`
      const sub = `repo:${repository}:ref:${ref}`
      Object.assign(oidc.state, {
        eventName,
        ref,
        sub,
        jobWorkflowRef: `${repository}/.github/workflows/pr-summary.yml@${ref}`
      })
      if (!federate) return
      for (const tenant of Object.values(entra.state.tenants)) {
        for (const app of Object.values(tenant.apps)) {
          const first = app.federated[0]
          if (first && !app.federated.some((f) => f.subject === sub)) app.federated.push({ ...first, subject: sub })
        }
      }
    },
    /** Stops every emulator, even when one of them fails to close. */
    async close() {
      await Promise.allSettled([github.close(), openai.close(), entra.close(), oidc.close()])
    }
  }
}
