/**
 * Shared shapes that flow through the pipeline:
 * event → settings → PR files → selection → prompt → model → render → publish → outputs.
 * Types only: no runtime code lives here.
 */

export type AuthMode = 'auto' | 'oidc' | 'azure-cli' | 'managed-identity' | 'api-key'
export type CloudName = 'AzureCloud' | 'AzureUSGovernment' | 'AzureChinaCloud'
export type PublishMode = 'comment' | 'description' | 'none'

/** Every input, validated once (src/settings.ts). */
export interface Settings {
  /** Normalized resource URL: scheme + host (+ APIM path), no trailing `/`, `/openai` or `/openai/v1`. */
  readonly endpoint: string
  readonly deployment: string
  /** Empty: the v1 API. Otherwise a dated api-version such as `2024-10-21`. */
  readonly apiVersion: string
  readonly auth: AuthMode
  readonly clientId: string
  readonly tenantId: string
  readonly audience: string
  readonly cloud: CloudName
  /** `https://…` with no trailing slash. */
  readonly authorityHost: string
  /** True when authorityHost is not a well-known cloud authority (instance discovery off). */
  readonly customAuthority: boolean
  readonly tokenScope: string
  readonly apiKey: string
  readonly githubToken: string
  /** From the input, else from the event. */
  readonly pullNumber: number | undefined
  readonly publish: PublishMode
  readonly include: readonly string[]
  readonly exclude: readonly string[]
  /** The `instructions` input. With `instructions-file`, run() adds the file's text once it is read. */
  readonly instructions: string
  /** A path in the repository whose text is added to `instructions`, read at the PR's base commit; '' for none. */
  readonly instructionsFile: string
  readonly language: string
  readonly maxInputTokens: number
  readonly maxOutputTokens: number
  readonly maxConcurrency: number
  readonly maxModelCalls: number
  /** Upper bound for the whole run's waiting on remotes, in seconds (input `timeout-seconds`). */
  readonly timeoutSeconds: number
  /** Draft PRs are skipped (`skipped=draft`) until they are marked ready for review. */
  readonly skipDrafts: boolean
  /** Logins (`*` and `?` wildcards) whose PRs are skipped (`skipped=author`); empty: nobody's. */
  readonly skipAuthors: readonly string[]
}

/** One message of a chat request. */
export interface ChatMessage {
  readonly role: 'system' | 'user'
  readonly content: string
}

/** Minimal logger handed to modules that must not touch the runner. */
export interface Log {
  info(message: string): void
  debug(message: string): void
  notice(message: string): void
  warning(message: string): void
}

export interface RepoRef {
  readonly owner: string
  readonly repo: string
}

export interface PullRequestInfo extends RepoRef {
  readonly number: number
  readonly title: string
  readonly body: string
  readonly draft: boolean
  readonly htmlUrl: string
  readonly headSha: string
  readonly baseSha: string
  /** The base branch (`base.ref`), for messages. */
  readonly baseRef?: string
  readonly author: string
  /** The head repository differs from the base repository. */
  readonly isFork: boolean
  /** `changed_files` as GitHub reports it (may exceed what listFiles returns). */
  readonly changedFiles: number
  /** `additions` + `deletions` of the whole PR as GitHub reports them, when it does. */
  readonly changedLines?: number
}

export type FileStatus = 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged'

export interface ChangedFile {
  readonly filename: string
  readonly previousFilename?: string
  readonly status: FileStatus
  readonly additions: number
  readonly deletions: number
  /** Absent for binary files, empty files and diffs GitHub considers too large. */
  readonly patch?: string
  /** Blob id of the file at the head, as GitHub lists it; tells an added empty file from a binary one. */
  readonly sha?: string
}

export interface CommitInfo {
  readonly sha: string
  readonly message: string
}

/**
 * What changed since the summary before this one. `delta`: the commits pushed on top of the head
 * summarized last (the compare API), and the PR's files they changed, with the delta's patches.
 * `rewritten`: that head is no longer an ancestor of the new one (force-push, rebase).
 */
