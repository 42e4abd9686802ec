import { useId, useState } from 'react';
import { GLOSSARY, splitTerms } from '../lesson/glossary.ts';

/** A term with its glossary entry on hover, focus or tap (Escape closes it). */
export function GlossaryTerm({ id, children }: { id: string; children: string }) {
  const entry = GLOSSARY[id];
  const tipId = useId();
  const [open, setOpen] = useState(false);
  if (!entry) return <>{children}</>;
  return (
    <span className="term-wrap" onMouseEnter={() => setOpen(true)} onMouseLeave={() => setOpen(false)}>
      <button
        type="button"
        className="term"
        aria-expanded={open}
        aria-describedby={tipId}
        data-testid={`term-${id}`}
        onClick={() => setOpen(!open)}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') setOpen(false);
        }}
      >
        {children}
      </button>
      <span role="tooltip" id={tipId} className="term-tip" hidden={!open} data-testid={`term-tip-${id}`}>
        <strong>{entry.term}.</strong> {entry.text}
      </span>
    </span>
  );
}

/** Text with "[label](id)" glossary links. */
export function GlossaryText({ text }: { text: string }) {
  return <>{splitToNodes(text)}</>;
}

function splitToNodes(text: string) {
  return splitTerms(text).map((p, i) =>
    typeof p === 'string' ? (
      <span key={i}>{p}</span>
    ) : (
      <GlossaryTerm key={i} id={p.id}>
        {p.label}
      </GlossaryTerm>
    ),
  );
}
