import { describe, expect, it } from '@jest/globals'
import { commentMarker, descriptionStart, DESCRIPTION_END, parseCommentMarker, parseDescriptionMarker } from '../src/marker.js'

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
})
