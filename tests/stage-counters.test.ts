import { describe, expect, it } from 'vitest';
import { zeroCounters, type GpuCounters } from '../models/gpu/context.ts';
import { StageCounters } from '../models/gpu/stage-counters.ts';

describe('StageCounters', () => {
  it('books the work between stage changes to the stage that was running, adding up recurring stages', () => {
    const now: GpuCounters = zeroCounters();
    const work = (dispatches: number, readbacks = 0) => {
      now.dispatches += dispatches;
      now.readbacks += readbacks;
    };
    const sc = new StageCounters(() => ({ ...now }));
    work(100); // before any stage: booked nowhere
    sc.enter('edit');
    work(5, 1);
    sc.enter('edit'); // still the same stage
    work(2);
    sc.enter('evaluate');
    work(7, 3);
    sc.enter('edit');
    work(1, 1);
    const t = sc.finish();
    expect(Object.keys(t)).toEqual(['edit', 'evaluate']);
    expect(t.edit!.dispatches).toBe(8);
    expect(t.edit!.readbacks).toBe(2);
    expect(t.evaluate!.dispatches).toBe(7);
    expect(t.evaluate!.readbacks).toBe(3);
    expect(t.edit!.buffersCreated).toBe(0);
  });
});
