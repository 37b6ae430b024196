/**
 * One Publisher per `publish` mode. Each knows where its mode keeps our previous summary (a marked
 * comment by our own identity, or the marked section of the PR description), how to read that
 * summary's fingerprint, and how to write a new one, so the pipeline never asks which mode it is in.
 */
import type { Octokit } from './github.js'
import { codePointLength } from './limits.js'
import { commentMarker, descriptionSectionText, type MarkerState, parseDescriptionMarker, type UpdateRecord } from './marker.js'
import {
  findOurComments,
  publishComment,
  publishDescription,
  resolveIdentity,
  type Identity,
  type PublishTarget,
  type SectionRenderer
} from './publish.js'
import type { Log, PublishMode, PullRequestInfo } from './types.js'

/** What this action published on the PR before this run. */
export interface PreviousSummary {
  /** Fingerprint of what was summarized then; '' for a neutral notice, which the next run retries. */
  readonly fingerprint: string
  /** The head commit it summarized, when its marker records one (summaries before v1.1 do not). */
  readonly head?: string
  /** Earlier updates of the summary, oldest first. */
  readonly history: readonly UpdateRecord[]
  /** The published markdown, without our marker. */
  readonly markdown: string
  /** Where it can be read: the comment, or the PR. */
  readonly url: string
  /** The comment's id, in comment mode. */
  readonly commentId?: number
}

/** A summary ready to publish. */
export interface SummaryToPublish {
  /** The markdown as rendered for GitHub's whole body limit. */
  readonly markdown: string
  /** Recorded in our marker: the fingerprint that tells an unchanged PR, the head, the update history. */
  readonly marker: MarkerState
  /** Renders the summary again within `room` code points, for a body that has less room. */
  readonly renderWithin: SectionRenderer
}

/** Where the summary went, and whether it is on the PR now. */
export type Publication =
  | { readonly published: true; readonly url: string; readonly commentId?: number }
  | { readonly published: false; readonly because: 'publish-none' | 'stale' | 'too-long' }

export interface Publisher {
  readonly mode: PublishMode
  /** Our previous summary on `pr`, if there is one that we wrote. */
  previous(pr: PullRequestInfo): Promise<PreviousSummary | undefined>
  publish(summary: SummaryToPublish, pr: PullRequestInfo): Promise<Publication>
}

/**
 * The publisher for `mode`. The comment publisher starts asking who we are and listing the PR's
 * comments at once, so that those reads run alongside the PR read.
 */
export function createPublisher(mode: PublishMode, octokit: Octokit, target: PublishTarget, log: Log): Publisher {
  switch (mode) {
    case 'comment':
      return commentPublisher(octokit, target, log)
    case 'description':
      return descriptionPublisher(octokit, target, log)
    case 'none':
      return {
        mode,
        previous: () => Promise.resolve(undefined),
        publish: () => Promise.resolve({ published: false, because: 'publish-none' })
      }
  }
}

function commentPublisher(octokit: Octokit, target: PublishTarget, log: Log): Publisher {
  const identity = resolveIdentity(octokit, log)
  const ours = identity.then((who) => findOurComments(octokit, target, who))
  // Awaited in previous() or publish(); a run that ends before either must not see an unhandled rejection.
  ours.catch(() => undefined)
  return {
    mode: 'comment',
    async previous() {
      const [oldest] = await ours
      if (!oldest) return undefined
      return {
        fingerprint: oldest.marker.fingerprint,
        ...(oldest.marker.head ? { head: oldest.marker.head } : {}),
        history: oldest.marker.history ?? [],
        markdown: oldest.body.slice(oldest.body.indexOf('\n') + 1),
        url: oldest.url,
        commentId: oldest.id
      }
    },
    async publish(summary) {
      const who: Identity = await identity
      const body = `${commentMarker(summary.marker)}\n${summary.markdown}`
      const comment = await publishComment(octokit, target, body, who, log)
      return { published: true, url: comment.url, commentId: comment.id }
    }
  }
}

function descriptionPublisher(octokit: Octokit, target: PublishTarget, log: Log): Publisher {
  return {
    mode: 'description',
    previous(pr) {
      const marker = parseDescriptionMarker(pr.body)
      if (!marker) return Promise.resolve(undefined)
      return Promise.resolve({
        fingerprint: marker.fingerprint,
        ...(marker.head ? { head: marker.head } : {}),
        history: marker.history ?? [],
        markdown: descriptionSectionText(pr.body) ?? '',
        url: pr.htmlUrl
      })
    },
    async publish(summary, pr) {
      // Next to the human text there may be less room: the section is rendered again to fit it.
      const section: SectionRenderer = (room) =>
        room >= codePointLength(summary.markdown) ? summary.markdown : summary.renderWithin(room)
      const status = await publishDescription(octokit, target, section, summary.marker, pr.headSha, log)
      return status === 'updated' ? { published: true, url: pr.htmlUrl } : { published: false, because: status }
    }
  }
}
