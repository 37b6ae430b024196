// @ts-check
/**
 * Lets Node 24 run src/*.ts directly (`node --experimental-transform-types --import ./scripts/ts-resolve.mjs
 * src/cli.ts`), for `npm run preview` and `npm run doctor`: no build step, no extra dependency.
 * The sources import each other as `./x.js` (NodeNext resolution, what tsc and ncc expect), and Node's
 * type stripping does not rewrite specifiers, so a relative `.js` import from a `.ts` file that finds
 * no `.js` file is resolved to the `.ts` file next to it. Everything else resolves as usual.
 */
import { registerHooks } from 'node:module'

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context)
    } catch (error) {
      const relative = specifier.startsWith('./') || specifier.startsWith('../')
      const fromTypeScript = context.parentURL?.endsWith('.ts') === true
      const code = /** @type {{ code?: unknown }} */ (error).code
      if (code === 'ERR_MODULE_NOT_FOUND' && relative && fromTypeScript && specifier.endsWith('.js')) {
        return nextResolve(`${specifier.slice(0, -'.js'.length)}.ts`, context)
      }
      throw error
    }
  }
})
