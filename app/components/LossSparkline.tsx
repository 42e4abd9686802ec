import { Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { OKABE_ITO } from '../chart-style.ts';
import { formatNumber } from '../format.ts';

/** The v* optimisation's loss per step, small. */
export function LossSparkline({ losses }: { losses: number[] }) {
  const data = losses.map((loss, step) => ({ step: step + 1, loss: Number.isFinite(loss) ? loss : null }));
  if (!data.length) return <span className="muted">—</span>;
  return (
    <LineChart width={260} height={90} data={data} margin={{ top: 6, right: 8, bottom: 0, left: 0 }} data-testid="v-loss-chart">
      <XAxis dataKey="step" tick={{ fontSize: 10 }} height={16} />
      <YAxis tick={{ fontSize: 10 }} width={40} tickFormatter={(v: number) => formatNumber(v, 2)} />
      <Tooltip formatter={(v) => (typeof v === 'number' ? formatNumber(v) : String(v))} labelFormatter={(l) => `step ${String(l)}`} />
      <Line type="monotone" dataKey="loss" stroke={OKABE_ITO.blue} dot={false} isAnimationActive={false} />
    </LineChart>
  );
}
