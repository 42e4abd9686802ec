import { lazy, Suspense, type ComponentProps } from 'react';

// The chart and recharts load as their own chunk (the first paint does not wait for them).
const CollapseChart = lazy(() => import('./CollapseChart.tsx').then((m) => ({ default: m.CollapseChart })));

export function LazyCollapseChart(props: ComponentProps<typeof CollapseChart>) {
  return (
    <Suspense fallback={<p className="muted">Loading the chart…</p>}>
      <CollapseChart {...props} />
    </Suspense>
  );
}
