// What the lab opens with: the experiment in the URL's hash (a shared link,
// or this tab's own session before a reload), else an offer to restore the
// session saved in local storage. Runs once, when the GPU is ready.
import { runsInBrowser } from './browser-models.ts';
import { resolveModelId } from './model-location.ts';
import { decodeSharePayload, hashHasExperiment, ShareUrlError } from './share-codec.ts';
import { readSharedCurves } from './shared-curves.ts';
import { useImportedResults } from './store-imported.ts';
import { clearShareHash } from './share-hash.ts';
import { loadSession } from './session-storage.ts';
import { useLabSession } from './store-lab.ts';

let done = false;

export function openStartupExperiment(): void {
  if (done) return;
  done = true;
  const session = useLabSession.getState();
  const hash = location.hash;
  if (hash.length > 1 && hashHasExperiment(hash)) {
    try {
      const { experiment, raw } = decodeSharePayload(hash);
      const imported = useImportedResults.getState();
      imported.addShared(readSharedCurves(raw));
      // Any causal LM may be named (for export to EasyEdit); only GPT-2 runs here: say so, keep the experiment.
      if (resolveModelId(experiment.model).kind === 'confirm' && !runsInBrowser(experiment.model)) imported.setForeign(experiment);
      else void session.openExperiment(experiment, 'link');
    } catch (e) {
      // An empty lab and a clear message; the bad hash goes, so a reload starts clean.
      session.setLinkError(e instanceof ShareUrlError ? e.message : 'The shared link could not be read.');
      clearShareHash();
    }
    return;
  }
  if (hash.length > 1) {
    session.setLinkError('The link’s address ends in something that is not a Butterfly Lab experiment; the lab starts empty.');
    clearShareHash();
    return;
  }
  const saved = loadSession();
  if (saved && saved.edits.length) void session.openExperiment(saved, 'session');
}
