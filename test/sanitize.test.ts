import { describe, expect, it } from '@jest/globals'
import type { Nodes } from 'mdast'
import { visit } from 'unist-util-visit'
import { MARKER_TAG, commentMarker } from '../src/marker.js'
import { stripInvisible } from '../src/invisible.js'
import { codePointLength } from '../src/limits.js'
import { parseMarkdown, sanitizeMarkdown } from '../src/sanitize.js'

const options = { serverUrl: 'https://github.com' }
const sanitize = (markdown: string) => sanitizeMarkdown(markdown, options)

/** Node types and link URLs of the tree GitHub would build from the output. */
function nodes(markdown: string): { types: Set<string>; urls: string[]; html: string[]; texts: string[] } {
  const types = new Set<string>()
  const urls: string[] = []
  const html: string[] = []
  const texts: string[] = []
  visit(parseMarkdown(markdown), (node: Nodes) => {
    types.add(node.type)
    if (node.type === 'link') urls.push(node.url)
    if (node.type === 'html') html.push(node.value)
    if (node.type === 'text') texts.push(node.value)
  })
  return { types, urls, html, texts }
}

describe('mentions', () => {
  it.each([
    ['plain text', 'Thanks @alice!', 'Thanks `@alice`!'],
    ['a team', 'cc @org/team.', 'cc `@org/team`.'],
    ['a bot', 'Ask @copilot to review', 'Ask `@copilot` to review'],
    ['a heading', '# Hi @bob', '# Hi `@bob`'],
    ['link text', '[@carol](https://github.com/carol)', '[`@carol`](https://github.com/carol)'],
    ['a character reference', 'hi &#64;dave', 'hi `@dave`'],
    ['text without a letter', '12 @3, 4', '12 `@3`, 4'],
    ['a URL without a letter', '1://2', '`1://2`']
  ])('are inert in %s', (_, input, expected) => {
    expect(sanitize(input).trim()).toBe(expected)
  })

  it('are inert in table cells', () => {
    const output = sanitize('| who | what |\n|---|---|\n| @erin | typo |')
    expect(output).toContain('| `@erin` | typo |')
    expect(nodes(output).types.has('table')).toBe(true)
  })

  it('stay as they are inside code, and e-mail addresses stay readable', () => {
    expect(sanitize('`@frank` and\n\n```\n@grace\n```').trim()).toBe('`@frank` and\n\n```\n@grace\n```')
    expect(sanitize('mail a@b.com').trim()).toBe('mail `a@b.com`')
  })
})

describe('closing keywords', () => {
  it.each([
    ['Fixes #1', '`Fixes` #1'],
    ['closes: owner/repo#2', '`closes`: owner/repo#2'],
    ['Resolves https://github.com/o/r/issues/3', '`Resolves` <https://github.com/o/r/issues/3>'],
    ['FIXED GH-4', '`FIXED` GH-4'],
    ['**Fixes** #5', '**`Fixes`** #5'],
    ['resolved:`Fixes` #6', '`resolved`:`Fixes` #6']
  ])('%s loses its link to the reference', (input, expected) => {
    expect(sanitize(input).trim()).toBe(expected)
  })

  it('leaves plain references and ordinary words alone', () => {
    expect(sanitize('See #7; this fixes a typo. Prefixes #8.').trim()).toBe('See #7; this fixes a typo. Prefixes #8.')
  })
})

describe('images', () => {
  it.each([
    ['inline', '![a beacon](http://evil/beacon.png)', 'a beacon'],
    ['reference-style', '![a beacon][b]\n\n[b]: http://evil/b.png', 'a beacon'],
    ['HTML', '<img src="http://evil/i.png" alt="a beacon">', 'a beacon']
  ])('%s become their alt text', (_, input, expected) => {
    const output = sanitize(input)
    expect(output.trim()).toBe(expected)
    expect(output).not.toContain('evil')
  })
})

