// @ts-check
/**
 * `npm run demo`: runs the bundled action once, end to end, against local emulators of GitHub, the
 * Actions OIDC endpoint, Microsoft Entra ID and Azure OpenAI, then shows what it published. No network,
 * no Azure account, no secrets.
 */
import { existsSync } from 'node:fs'
import { pullRequestEvent, samplePullRequest } from '../test/emulators/fixtures.mjs'
import { startEmulators } from '../test/emulators/index.mjs'
import { ACTION_ENTRY, runAction } from '../test/emulators/run-action.mjs'

/** @param {string} title @param {string} text */
function section(title, text) {
  console.log(`\n=== ${title} ${'='.repeat(Math.max(0, 70 - title.length))}\n${text.trimEnd() || '(empty)'}`)
}

async function main() {
  if (!existsSync(ACTION_ENTRY)) {
    console.error(`dist/index.js is missing: run \`npm run bundle\` to build it, then \`npm run demo\` again.`)
    return 1
  }
  const emu = await startEmulators()
  try {
    const pr = samplePullRequest()
    emu.github.addPullRequest(pr)
    console.log(`Planted ${pr.owner}/${pr.repo}#${pr.number} "${pr.title}" (${pr.files.length} files) in the GitHub emulator.`)
    // The emulated deployment answers this PR with a scripted summary (what a model would write), so
    // the demo shows a realistic comment; everything around it (auth, prompt, rendering, publishing)
    // is the real action.
    emu.openai.state.respond = (body) => ({ content: scriptedAnswer(body) })
    console.log(
      `Running dist/index.js with keyless auth: GitHub OIDC token → Entra ID (${emu.entra.authorityHost}) → Azure OpenAI (${emu.openai.url}).`
    )

    const result = await runAction({
      emu,
      inputs: emu.defaultInputs(),
      event: pullRequestEvent(pr, { action: 'opened', serverUrl: emu.github.serverUrl })
    })

    // `::add-mask::VALUE` is how a secret reaches the runner, which hides the line and masks VALUE
    // everywhere after it; shown here as the runner would treat it.
    const log = result.stdout.replace(/^::add-mask::.*$/gm, '::add-mask::*** (a token, masked by the runner from here on)')
    section('Action log', log + (result.stderr ? `\n${result.stderr}` : ''))
    const comments = emu.github.comments(pr.owner, pr.repo, pr.number)
    section('Comment posted on the PR', comments.map((c) => `[by ${c.user.login}, ${c.html_url}]\n${c.body}`).join('\n\n---\n\n'))
    section('Job summary', result.summary)
    section(
      'Outputs',
      Object.entries(result.outputs)
        .map(([name, value]) => `${name} = ${value.includes('\n') ? '(multi-line, see above)' : value}`)
        .join('\n')
    )
    const chats = emu.openai.requests.filter((r) => r.status === 200)
    section(
      'Traffic',
      [
        `GitHub REST requests: ${emu.github.requests.length}`,
        `OIDC tokens issued: ${emu.oidc.state.issued}`,
        `Azure OpenAI chat requests: ${emu.openai.requests.length} (${chats.length} answered; auth: ${[...new Set(emu.openai.requests.map((r) => r.auth))].join(', ') || 'none'})`
      ].join('\n')
    )

    const ok = result.code === 0
    console.log(
      `\n${ok ? 'Demo finished' : 'Demo FAILED'}: the action exited with code ${result.code} in ${Math.round(result.durationMs)} ms.`
    )
    return ok ? 0 : 1
  } finally {
    await emu.close()
  }
}

/**
 * A structured summary of the sample PR in the shape the action asks for (json_schema), or markdown
 * when it asks for that.
 * @param {any} body
 */
function scriptedAnswer(body) {
  const doc = {
    overview:
      'Adds opt-in retries to the HTTP client: `getJson` accepts a `retry` option and retries 429 and 5xx answers with exponential backoff and full jitter. Retries are off by default, so existing callers behave as before.',
    changes: [
      {
        area: 'HTTP client',
        points: [
          '`ClientOptions` gains an optional `retry` setting.',
          '`getJson` wraps its request in `withRetry` when retries are configured.'
        ]
      },
      {
        area: 'Retry policy',
        points: [
          'New `withRetry` helper: exponential backoff with full jitter, capped attempts.',
          'Retries only 429 and 5xx; other errors are thrown at once.'
        ]
      },
      {
        area: 'Tests and docs',
        points: ['Unit tests for the retry loop (attempt count, backoff bounds).', 'README documents the new option.']
      }
    ],
    files: [
      { path: 'src/http/client.ts', summary: 'Adds the `retry` option and routes `getJson` through `withRetry`.' },
      { path: 'src/http/retry.ts', summary: 'New backoff helper with full jitter and a retryable-status check.' },
      { path: 'test/retry.test.ts', summary: 'Covers retry counts, backoff bounds and non-retryable errors.' },
      { path: 'README.md', summary: 'Documents the `retry` option.' }
    ],
    risks: [
      'Retrying non-idempotent requests could duplicate side effects: the option is limited to `getJson` (GET) for now.',
      'No upper bound on total wait time across attempts; consider a deadline.'
    ]
  }
  if (body?.response_format?.type === 'json_schema') return JSON.stringify(doc)
  return `${doc.overview}\n\n${doc.changes.map((c) => `### ${c.area}\n${c.points.map((p) => `- ${p}`).join('\n')}`).join('\n\n')}`
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`Demo failed before the action could finish: ${error instanceof Error ? error.message : error}`)
    process.exit(1)
  }
)
