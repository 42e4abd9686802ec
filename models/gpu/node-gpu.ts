// WebGPU in Node through Dawn (the `webgpu` npm package). Used by the CLI,
// the benchmarks and the kernel tests; never bundled into the browser app.
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { acquireGpu, type Gpu } from './device.ts';
import { GpuContext } from './context.ts';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

let cached: Promise<GpuContext> | null = null;
/** Dawn's instance must outlive every device made from it: if the GC collects it, Dawn crashes. */
const liveInstances: GPU[] = [];

/** A Dawn GPU object, kept alive for the life of the process. */
export function dawnGpu(): GPU {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  // The Vulkan loader complains on every start without it.
  process.env.XDG_RUNTIME_DIR ??= tmpdir();
  const require = createRequire(import.meta.url);
  const webgpu = require('webgpu') as { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  // GPUBufferUsage, GPUMapMode, ... are globals in browsers; Dawn exports them.
  Object.assign(globalThis, webgpu.globals);
  const gpu = webgpu.create([]);
  liveInstances.push(gpu);
  return gpu;
}

/**
 * A GpuContext on Dawn. Without a Vulkan driver of its own, points Vulkan at
 * the SwiftShader ICD that Debian's chromium ships (a CPU implementation).
 */
export function nodeGpuContext(): Promise<GpuContext> {
  cached ??= (async () => {
    const gpu: Gpu = await acquireGpu({ gpu: dawnGpu(), isSecureContext: true });
    return new GpuContext(gpu);
  })();
  return cached;
}
