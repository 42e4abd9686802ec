import { useState, type DragEvent } from 'react';
import { pickModelFiles } from '../local-files.ts';

/** Both a folder picker and a files picker, plus a drop zone; only config.json and *.safetensors are kept. */
export function LocalModelPicker({ files, onFiles }: { files: File[] | null; onFiles: (f: File[] | null) => void }) {
  const [dragging, setDragging] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const accept = (list: FileList | File[] | null) => {
    const picked = pickModelFiles(list ?? []);
    if ('problem' in picked) {
      setProblem(picked.problem);
      onFiles(null);
    } else {
      setProblem(null);
      onFiles(picked.files);
    }
  };

  const onDrop = (ev: DragEvent) => {
    ev.preventDefault();
    setDragging(false);
    accept(ev.dataTransfer.files);
  };

  return (
    <div className="local-picker">
      <div
        className={`dropzone ${dragging ? 'dropzone-active' : ''}`}
        data-testid="model-dropzone"
        onDragOver={(ev) => {
          ev.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        Drop config.json and model.safetensors here
      </div>
      <div className="row">
        <label className="button button-secondary small-button">
          Pick a folder…
          {/* webkitdirectory is not in React's typings; set it as a plain attribute. */}
          <input type="file" hidden multiple {...{ webkitdirectory: '' }} onChange={(ev) => accept(ev.target.files)} data-testid="model-folder-input" />
        </label>
        <label className="button button-secondary small-button">
          Pick files…
          <input type="file" hidden multiple accept=".json,.safetensors" onChange={(ev) => accept(ev.target.files)} data-testid="model-files-input" />
        </label>
      </div>
      {problem && <p className="field-error">{problem}</p>}
      {files && (
        <p className="muted small" data-testid="picked-files">
          Picked: {files.map((f) => f.name).join(' + ')}
        </p>
      )}
    </div>
  );
}