export type SinceLastSummary =
  | {
      readonly kind: 'delta'
      readonly from: string
      readonly to: string
      readonly commits: readonly CommitInfo[]
      readonly files: readonly ChangedFile[]
    }
  | { readonly kind: 'rewritten'; readonly from: string; readonly to: string }

/** Everything read from GitHub about the PR. */
export interface PullRequestData {
  readonly pr: PullRequestInfo
  readonly files: readonly ChangedFile[]
  readonly commits: readonly CommitInfo[]
  /** True when GitHub's 3,000-file listing limit hid some files. */
  readonly filesTruncated: boolean
}

/** Why a file is not (fully) in front of the model. */
export type OmitReason =
  | 'excluded' // matched exclude / not include
  | 'binary' // no patch: binary
  | 'too-large' // no patch: GitHub did not return one
  | 'budget' // did not fit max-input-tokens even compressed
  | 'call-cap' // did not fit within max-model-calls
  | 'no-answer' // its request was content-filtered or answered with nothing

/** What a file is to a reviewer (src/select.ts, fileKind); when not every diff fits, they are sent in this order. */
export type FileKind = 'source' | 'test' | 'config' | 'docs' | 'translation' | 'data'

export interface FileNote {
  readonly path: string
  readonly additions: number
  readonly deletions: number
  readonly reason: OmitReason
  /** Set by the selection: lets the comment say what kind of files the budget left out. */
  readonly kind?: FileKind
}

export interface Coverage {
  readonly filesTotal: number
  /** Paths whose diff (possibly compressed) reached the model. */
  readonly summarized: readonly string[]
  /** Paths that reached the model only in compressed form. */
  readonly compressed: readonly string[]
  readonly excluded: readonly FileNote[]
  readonly omitted: readonly FileNote[]
  /** Files beyond GitHub's 3,000-file listing: counted, but GitHub never names them. */
  readonly unlisted: number
}

export interface Usage {
  readonly promptTokens: number
  readonly completionTokens: number
  readonly modelCalls: number
}

/** The structured answer the model is asked for (json_schema), rendered by our code. */
export interface SummaryDoc {
  readonly overview: string
  readonly changes: ReadonlyArray<{ readonly area: string; readonly points: readonly string[] }>
  readonly files: ReadonlyArray<{ readonly path: string; readonly summary: string }>
  readonly risks: readonly string[]
  /** What the commits since the last summary did, when the request asked for it too. */
  readonly update?: UpdateDoc
}

/** The model's account of the commits since the last summary. */
export interface UpdateDoc {
  readonly overview: string
  readonly files: ReadonlyArray<{ readonly path: string; readonly summary: string }>
}

/** What the summarize stage produced. Exactly one of doc / markdown / notice is set. */
export interface SummaryOutcome {
  readonly doc?: SummaryDoc
  /** Plain markdown, when the deployment rejected json_schema output. */
  readonly markdown?: string
  /** A neutral notice (empty or content-filtered answer). */
  readonly notice?: string
  /** What the commits since the last summary did: structured, or markdown from a deployment without json_schema. */
  readonly update?: UpdateDoc | { readonly markdown: string }
  readonly usage: Usage
  readonly coverage: Coverage
}

/** Outputs of the action (contract: Outputs). */
export interface RunResult {
  readonly summary: string
  readonly commentId?: number
  readonly commentUrl?: string
  /** The summary is on the PR now (written by this run, or already there and unchanged). */
  readonly published: boolean
  readonly skipped: string
  readonly filesTotal: number
  readonly filesSummarized: number
  readonly filesOmitted: number
  readonly promptTokens: number
  readonly completionTokens: number
  readonly modelCalls: number
  /** Which files reached the model (whole or compressed) and which did not; set when the model was called. */
  readonly coverage?: Coverage
  /** Markdown for the job summary page. */
  readonly jobSummary: string
}
