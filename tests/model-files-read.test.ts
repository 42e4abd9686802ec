// ModelFiles.readFile: the other files of a model's folder (MEND's editor)
// from disk, over HTTP (a served folder, the hub) and from picked files; a
// missing file is null, a name that would leave the folder is refused.
import { describe, expect, it } from 'vitest';
import { pickModelFiles } from '../app/local-files.ts';
import { blobModelFiles, hubModelFiles, urlModelFiles } from '../models/gpt2/load.ts';
import { dirModelFiles } from '../models/gpt2/load-node.ts';

/** A fetch serving `files` by URL, 404 for anything else; records what was asked. */
function fakeFetch(files: Record<string, string>) {
  const asked: string[] = [];
  const fn = (async (input: RequestInfo | URL) => {
    const url = String(input);
    asked.push(url);
    return url in files ? new Response(files[url]) : new Response('not found', { status: 404 });
  }) as typeof fetch;
  return { fn, asked };
}

describe('ModelFiles.readFile', () => {
  it('reads a file beside the model on disk, null when absent, and refuses paths', async () => {
    const files = dirModelFiles('tests/fixtures/mend-tiny');
    const bytes = await files.readFile!('mend_editor.json');
    expect(JSON.parse(new TextDecoder().decode(bytes!)).format).toBe('mend-editor');
    expect(await files.readFile!('no-such-file.json')).toBeNull();
    await expect(files.readFile!('../mend-tiny/mend_editor.json')).rejects.toThrow(/not a plain file name/);
  });

  it('reads it from a served folder and from the hub; 404 is null, other errors are errors', async () => {
    const { fn, asked } = fakeFetch({ 'http://x.test/models/demo/mend_editor.json': '{"a":1}', 'http://hub.test/org/m/resolve/main/mend_editor.json': '{"b":2}' });
    const url = urlModelFiles('http://x.test/models/demo', { fetch: fn });
    expect(new TextDecoder().decode((await url.readFile!('mend_editor.json'))!)).toBe('{"a":1}');
    expect(await url.readFile!('mend_editor.safetensors')).toBeNull();
    await expect(url.readFile!('../../etc/passwd')).rejects.toThrow(/not a plain file name/);
    const hub = hubModelFiles('org/m', { base: 'http://hub.test', fetch: fn });
    expect(new TextDecoder().decode((await hub.readFile!('mend_editor.json'))!)).toBe('{"b":2}');
    expect(asked).toContain('http://hub.test/org/m/resolve/main/mend_editor.json');
    const failing = urlModelFiles('http://x.test/m', { fetch: (async () => new Response('', { status: 500 })) as typeof fetch });
    await expect(failing.readFile!('mend_editor.json')).rejects.toThrow(/HTTP 500/);
  });

  it('keeps an editor among picked files, and never takes it for the model weights', async () => {
    const f = (name: string, text = name) => new File([text], name);
    const picked = pickModelFiles([f('mend_editor.safetensors'), f('config.json'), f('mend_editor.json', '{"c":3}'), f('model.safetensors'), f('notes.txt')]);
    if ('problem' in picked) throw new Error(picked.problem);
    expect(picked.files.map((x) => x.name)).toEqual(['config.json', 'model.safetensors', 'mend_editor.safetensors', 'mend_editor.json']);
    const files = blobModelFiles(picked.files);
    expect(files.name).toBe('model.safetensors');
    expect(new TextDecoder().decode((await files.readFile!('mend_editor.json'))!)).toBe('{"c":3}');
    expect(await files.readFile!('notes.txt')).toBeNull();
  });
});
