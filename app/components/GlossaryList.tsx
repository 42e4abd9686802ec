import { GLOSSARY, GLOSSARY_ORDER } from '../lesson/glossary.ts';

/** Every glossary entry, folded away until asked for. */
export function GlossaryList() {
  return (
    <details className="glossary" data-testid="glossary">
      <summary>Glossary</summary>
      <dl>
        {GLOSSARY_ORDER.map((id) => (
          <div key={id} className="glossary-entry">
            <dt>{GLOSSARY[id]!.term}</dt>
            <dd>{GLOSSARY[id]!.text}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}
