// The share link's codec: round trips, and every kind of bad input fails
// with a ShareUrlError (a message for people), never anything else.
import { deflateSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { Experiment } from '../../models/experiment.ts';
import { decodeExperiment, encodeExperiment, hashHasExperiment, MAX_HASH_LENGTH, ShareUrlError } from '../../app/share-codec.ts';
import { thrown } from '../helpers/thrown.ts';

const experiment: Experiment = {
  version: 1,
  model: 'openai-community/gpt2-xl',
  method: { name: 'c-rome', layer: 17, v_num_grad_steps: 20, context_templates: ['{}', 'The following is true. {}'], template_seed: 3 },
  stats: { texts: 'wikitext2', max_tokens: 20000 },
  mode: 'sequential',
  edits: [
    { prompt: '{} plays the sport of', subject: 'LeBron James', target_new: 'football', target_true: 'basketball' },
    { prompt: 'The capital of {} is', subject: 'Ünïcödé 🦋 "quotes" <b>', target_new: 'Zürich' },
  ],
  eval: { texts: 'me-ppl-50', collapse_factor: 10 },
};

const packed = (json: string) => `exp=${Buffer.from(deflateSync(strToU8(json))).toString('base64url')}`;

function failure(hash: string): string {
  return thrown(() => decodeExperiment(hash), ShareUrlError).message;
}

describe('share codec', () => {
  it('round-trips an experiment, with or without the leading #', () => {
    const hash = encodeExperiment(experiment);
    expect(hashHasExperiment(hash)).toBe(true);
    expect(hash).toMatch(/^exp=[A-Za-z0-9_-]+$/);
    expect(decodeExperiment(hash)).toEqual(experiment);
    expect(decodeExperiment(`#${hash}`)).toEqual(experiment);
  });

  it('keeps a long sequence well under the hash limit', () => {
    const many = { ...experiment, edits: Array.from({ length: 300 }, (_, i) => ({ prompt: '{} was born in', subject: `Person ${i}`, target_new: `City ${i}` })) };
    const hash = encodeExperiment(many);
    expect(hash.length).toBeLessThan(MAX_HASH_LENGTH);
    expect(decodeExperiment(hash).edits).toHaveLength(300);
  });

  it('drops unknown fields (only the schema survives)', () => {
    const exp = decodeExperiment(packed(JSON.stringify({ ...experiment, __proto__x: 1, evil: '<script>' })));
    expect(exp).toEqual(experiment);
  });

  it('refuses corrupt, truncated, oversized and invalid links with a clear message', () => {
    expect(failure('exp=')).toMatch(/empty/);
    expect(failure('exp=not*base64!')).toMatch(/corrupt/);
    expect(failure('exp=A')).toMatch(/corrupt/);
    expect(failure('exp=AAAAAAAA')).toMatch(/corrupt|cut short/);
    expect(failure(encodeExperiment(experiment).slice(0, 60))).toMatch(/cut short|corrupt/);
    expect(failure(`exp=${'A'.repeat(MAX_HASH_LENGTH)}`)).toMatch(/too long/);
    expect(failure(packed('{"version": 1,'))).toMatch(/not valid JSON/);
    expect(failure(`exp=${Buffer.from(deflateSync(new Uint8Array([0xff, 0xfe, 0x00]))).toString('base64url')}`)).toMatch(/not valid text|JSON/);
    expect(failure(packed('[1,2,3]'))).toMatch(/invalid/);
    expect(failure(packed(JSON.stringify({ ...experiment, version: 2 })))).toMatch(/version must be 1/);
    expect(failure(packed(JSON.stringify({ ...experiment, edits: [{ prompt: 'no subject slot', subject: 'a', target_new: 'b' }] })))).toMatch(/exactly one/);
    expect(failure('something=else')).toMatch(/does not hold/);
  });

  it('stops a deflate bomb at the size limit instead of unpacking it', () => {
    const bomb = `exp=${Buffer.from(deflateSync(new Uint8Array(40_000_000).fill(32))).toString('base64url')}`;
    expect(bomb.length).toBeLessThan(MAX_HASH_LENGTH);
    const t0 = performance.now();
    expect(failure(bomb)).toMatch(/too large/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('bounds what a valid-looking experiment may hold', () => {
    const huge = { ...experiment, edits: Array.from({ length: 1001 }, () => experiment.edits[0]) };
    expect(failure(packed(JSON.stringify(huge)))).toMatch(/more than 1000/);
  });
});
