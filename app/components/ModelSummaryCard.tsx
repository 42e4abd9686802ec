import type { ModelSummary } from '../../models/lab-types.ts';
import { formatBytes } from '../format.ts';

export function ModelSummaryCard({ model }: { model: ModelSummary }) {
  const rows: Array<[string, string]> = [
    ['Name', model.name],
    ['Shape', `${model.nLayer} layers · d ${model.nEmbd} · ${model.nHead} heads`],
    ['Parameters', `${(model.parameterCount / 1e6).toFixed(1)} M (${model.dtype})`],
    ['GPU weights', formatBytes(model.bytes)],
    ['ROME layer', `${model.defaultLayer} (default for this size)`],
  ];
  return (
    <dl className="facts model-summary" data-testid="model-summary" data-name={model.name}>
      {rows.map(([k, v]) => (
        <div className="fact" key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
