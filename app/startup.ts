// What the lab opens with: the experiment in the URL's hash (a shared link,
// or this tab's own session before a reload), else an offer to restore the
// session saved in local storage, else the default model, loaded at once.
// Runs once, when the GPU is ready.
import { DEMO_LOCATION } from './model-location.ts';
import { decodeShare, hashHasExperiment, ShareUrlError } from './share-codec.ts';
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
      const { experiment, comparisons } = decodeShare(hash);
      void session.openExperiment(experiment, 'link', comparisons);
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
  else void session.loadModel(DEMO_LOCATION);
}
