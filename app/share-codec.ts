// The Experiment in the URL hash: "#exp=" + base64url(deflate-raw(JSON)).
// The hash is anyone's text, so decoding bounds every size before doing any
// work (hash length, then decompressed bytes, counted while inflating so a
// deflate bomb stops at the limit), then parses with parseExperiment, which
// checks every field. Any failure is a ShareUrlError with a message for people.
import { deflateSync, Inflate, strToU8 } from 'fflate';
import { ExperimentError, parseExperiment, type Experiment } from '../models/experiment.ts';

export const HASH_KEY = 'exp';
/** Longest hash accepted (characters after '#'). */
export const MAX_HASH_LENGTH = 64 * 1024;
/** Largest decompressed experiment (bytes of JSON). */
export const MAX_JSON_BYTES = 1024 * 1024;

export class ShareUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShareUrlError';
  }
}

/** `extra`: more top-level fields beside the experiment's (e.g. imported curves, app/shared-curves.ts). */
export function encodeExperiment(exp: Experiment, extra: Record<string, unknown> = {}): string {
  return `${HASH_KEY}=${toBase64Url(deflateSync(strToU8(JSON.stringify({ ...extra, ...exp })), { level: 9 }))}`;
}

/** The hash (with or without '#') holds an experiment at all? Other hashes are left alone. */
export function hashHasExperiment(hash: string): boolean {
  return hash.replace(/^#/, '').startsWith(`${HASH_KEY}=`);
}

export function decodeExperiment(hash: string): Experiment {
  return decodeSharePayload(hash).experiment;
}

/** The experiment, and the link's JSON as sent (for fields beside the experiment, checked by their readers). */
export function decodeSharePayload(hash: string): { experiment: Experiment; raw: Record<string, unknown> } {
  const h = hash.replace(/^#/, '');
  if (h.length > MAX_HASH_LENGTH) throw new ShareUrlError(`The shared link is too long (${h.length.toLocaleString('en-US')} characters; at most ${MAX_HASH_LENGTH.toLocaleString('en-US')}).`);
  if (!hashHasExperiment(h)) throw new ShareUrlError('The link does not hold an experiment.');
  const payload = h.slice(HASH_KEY.length + 1);
  if (!payload) throw new ShareUrlError('The shared link is empty: it holds no experiment.');
  const bytes = fromBase64Url(payload);
  const json = inflateBounded(bytes, MAX_JSON_BYTES);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(json);
  } catch {
    throw new ShareUrlError('The shared link is corrupt: its experiment is not valid text.');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ShareUrlError('The shared link is corrupt: its experiment is not valid JSON.');
  }
  try {
    return { experiment: parseExperiment(value), raw: value as Record<string, unknown> };
  } catch (e) {
    if (e instanceof ExperimentError) throw new ShareUrlError(`The shared experiment is invalid: ${e.message.replace(/^experiment: /, '')}.`);
    throw e;
  }
}

function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function fromBase64Url(s: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]+$/.test(s) || s.length % 4 === 1) throw new ShareUrlError('The shared link is corrupt: it is not in the expected encoding.');
  const b64 = s.replaceAll('-', '+').replaceAll('_', '/') + '='.repeat((4 - (s.length % 4)) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Inflate raw deflate, refusing output past `limit` bytes and truncated or trailing-garbage input. */
function inflateBounded(bytes: Uint8Array, limit: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let done = false;
  const inflater = new Inflate((chunk, final) => {
    total += chunk.length;
    if (total > limit) throw new ShareUrlError(`The shared experiment is too large (more than ${(limit / 1024).toFixed(0)} KiB once unpacked).`);
    chunks.push(chunk);
    if (final) done = true;
  });
  try {
    // Pushed in slices so the limit is checked as output grows, not after.
    const step = 1024;
    for (let i = 0; i < bytes.length; i += step) inflater.push(bytes.subarray(i, i + step), i + step >= bytes.length);
  } catch (e) {
    if (e instanceof ShareUrlError) throw e;
    throw new ShareUrlError('The shared link is corrupt: its data could not be unpacked.');
  }
  if (!done) throw new ShareUrlError('The shared link is cut short: its data ends early.');
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
