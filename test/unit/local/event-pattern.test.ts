import { describe, expect, it } from 'vitest';
import { matchesPattern } from '#local/event-pattern';

const hot = {
  source: 'leadloop.leads',
  'detail-type': 'Lead Temperature Changed',
  detail: { to: 'hot', from: 'warm', tags: ['a', 'b'] },
};

describe('local EventBridge pattern matching', () => {
  it('given exact values, when every key matches, then the event matches', () => {
    expect(matchesPattern({ source: ['leadloop.leads'], detail: { to: ['hot'] } }, hot)).toBe(true);
  });

  it('given a value list, when the event value is not in it, then the event does not match', () => {
    expect(matchesPattern({ detail: { to: ['warm', 'cold'] } }, hot)).toBe(false);
  });

  it('given a key the event lacks, when matching, then it fails unless exists:false', () => {
    expect(matchesPattern({ detail: { owner: ['x'] } }, hot)).toBe(false);
    expect(matchesPattern({ detail: { owner: [{ exists: false }] } }, hot)).toBe(true);
    expect(matchesPattern({ detail: { to: [{ exists: true }] } }, hot)).toBe(true);
  });

  it('given prefix and anything-but, when matching, then they behave as in EventBridge', () => {
    expect(matchesPattern({ 'detail-type': [{ prefix: 'Lead ' }] }, hot)).toBe(true);
    expect(matchesPattern({ detail: { to: [{ 'anything-but': ['hot'] }] } }, hot)).toBe(false);
    expect(matchesPattern({ detail: { to: [{ 'anything-but': 'cold' }] } }, hot)).toBe(true);
  });

  it('given an array in the event, when any element matches, then the event matches', () => {
    expect(matchesPattern({ detail: { tags: ['b'] } }, hot)).toBe(true);
    expect(matchesPattern({ detail: { tags: ['c'] } }, hot)).toBe(false);
  });
});