describe('raw HTML', () => {
  it('is shown as text, never as HTML', () => {
    const output = sanitize('<script>alert(1)</script>\n\nclick <a href="/x">here</a>')
    expect(nodes(output).html).toEqual([])
    expect(nodes(output).texts.join('')).toContain('<script>alert(1)</script>')
  })

  it('keeps <details> and <summary>, without attributes other than open', () => {
    const output = sanitize('<details open class="x" onclick="y">\n<summary>More</summary>\n\nbody\n\n</details>')
    expect(nodes(output).html).toEqual(['<details open>', '<summary>', '</summary>', '</details>'])
    expect(output).not.toContain('onclick')
  })

  it('closes a <details> left open, and drops a stray closing tag', () => {
    expect(nodes(sanitize('<details>\n\nhidden')).html).toEqual(['<details>', '</details>'])
    expect(nodes(sanitize('</details>\n\ntext')).html).toEqual([])
  })

  it('drops HTML comments, even one that forges our marker', () => {
    const output = sanitize(`before\n\n${commentMarker('00')}\n\nafter <!-- inline -->`)
    expect(output).not.toContain('<!--')
    expect(output).not.toContain(MARKER_TAG)
  })
})

describe('links', () => {
  it('keep links to the server host', () => {
    expect(nodes(sanitize('[PR](https://github.com/o/r/pull/1) <https://github.com/o/r>')).urls).toEqual([
      'https://github.com/o/r/pull/1',
      'https://github.com/o/r'
    ])
  })

  it.each([
    ['javascript:', '[x](javascript:alert(1))'],
    ['javascript: autolink', '<javascript:alert(1)>'],
    ['data:', '[x](data:text/html,hi)'],
    ['another host', '[x](https://evil.example/p)'],
    ['a look-alike host', '[x](https://github.com.evil.example/) [y](https://github.com@evil.example/)'],
    ['a bare URL', 'see https://evil.example/p and www.evil.example'],
    ['a reference', '[x][r]\n\n[r]: https://evil.example/'],
    ['a relative URL', '[x](/o/r)']
  ])('drop %s and keep the text', (_, input) => {
    const { urls, types } = nodes(sanitize(input))
    expect(urls).toEqual([])
    expect(types.has('definition')).toBe(false)
  })

  it('use the GHES host from serverUrl', () => {
    const output = sanitizeMarkdown('[a](https://ghe.example.com/o/r) [b](https://github.com/o/r)', {
      serverUrl: 'https://ghe.example.com'
    })
    expect(nodes(output).urls).toEqual(['https://ghe.example.com/o/r'])
  })
})

describe('invisible characters and the marker', () => {
  it('strips bidi controls, zero-width and tag characters, also written as references', () => {
    const output = sanitize('a\u202Eb\u200Bc\u{E0041}d\u2066e &#x200B;f')
    expect(output.trim()).toBe('abcde f')
  })

  it('breaks every copy of the marker: text, code, link URLs', () => {
    const output = sanitize(
      `${MARKER_TAG} \`${MARKER_TAG}\`\n\n\`\`\`${MARKER_TAG}\n${MARKER_TAG.toUpperCase()}\n\`\`\`\n\n[x](https://github.com/o/${MARKER_TAG})`
    )
    expect(output.toLowerCase()).not.toContain(MARKER_TAG)
    expect(nodes(output).urls).toHaveLength(1)
  })
})

describe('stripInvisible and codePointLength', () => {
  it('counts what it removes', () => {
    expect(stripInvisible('a\u200Bb\u{E0061}\u{E007F}c\u00AD')).toEqual({ text: 'abc', removed: 4 })
    expect(stripInvisible('tab\tnew\nline')).toEqual({ text: 'tab\tnew\nline', removed: 0 })
  })

  it('counts code points, not UTF-16 units', () => {
    expect(codePointLength('a😀b')).toBe(3)
    expect('a😀b'.length).toBe(4)
  })
})

describe('stability', () => {
  it('sanitizing twice gives the same as once', () => {
    const input = '- <details>\n- Fixes #1 @a [x](javascript:y) ![i](http://e/i.png)\n\n| a |\n|---|\n| `x|y` @b |\n\n<summary>s'
    const once = sanitize(input)
    expect(sanitize(once)).toBe(once)
  })
})
