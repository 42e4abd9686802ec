// A smoke test of the whole GPU path: upload, one WGSL kernel, read-back,
// compared against the same sums computed on the CPU.
import type { GpuContext } from '../models/gpu/context.ts';
import { add } from '../models/kernels/add.ts';
import type { KernelCheck } from './protocol.ts';

/** Not a multiple of the workgroup size, so the kernel's bounds check is exercised too. */
const N = 4099;

export async function runAddKernelCheck(ctx: GpuContext): Promise<KernelCheck> {
  const a = new Float32Array(N);
  const b = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    a[i] = i * 0.5;
    b[i] = 1 - i * 0.25;
  }
  // A WGSL or binding mistake would otherwise only show up as zeros read back.
  ctx.device.pushErrorScope('validation');
  const start = performance.now();
  const ta = ctx.upload(a, [N], 'f32', 'check.a');
  const tb = ctx.upload(b, [N], 'f32', 'check.b');
  const out = add(ctx, ta, tb);
  const got = await ctx.downloadF32(out);
  const elapsedMs = performance.now() - start;
  ctx.release(ta, tb, out);
  ctx.flush();
  const validation = await ctx.device.popErrorScope();

  let maxAbsError = 0;
  let firstMismatch = -1;
  for (let i = 0; i < N; i++) {
    // The inputs are exact in f32 and WGSL's f32 add is correctly rounded,
    // so any difference at all is a failure.
    const err = Math.abs(got[i] - Math.fround(a[i] + b[i]));
    if (!(err <= 0) && firstMismatch < 0) firstMismatch = i; // !(<=) also catches NaN
    maxAbsError = Math.max(maxAbsError, Number.isNaN(err) ? Infinity : err);
  }
  const check: KernelCheck = {
    kernel: 'add',
    n: N,
    passed: firstMismatch < 0 && !validation,
    maxAbsError,
    firstMismatch,
    elapsedMs,
  };
  if (validation) check.error = validation.message;
  return check;
}
