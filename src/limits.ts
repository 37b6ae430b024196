/**
 * GitHub's limit on the bodies the action writes, shared by rendering, sanitizing and publishing.
 * No imports: publish.ts loads this at start-up and must not pull in the markdown parser with it.
 */

/**
 * Longest issue comment or PR body GitHub accepts, in characters: a longer one is rejected with 422
 * "body is too long (maximum is 65536 characters)"
 * (https://docs.github.com/rest/issues/comments#create-an-issue-comment, the error's documentation_url).
 */
export const GITHUB_BODY_LIMIT = 65_536

/** Length in Unicode code points, the unit GitHub's body limit counts (not UTF-16 code units). */
export function codePointLength(text: string): number {
  let length = 0
  for (const _ of text) length++
  return length
}
