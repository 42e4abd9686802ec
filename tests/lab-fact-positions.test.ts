// A fact the loaded model has too few positions for (the longest context
// template + prompt + target) is refused before anything runs, with a message
// a person can act on; the engine's own length error is a request error too.
import { beforeAll, describe, expect, it } from 'vitest';
import { nodeLabEnv } from '../cli/node-env.ts';
import { nodeGpuContext } from '../models/gpu/node-gpu.ts';
import { dirModelFiles } from '../models/gpt2/load-node.ts';
import { SequenceLengthError } from '../models/gpt2/model.ts';
import { Lab } from '../models/lab.ts';
import { toLabErrorInfo } from '../workers/errors.ts';

const env = nodeLabEnv({ statsStore: null });
const short = { prompt: '{} plays the sport of', subject: 'LeBron James', target_new: 'football' };
// Under the form's 500 characters, yet far more than the demo model's 128 positions.
const long = { ...short, prompt: `{} ${'a, '.repeat(150)}plays` };
let lab: Lab;

beforeAll(async () => {
  lab = new Lab(await nodeGpuContext(), env);
  await lab.loadModel(dirModelFiles('public/models/tiny-gpt2'));
  await lab.configure({
    method: { name: 'rome', v_num_grad_steps: 1, context_templates: ['{}', 'The following is true. {}'] },
    mode: 'sequential',
    stats: { texts: 'wikitext2', max_tokens: 200 },
    eval: { texts: ['A short text to score.'] },
  });
});

describe('fact positions', () => {
  it('counts the longest rewriting prompt: template + prompt + target', async () => {
    const tok = await env.tokenizer();
    const fit = lab.factPositions(short);
    const longest = tok.encode('The following is true. LeBron James plays the sport of').length + tok.encode(' football').length - 1;
    expect(fit).toEqual({ needed: Math.max(longest, tok.encode('LeBron James plays the sport of').length + 8), available: 128, templatesKnown: true });
  });

  it('refuses a too-long fact in the preview and the edit, as a request error, changing nothing', async () => {
    expect(long.prompt.length).toBeLessThan(500);
    expect(lab.factPositions(long).needed).toBeGreaterThan(128);
    const preview = lab.previewFact(long);
    await expect(preview).rejects.toMatchObject({ name: 'LabError', message: expect.stringMatching(/needs \d+ token positions .* the model has 128/) });
    const edit = lab.applyEdit(long);
    await expect(edit).rejects.toMatchObject({ name: 'LabError' });
    expect(toLabErrorInfo(await edit.catch((e: unknown) => e)).kind).toBe('invalid-request');
    expect(lab.stepList).toHaveLength(0);
  });

  it('reports the engine’s own sequence-length error as a plain request error', () => {
    const info = toLabErrorInfo(new SequenceLengthError("a sequence of 300 tokens exceeds the model's 128 positions"));
    expect(info.kind).toBe('invalid-request');
    expect(info.hint).not.toMatch(/unexpected/);
  });
});
