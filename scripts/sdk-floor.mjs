// @ts-check
/**
 * The floor under the action's small-PR time: a program that only loads and constructs the libraries
 * the action must use on a first run (the OIDC → Entra ID exchange through @azure/identity, the OpenAI
 * SDK, Octokit with its REST methods, the markdown parser and serializer, Node's fetch) and makes no
 * request. `npm run bench` bundles it as the action is bundled (ncc, minified) and times it beside
 * bare node: what the action adds on top is its own work and its requests.
 */
import { ClientAssertionCredential } from '@azure/identity'
import { Octokit } from '@octokit/core'
import { paginateRest } from '@octokit/plugin-paginate-rest'
import { restEndpointMethods } from '@octokit/plugin-rest-endpoint-methods'
import OpenAI from 'openai'
import remarkGfm from 'remark-gfm'
import remarkParse from 'remark-parse'
import remarkStringify from 'remark-stringify'
import { unified } from 'unified'

new ClientAssertionCredential('00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000000', async () => 'x')
new OpenAI({ apiKey: 'x', baseURL: 'http://127.0.0.1:9/openai/v1/' })
new (Octokit.plugin(restEndpointMethods, paginateRest))({ auth: 'x' })
const markdown = unified().use(remarkParse).use(remarkGfm).use(remarkStringify)
markdown.stringify(markdown.parse('## Summary\n\n- a `b` *c*\n'))
await (await fetch('data:text/plain,x')).text()
