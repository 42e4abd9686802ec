// What the lab opens with: the experiment in the URL's hash (a shared link,
// or this tab's own session before a reload), else an offer to restore the
// session saved in local storage, else the demo model, loaded at once.
// Runs once, when the GPU is ready.
import { runsInBrowser } from './browser-models.ts';
import { splitHash } from './lesson/hash-params.ts';
import { DEMO_LOCATION, resolveModelId } from './model-location.ts';
import { decodeShare, ShareUrlError } from './share-codec.ts';
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
      // One payload: the experiment, its frozen comparison curves (checked, or the link is refused), imported curves (bounded).
      const { experiment, comparisons, raw } = decodeShare(parts.exp);
      const imported = useImportedResults.getState();
      imported.addShared(readSharedCurves(raw));
      // Any causal LM may be named (for export to EasyEdit); only GPT-2 runs here: say so, keep the experiment.
      if (resolveModelId(experiment.model).kind === 'confirm' && !runsInBrowser(experiment.model)) imported.setForeign(experiment);
      else void session.openExperiment(experiment, 'link', comparisons);
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
  else void session.loadModel(DEMO_LOCATION);
}
