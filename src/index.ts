import * as core from '@actions/core'
import { ActionError } from './errors.js'
import { main } from './main.js'

/** The one entry point: any failure, of whatever type, ends in exactly one `::error::` line. */
try {
  await main()
} catch (error) {
  if (error instanceof ActionError) {
    core.setFailed(error.message)
  } else {
    const message = error instanceof Error ? error.message : String(error)
    core.setFailed(`Unexpected error: ${message}. Re-run with ACTIONS_STEP_DEBUG=true for details, and report it if it persists.`)
    if (error instanceof Error && error.stack) core.debug(error.stack)
  }
}
