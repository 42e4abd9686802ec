import { useLabSession } from '../store-lab.ts';

export function NoticeBanner() {
  const notice = useLabSession((s) => s.notice);
  const rebuilding = useLabSession((s) => s.rebuilding);
  const dismiss = useLabSession((s) => s.dismissNotice);
  if (!notice) return null;
  return (
    <div className="notice notice-info" role="status" data-testid="lab-notice" data-rebuilding={String(rebuilding)}>
      <div className="notice-row">
        <span>{notice}</span>
        {!rebuilding && (
          <button type="button" className="link-button" onClick={dismiss}>
            Dismiss
          </button>
        )}
      </div>
    </div>
  );
}
