import { LazyCollapseChart as CollapseChart } from './LazyCollapseChart.tsx';
import { OpenResults } from './OpenResults.tsx';

/** Without WebGPU nothing is edited here, but results computed elsewhere still plot: they need no model. */
export function OpenResultsWithoutGpu() {
  return (
    <section className="results-only" data-testid="results-only" aria-label="Results computed elsewhere">
      <p className="muted">Without WebGPU the lab cannot edit a model in this browser, but it can still plot results computed elsewhere (EasyEdit on a GPU node, <code>lab sweep</code>).</p>
      <CollapseChart />
      <OpenResults />
    </section>
  );
}
