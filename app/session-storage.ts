// The last experiment in local storage, so a session survives a reload even
// when the URL lost its hash. Read back through parseExperiment: local storage
// is as untrusted as a URL (another tab, an older version, a hand edit).
import { parseExperiment, type Experiment } from '../models/experiment.ts';

const KEY = 'butterfly-lab:experiment';
const MAX_LENGTH = 2 * 1024 * 1024;

export function saveSession(exp: Experiment | null): void {
  try {
    if (!exp) localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, JSON.stringify(exp));
  } catch {
    // Storage full or forbidden (private mode): the URL still holds the experiment.
  }
}

export function loadSession(): Experiment | null {
  try {
    const text = localStorage.getItem(KEY);
    if (!text || text.length > MAX_LENGTH) return null;
    return parseExperiment(JSON.parse(text));
  } catch {
    return null;
  }
}
