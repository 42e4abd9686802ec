// Work counters split by stage (a debug aid: `lab run --counters`): whatever
// the engine did between one stage's start and the next one's is booked to
// the earlier stage. Stages may recur (edit, evaluate, edit, ...): they add up.
import { counterDelta, zeroCounters, type GpuCounters } from './context.ts';

export class StageCounters {
  private readonly totals = new Map<string, GpuCounters>();
  private current: { stage: string; at: GpuCounters } | null = null;

  /** `snapshot` reads the cumulative counters (GpuContext.snapshotCounters after countWork()). */
  constructor(private readonly snapshot: () => GpuCounters) {}

  /** The engine is now in `stage` (a no-op while it stays there). */
  enter(stage: string): void {
    if (this.current?.stage === stage) return;
    this.close();
    this.current = { stage, at: this.snapshot() };
  }

  /** Totals per stage, in order of first appearance (closing the current stage). */
  finish(): Record<string, GpuCounters> {
    this.close();
    return Object.fromEntries(this.totals);
  }

  private close(): void {
    if (!this.current) return;
    const d = counterDelta(this.current.at, this.snapshot());
    const t = this.totals.get(this.current.stage) ?? zeroCounters();
    for (const k of Object.keys(t) as (keyof GpuCounters)[]) t[k] += d[k];
    this.totals.set(this.current.stage, t);
    this.current = null;
  }
}
