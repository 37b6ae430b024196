import { describe, expect, it } from '@jest/globals'
import {
  commentMarker,
  descriptionStart,
  DESCRIPTION_END,
  descriptionSectionText,
  findDescriptionSection,
  parseCommentMarker,
  parseDescriptionMarker,
  withoutDescriptionSection
} from '../src/marker.js'

describe('markers', () => {
  it('round-trips the fingerprint of a comment marker at the start of a body', () => {
    expect(parseCommentMarker(`${commentMarker('ab12')}\nbody`)).toEqual({ fingerprint: 'ab12' })
  })
  it('ignores a marker that is not at the start (quoted or forged inside text)', () => {
    expect(parseCommentMarker(`> ${commentMarker('ab12')}`)).toBeUndefined()
    expect(parseCommentMarker(null)).toBeUndefined()
  })
  it('finds a description section only when both ends are present', () => {
    const body = `human\n${descriptionStart('ff')}\nours\n${DESCRIPTION_END}\nmore human`
    expect(parseDescriptionMarker(body)).toEqual({ fingerprint: 'ff' })
    expect(parseDescriptionMarker(`human\n${descriptionStart('ff')}\nours`)).toBeUndefined()
  })

  it("gives back the author's text without our section, above and below kept as written", () => {
    const section = `${descriptionStart('ab')}\n## Summary\nours\n${DESCRIPTION_END}`
    expect(withoutDescriptionSection(`Human intro.\r\n\r\n${section}\r\nHuman outro.`)).toBe('Human intro.\r\nHuman outro.')
    expect(withoutDescriptionSection(`Human intro.\n\n${section}`)).toBe('Human intro.')
    expect(withoutDescriptionSection('No section here.')).toBe('No section here.')
    expect(findDescriptionSection(`x${section}y`)).toEqual({ start: 1, end: 1 + section.length, fingerprint: 'ab' })
  })

  it('reads back the markdown inside our section', () => {
    const body = `Intro\r\n\r\n${descriptionStart('ab')}\n## Summary\nours\n${DESCRIPTION_END}\nOutro`
    expect(descriptionSectionText(body)).toBe('## Summary\nours')
    expect(descriptionSectionText('no section')).toBeUndefined()
  })
})
