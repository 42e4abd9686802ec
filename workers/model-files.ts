// Where the worker reads a model from, for each ModelLocation the page can
// send, and the name the model gets in experiments: a name the CLI resolves
// to the same files (see app/model-location.ts for the way back).
import { blobModelFiles, hubModelFiles, urlModelFiles, type ModelFiles } from '../models/gpt2/load.ts';
import type { ModelLocation } from '../models/lab-types.ts';
import { assetUrl, hubRangeCache } from './browser-lab-env.ts';

export async function modelFilesFor(location: ModelLocation): Promise<ModelFiles> {
  switch (location.kind) {
    case 'hub':
      return hubModelFiles(location.id, { base: location.base, cache: await hubRangeCache() });
    case 'url': {
      // An app-relative folder is a folder of the repository's public/ (the
      // bundled demo): named by that path, which the CLI can open as it is.
      const relative = !/^[a-z][a-z0-9+.-]*:/i.test(location.url);
      const files = urlModelFiles(relative ? assetUrl(location.url) : location.url);
      return { ...files, name: relative ? `public/${location.url.replace(/^\/+|\/+$/g, '')}` : location.url };
    }
    case 'files': {
      const files = blobModelFiles(location.files);
      // Picked folders carry their relative path: "./<folder>" is how the CLI would reach it.
      const folder = location.files[0]?.webkitRelativePath.split('/')[0];
      return { ...files, name: folder ? `./${folder}` : `./${files.name}` };
    }
  }
}
