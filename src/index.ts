import { ActionError } from './errors.js'
import { MAX_SEND_WAIT_MS, prefetchPullRequest } from './prefetch.js'

// The PR's first reads leave now, while the rest of the action loads (src/prefetch.ts): this module
// imports nothing heavy, and main.js comes in as a chunk of its own, once they are on the wire.
const prefetched = prefetchPullRequest(process.env)
if (prefetched) {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([prefetched.sent, new Promise((resolve) => (timer = setTimeout(resolve, MAX_SEND_WAIT_MS)))])
  clearTimeout(timer)
}

/** The one entry point: any failure, of whatever type, ends in exactly one `::error::` line. */
try {
  const { main } = await import('./main.js')
  await main(prefetched)
} catch (error) {
  const { runnerLog, setFailed } = await import('./runner.js')
  if (error instanceof ActionError) {
    setFailed(error.message)
  } else {
    const message = error instanceof Error ? error.message : String(error)
    setFailed(`Unexpected error: ${message}. Re-run with ACTIONS_STEP_DEBUG=true for details, and report it if it persists.`)
    if (error instanceof Error && error.stack) runnerLog.debug(error.stack)
  }
}
