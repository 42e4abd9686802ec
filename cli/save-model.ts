// Write a serialised model into a folder without ever leaving half a model:
// both files go to temporary names first, then are renamed into place.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SavedModel } from '../models/gpt2/save.ts';

export async function writeModelDir(dir: string, model: SavedModel): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tmp = `.tmp-${process.pid}-${Date.now()}`;
  const files: Array<[string, string | Uint8Array]> = [
    ['model.safetensors', model.safetensors],
    ['config.json', model.configJson],
  ];
  try {
    for (const [name, data] of files) await writeFile(join(dir, name + tmp), data);
    for (const [name] of files) await rename(join(dir, name + tmp), join(dir, name));
  } catch (e) {
    await Promise.all(files.map(([name]) => rm(join(dir, name + tmp), { force: true })));
    throw e;
  }
}
