import { describe, expect, it } from 'vitest';
import { acquireGpu } from '../models/gpu/device.ts';
import { GpuError } from '../models/gpu/errors.ts';
import { dawnGpu, nodeGpuContext } from '../models/gpu/node-gpu.ts';

describe('GPU acquisition', () => {
  it('gets a Dawn device with the adapter maxima', async () => {
    const ctx = await nodeGpuContext();
    const info = ctx.gpu.info;
    expect(info.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 2 ** 20);
    expect(info.limits.maxComputeWorkgroupStorageSize).toBeGreaterThanOrEqual(16384);
    expect(Array.isArray(info.features)).toBe(true);
    expect(typeof ctx.gpu.features.shaderF16).toBe('boolean');
  });

  it('round-trips data through upload and download', async () => {
    const ctx = await nodeGpuContext();
    const data = Float32Array.from({ length: 17 }, (_, i) => i * 0.5 - 3);
    const t = ctx.upload(data, [17]);
    expect(Array.from(await ctx.downloadF32(t))).toEqual(Array.from(data));
    const halves = new Uint16Array([0x3c00, 0xc000, 0x7bff]); // 1, -2, 65504: odd count pads
    const h = ctx.upload(halves, [3], 'f16');
    expect(Array.from((await ctx.download(h)) as Uint16Array)).toEqual([0x3c00, 0xc000, 0x7bff]);
  });

  it('says why when there is no WebGPU', async () => {
    await expect(acquireGpu({ gpu: undefined, isSecureContext: true })).rejects.toMatchObject({ kind: 'no-webgpu' });
    await expect(acquireGpu({ gpu: undefined, isSecureContext: false })).rejects.toMatchObject({ kind: 'insecure-context' });
    const noAdapter = { requestAdapter: async () => null } as unknown as GPU;
    const err = await acquireGpu({ gpu: noAdapter }).catch((e) => e);
    expect(err).toBeInstanceOf(GpuError);
    expect(err.kind).toBe('no-adapter');
    expect(err.hint).toMatch(/driver|swiftshader/i);
  });

  it('reports a lost device with its reason', async () => {
    const gpu = await acquireGpu({ gpu: dawnGpu() });
    gpu.device.destroy();
    const lost = await gpu.lost;
    expect(lost.kind).toBe('device-lost');
    expect(lost.message).toMatch(/destroyed/);
  });
});

describe('GPU errors are not silent', () => {
  it('raises an uncaught validation error at the next read-back', async () => {
    const ctx = await nodeGpuContext();
    const { ADD_WGSL } = await import('../models/kernels/add.ts');
    const t = ctx.upload(new Float32Array([1, 2, 3]), [3]);
    // The same buffer as read and read_write input in one dispatch is invalid.
    ctx.dispatch(ctx.pipeline(ADD_WGSL, 'add'), [t, t, t, ctx.uniform([3, 256], ['u32', 'u32'])], [1]);
    const err = await ctx.downloadF32(t).catch((e) => e);
    expect(err).toBeInstanceOf(GpuError);
    expect(err.kind).toBe('validation');
    // Reported once: the context stays usable.
    expect(Array.from(await ctx.downloadF32(t))).toEqual([1, 2, 3]);
  });
});
