// A model folder on disk (Node: the CLI and tests).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SourceError } from '../io/byte-source.ts';
import { NodeFileSource } from '../io/byte-source-node.ts';
import { checkSiblingName, type ModelFiles } from './load.ts';

export function dirModelFiles(dir: string, weightsFile = 'model.safetensors'): ModelFiles {
  return {
    name: dir,
    readConfig: async () => {
      try {
        return await readFile(join(dir, 'config.json'), 'utf8');
      } catch {
        throw new SourceError(`${dir}: no config.json there`);
      }
    },
    weights: new NodeFileSource(join(dir, weightsFile)),
    readFile: async (name) => {
      try {
        return new Uint8Array(await readFile(join(dir, checkSiblingName(name))));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw new SourceError(`${dir}/${name}: ${(e as Error).message}`);
      }
    },
  };
}
