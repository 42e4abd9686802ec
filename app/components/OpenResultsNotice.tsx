import { notInBrowserMessage } from '../browser-models.ts';
import { downloadText } from '../download.ts';
import { useImportedResults } from '../store-imported.ts';

/** An opened experiment names a model the browser cannot run: say so plainly, and keep the experiment (download it to export). */
export function OpenResultsNotice() {
  const foreign = useImportedResults((s) => s.foreign);
  const setForeign = useImportedResults((s) => s.setForeign);
  if (!foreign) return null;
  return (
    <div className="notice notice-info" role="status" data-testid="not-in-browser">
      <p>
        <strong>{notInBrowserMessage(foreign.model)}</strong>
      </p>
      <div className="row">
        <button type="button" className="button small-button" data-testid="download-foreign-experiment" onClick={() => downloadText(JSON.stringify(foreign, null, 2) + '\n', 'experiment.json', 'application/json')}>
          Download experiment JSON
        </button>
        <button type="button" className="button button-secondary small-button" onClick={() => setForeign(null)}>
          Dismiss
        </button>
      </div>
    </div>
  );
}
