// Adapter and device acquisition. Requests the adapter's own maxima for the
// limits large models need, so a desktop GPU is not held to WebGPU's defaults.
import { GpuError } from './errors.ts';

export interface GpuInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for CPU implementations (SwiftShader, WARP, llvmpipe): expect slow kernels. */
  isSoftware: boolean;
  features: string[];
  limits: Record<string, number>;
}

export interface GpuFeatures {
  shaderF16: boolean;
  timestampQuery: boolean;
  subgroups: boolean;
}

export interface Gpu {
  device: GPUDevice;
  info: GpuInfo;
  features: GpuFeatures;
  /** Resolves (never rejects) with the loss as a GpuError, once, if the device is lost. */
  lost: Promise<GpuError>;
}

/** Limits raised to the adapter's maxima: these bound model size and tile sizes. */
const RAISED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxStorageBuffersPerShaderStage',
] as const;

const REPORTED_LIMITS = [
  ...RAISED_LIMITS,
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
  'maxUniformBufferBindingSize',
  'maxBindGroups',
] as const;

const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|warp|software|basic render|cpu/i;

export interface AcquireOptions {
  /** navigator.gpu in a browser; the `webgpu` package's GPU object in Node. */
  gpu?: GPU | undefined;
  /** Checked only where the platform reports it (browsers, workers). */
  isSecureContext?: boolean;
  powerPreference?: GPUPowerPreference;
}

export async function acquireGpu(opts: AcquireOptions = {}): Promise<Gpu> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  const gpu = opts.gpu ?? nav?.gpu;
  const secure = opts.isSecureContext ?? (globalThis as { isSecureContext?: boolean }).isSecureContext;
  if (!gpu) {
    if (secure === false) {
      throw new GpuError('insecure-context', 'WebGPU is unavailable because this page is not a secure context.');
    }
    throw new GpuError('no-webgpu', 'This browser does not expose WebGPU (navigator.gpu is missing).');
  }
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
  } catch (e) {
    throw new GpuError('no-adapter', `requestAdapter failed: ${errorText(e)}`);
  }
  if (!adapter) throw new GpuError('no-adapter', 'WebGPU is present but no GPU adapter is available.');

  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) {
    const v = (adapter.limits as unknown as Record<string, number>)[name];
    if (typeof v === 'number') requiredLimits[name] = v;
  }
  const requiredFeatures: GPUFeatureName[] = [];
  for (const f of ['shader-f16', 'timestamp-query'] as GPUFeatureName[]) {
    if (adapter.features.has(f)) requiredFeatures.push(f);
  }

  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  } catch (e) {
    throw new GpuError('device-request-failed', `requestDevice failed: ${errorText(e)}`);
  }

  const info = describeAdapter(adapter, device);
  const lost = device.lost.then(
    (l) => new GpuError('device-lost', `GPU device lost (${l.reason}): ${l.message || 'no message'}`),
  );
  return {
    device,
    info,
    features: {
      shaderF16: device.features.has('shader-f16'),
      timestampQuery: device.features.has('timestamp-query'),
      subgroups: adapter.features.has('subgroups'),
    },
    lost,
  };
}

function describeAdapter(adapter: GPUAdapter, device: GPUDevice): GpuInfo {
  const ai = (adapter as { info?: GPUAdapterInfo }).info;
  const vendor = ai?.vendor ?? '';
  const architecture = ai?.architecture ?? '';
  const dev = ai?.device ?? '';
  const description = ai?.description ?? '';
  const limits: Record<string, number> = {};
  for (const name of REPORTED_LIMITS) {
    const v = (device.limits as unknown as Record<string, number>)[name];
    if (typeof v === 'number') limits[name] = v;
  }
  const names = `${vendor} ${architecture} ${dev} ${description}`;
  const fallback = (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  return {
    vendor,
    architecture,
    device: dev,
    description: description || [vendor, architecture, dev].filter(Boolean).join(' ') || 'unknown adapter',
    isSoftware: fallback || SOFTWARE_NAMES.test(names),
    features: [...adapter.features].map(String).sort(),
    limits,
  };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
