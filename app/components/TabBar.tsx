export type TabId = 'lab' | 'diagnostics';

const TABS: Array<{ id: TabId; label: string }> = [
  { id: 'lab', label: 'Lab' },
  { id: 'diagnostics', label: 'GPU diagnostics' },
];

export function TabBar({ tab, onChange }: { tab: TabId; onChange: (t: TabId) => void }) {
  return (
    <nav className="tabs" role="tablist" aria-label="Views">
      {TABS.map((t) => (
        <button
          key={t.id}
          type="button"
          role="tab"
          aria-selected={tab === t.id}
          className={`tab ${tab === t.id ? 'tab-active' : ''}`}
          data-testid={`tab-${t.id}`}
          onClick={() => onChange(t.id)}
        >
          {t.label}
        </button>
      ))}
    </nav>
  );
}
