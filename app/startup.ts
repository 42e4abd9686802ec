// What the lab opens with: the experiment in the URL's hash (a shared link,
// or this tab's own session before a reload), else an offer to restore the
// session saved in local storage. Runs once, when the GPU is ready.
import { runsInBrowser } from './browser-models.ts';
import { splitHash } from './lesson/hash-params.ts';
import { resolveModelId } from './model-location.ts';
import { decodeSharePayload, ShareUrlError } from './share-codec.ts';
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
  // The lesson's keys (lesson, step, present, preset) may ride beside the experiment.
  const parts = splitHash(hash);
  if (parts.exp && !parts.unknown) {
    try {
      const { experiment, raw } = decodeSharePayload(parts.exp);
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
  if (parts.unknown) {
    session.setLinkError('The link’s address ends in something that is not a Butterfly Lab experiment; the lab starts empty.');
    clearShareHash();
    return;
  }
  if (Object.keys(parts.lesson).length) return; // a lesson or preset link: the lesson opens it
  const saved = loadSession();
  if (saved && saved.edits.length) void session.openExperiment(saved, 'session');
}
