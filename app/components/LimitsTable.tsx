import { formatLimit } from '../format.ts';

/** Why the lab cares about a limit; the rest are listed without a note. */
const WHY: Record<string, string> = {
  maxStorageBufferBindingSize: 'largest tensor one kernel can read (bigger ones are split)',
  maxBufferSize: 'largest single GPU allocation',
  maxComputeWorkgroupStorageSize: 'shared memory for matmul tiles',
  maxComputeInvocationsPerWorkgroup: 'threads per workgroup',
  maxComputeWorkgroupsPerDimension: 'grid size before dispatches are folded',
  maxStorageBuffersPerShaderStage: 'tensors one kernel can bind',
};

export function LimitsTable({ limits }: { limits: Record<string, number> }) {
  const names = Object.keys(limits);
  return (
    <div className="card" data-testid="limits-table">
      <h3>Device limits</h3>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Limit</th>
            <th scope="col" className="num">
              Value
            </th>
            <th scope="col">Why it matters here</th>
          </tr>
        </thead>
        <tbody>
          {names.map((name) => (
            <tr key={name} data-testid={`limit-${name}`}>
              <th scope="row">
                <code>{name}</code>
              </th>
              <td className="num">{formatLimit(name, limits[name] ?? 0)}</td>
              <td className="muted">{WHY[name] ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
