import { useState } from 'react';
import { embedSnippet, embedUrl } from '../lesson/embed.ts';
import { useLesson } from '../lesson/store-lesson.ts';
import { useLabSession } from '../store-lab.ts';

/** "Copy embed code": the iframe snippet for this step and the current experiment. */
export function LessonEmbedCode() {
  const step = useLesson((s) => s.step);
  const experiment = useLabSession((s) => s.experiment);
  const [shown, setShown] = useState(false);
  const [copied, setCopied] = useState(false);
  const snippet = embedSnippet(embedUrl(location.origin, location.pathname, step, experiment), step);
  const copy = async () => {
    setShown(true);
    try {
      await navigator.clipboard.writeText(snippet);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      // No clipboard permission: the snippet is shown for a manual copy.
    }
  };
  return (
    <div className="lesson-embed-code">
      <button type="button" className="button button-secondary small-button" data-testid="copy-embed" onClick={() => void copy()}>
        {copied ? 'Copied' : 'Copy embed code'}
      </button>
      {shown && (
        <textarea className="input lesson-snippet" readOnly value={snippet} aria-label="Embed code (an iframe for this step)" data-testid="embed-snippet" rows={3} onFocus={(e) => e.target.select()} />
      )}
    </div>
  );
}
