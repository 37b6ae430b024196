/**
 * Work the pipeline will need, started as soon as what it depends on is known, so that it runs while
 * GitHub answers the PR's pages and while the run plans:
 * - the tokenizer, once the PR's size says it will not fit `max-input-tokens` by byte count;
 * - the Azure auth and model modules, once the PR is known not to be a draft (no network);
 * - the Azure token, once the run knows it will call the model: our previous summary is of another
 *   head (or was a notice), or there is none and the PR has a file to send. An unchanged re-run (the
 *   same head) never asks for one: its fingerprint decides first, as before.
 * Nothing here changes what is requested or how failures read: the model client is the one the run
 * would create, and the first model call gets the early token, or the early failure.
 */
import { setFlagsFromString } from 'node:v8'
import type { AzureAuth } from './auth.js'
import { ActionError } from './errors.js'
import type { ModelClient } from './model.js'
import type { PreviousSummary } from './publisher.js'
import type { RunContext } from './run.js'
import { forkWithoutOidc, type Skip, skipForPullRequest } from './skips.js'
import type { summarize } from './summarize.js'
import type { ChangedFile, PullRequestInfo } from './types.js'

/** What summarizing needs of Azure, ready. */
export interface AzureReady {
  readonly label: string
  readonly client: ModelClient
  readonly summarize: typeof summarize
}

/** Bytes a changed line takes in a diff at the least, in practice: below it, a PR may well fit by byte count. */
const BYTES_PER_CHANGED_LINE = 40
/** Bytes of a file's header in the prompt (path, status, counts), about. */
const BYTES_PER_FILE = 64

/** Starts work early for one run; each piece starts at most once. */
export class HeadStart {
  private readonly context: RunContext
  private modules: Promise<Modules> | undefined
  private azure: Promise<AzureReady | Skip> | undefined

  constructor(context: RunContext) {
    this.context = context
  }

  /**
   * The PR itself is read, `firstFiles` will be the first page of its files, and `previous` what we
   * published before. Unless that is a summary of this very head (most likely an unchanged re-run,
   * which the fingerprint decides), starts the tokenizer for a PR too large to plan by byte count, the
   * Azure modules, and the token: at once when our previous summary is of another head or was a notice,
   * and on a first run once the first page holds a file that can be sent.
   */
  pulled(pr: PullRequestInfo, previous: Promise<PreviousSummary | undefined>, firstFiles: Promise<readonly ChangedFile[]>): void {
    const { settings } = this.context
    // The run awaits `previous` itself when it gets that far; a run that ends first must not leave it unhandled.
    previous.catch(() => undefined)
    // A draft or a skip-authors PR ends before any token (a trusted command summarizes them anyway).
    if (skipForPullRequest(pr, settings, this.context.command !== undefined)) return
    // The instructions file is read next to the previous summary; the token waits for it, so that a
    // missing file fails the run before any token is asked for (run.ts connects after the fingerprint).
    const tokenNow = settings.instructionsFile === ''
    const started = previous.then(async (summary) => {
      const sameHead = summary !== undefined && summary.fingerprint !== '' && (summary.head ?? pr.headSha) === pr.headSha
      if (sameHead) return
      const bytes = (pr.changedLines ?? 0) * BYTES_PER_CHANGED_LINE + pr.changedFiles * BYTES_PER_FILE
      if (bytes > settings.maxInputTokens) {
        holdYoungGeneration()
        import('./tokens.js').then((tokens) => tokens.loadTokenizer()).catch(() => undefined)
      }
      if (summary && tokenNow) {
        void this.connect(pr)
        return
      }
      void this.loadModules()
      if (!tokenNow) return
      const [plan, files] = await Promise.all([import('./plan.js'), firstFiles])
      if (plan.hasSendableFile(files, settings.include, settings.exclude)) void this.connect(pr)
    })
    started.catch(() => undefined)
  }

  /**
   * Azure auth and the model client for `pr`, with the token on its way (started now if it was not):
   * a skip for a fork PR whose job has no OIDC token; any other job without one lacks the permission.
   */
  connect(pr: PullRequestInfo): Promise<AzureReady | Skip> {
    if (!this.azure) {
      this.azure = this.start(pr)
      // Awaited only if the run calls the model; a run that ends before must not see an unhandled rejection.
      this.azure.catch(() => undefined)
    }
    return this.azure
  }

  private loadModules(): Promise<Modules> {
    if (!this.modules) {
      this.modules = Promise.all([
        import('./auth.js'),
        import('./model.js'),
        import('./summarize.js'),
        import('./entra-errors.js')
      ])
      this.modules.catch(() => undefined)
    }
    return this.modules
  }

  private async start(pr: PullRequestInfo): Promise<AzureReady | Skip> {
    const { settings, log } = this.context
    const [auth, model, summarizing, entra] = await this.loadModules()
    const created = auth.createAuth(settings, { ...this.context.azure, log })
    if (created.mode === 'oidc' && !this.context.azure.hasIdToken) {
      if (pr.isFork) return forkWithoutOidc(pr.number, 'pull_request')
      throw new ActionError(entra.missingIdTokenPermissionMessage())
    }
    const azure = tokenOnItsWay(created)
    const remainingMs = Math.max(1000, this.context.startedAt + settings.timeoutSeconds * 1000 - this.context.now())
    const client = await model.createModelClient(settings, azure, { log, timeoutMs: remainingMs, maxRetries: 4 })
    return { label: azure.label, client, summarize: summarizing.summarize }
  }
}

/**
 * Stops V8's young generation from growing beyond the size it has now (a few MB after start-up). While
 * a PR that needs real token counts is read and planned, it would otherwise grow to 2 × 32 MB: the
 * peak RSS of the 3,200-file benchmark drops from ~220 to ~163 MB, at no CPU cost that the bench can
 * tell from noise. `--max-semi-space-size` would do it too, but only as a flag of the process, and a
 * re-executed process would count twice; the growth factor is read at each growth, so it can be set now.
 */
function holdYoungGeneration(): void {
  try {
    setFlagsFromString('--semi-space-growth-factor=1')
  } catch {
    // A V8 that refuses the flag keeps its default: more memory, same results.
  }
}

type Modules = [
  typeof import('./auth.js'),
  typeof import('./model.js'),
  typeof import('./summarize.js'),
  typeof import('./entra-errors.js')
]

/**
 * `auth` with its token requested now. Until that request succeeds, every caller gets it, failure
 * included, as concurrent callers share one request; after, `auth` answers from its cache.
 */
function tokenOnItsWay(auth: AzureAuth): AzureAuth {
  if (auth.mode === 'api-key') return auth
  let early: Promise<string> | undefined = auth.getToken()
  early.then(
    () => {
      early = undefined
    },
    () => undefined
  )
  return { mode: auth.mode, label: auth.label, getToken: () => early ?? auth.getToken() }
}
