// The engine's handle on a device: allocation, upload/download, a pipeline
// cache and batched dispatch. Dispatches are recorded into one command
// encoder and submitted together on flush() (or before any read-back), so a
// forward pass of hundreds of kernels costs one submit.
// Buffers are pooled: a released tensor, a used uniform or a staging buffer
// joins a free list (by size and usage) once the work that used it has been
// submitted, and the next request of that size takes it, so an edit step or
// an evaluation batch in steady state creates no buffers. Queue order makes
// this safe: work recorded later runs after work submitted earlier, and a
// queue write to a free buffer cannot overtake a pending use (it has none).
import type { Gpu } from './device.ts';
import { GpuError } from './errors.ts';
import { byteSize, numel, shapeText, type DType, type GpuTensor } from './tensor.ts';

/** Released bytes that trigger a submit (see release()). */
const RELEASE_FLUSH_BYTES = 64 * 2 ** 20;
/** Free bytes the pool keeps by default; beyond them the least recently freed sizes are destroyed. */
export const DEFAULT_POOL_BYTES = 768 * 2 ** 20;

/** GPUBufferUsage is a global only once a WebGPU implementation is loaded: read it late. */
const storageUsage = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

export type TypedData = Float32Array | Uint32Array | Int32Array | Uint16Array;

export interface Binding {
  tensor?: GpuTensor;
  buffer?: GPUBuffer;
}

/**
 * What the engine asked of the device, cumulative. Off (null) unless a
 * benchmark or a debug session turns it on: counting is a few integer adds,
 * but the hot path should not pay even that by default.
 */
export interface GpuCounters {
  dispatches: number;
  /** Command buffers submitted. */
  submits: number;
  /** GPU→CPU read-backs (each one a round trip that stalls the pipeline) and their bytes. */
  readbacks: number;
  readbackBytes: number;
  /** GPU buffers created (storage, uniform and staging) and their bytes. */
  buffersCreated: number;
  bytesCreated: number;
  /** Host→GPU writes (tensor uploads and uniforms) and their bytes. */
  uploads: number;
  bytesUploaded: number;
}

export function zeroCounters(): GpuCounters {
  return { dispatches: 0, submits: 0, readbacks: 0, readbackBytes: 0, buffersCreated: 0, bytesCreated: 0, uploads: 0, bytesUploaded: 0 };
}

/** b − a, field by field (what happened between two snapshots). */
export function counterDelta(a: GpuCounters, b: GpuCounters): GpuCounters {
  const out = zeroCounters();
  for (const k of Object.keys(out) as (keyof GpuCounters)[]) out[k] = b[k] - a[k];
  return out;
}

export class GpuContext {
  readonly device: GPUDevice;
  /** Set by countWork(); null when not counting. */
  counters: GpuCounters | null = null;
  readonly gpu: Gpu;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  /** Buffers free for reuse after the next submit (uniforms, released tensors). */
  private retired: GPUBuffer[] = [];
  private retiredBytes = 0;
  /** Free buffers by `${usage}:${size}`, in order of freeing (Map order: least recent first). */
  private readonly pool = new Map<string, GPUBuffer[]>();
  private poolBytes = 0;
  /** Most bytes of free buffers kept for reuse. */
  poolLimitBytes = DEFAULT_POOL_BYTES;

  /** The first GPU error nobody caught (validation, out of memory): raised at the next read-back. */
  private uncaptured: GpuError | null = null;

  constructor(gpu: Gpu) {
    this.gpu = gpu;
    this.device = gpu.device;
    this.device.addEventListener('uncapturederror', (ev) => {
      const err = (ev as GPUUncapturedErrorEvent).error;
      const kind = typeof GPUOutOfMemoryError !== 'undefined' && err instanceof GPUOutOfMemoryError ? 'out-of-memory' : 'validation';
      this.uncaptured ??= new GpuError(kind, `GPU error: ${err.message}`);
    });
  }

  /** Start (or stop) counting dispatches, read-backs, buffers and uploads. */
  countWork(on = true): void {
    this.counters = on ? (this.counters ?? zeroCounters()) : null;
  }

  /** A copy of the counters now (zeros when not counting). */
  snapshotCounters(): GpuCounters {
    return { ...(this.counters ?? zeroCounters()) };
  }

  private countBuffer(bytes: number): void {
    if (this.counters) {
      this.counters.buffersCreated++;
      this.counters.bytesCreated += bytes;
    }
  }

  private countUpload(bytes: number): void {
    if (this.counters) {
      this.counters.uploads++;
      this.counters.bytesUploaded += bytes;
    }
  }

  /** Throw (once) the first uncaught GPU error since the last check. */
  checkErrors(): void {
    const e = this.uncaptured;
    if (e) {
      this.uncaptured = null;
      throw e;
    }
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  /** Allocate an uninitialised (zeroed) tensor. */
  empty(shape: readonly number[], dtype: DType = 'f32', label = 'tensor'): GpuTensor {
    return this.allocate(shape, dtype, label, false);
  }

  private allocate(shape: readonly number[], dtype: DType, label: string, mapped: boolean): GpuTensor {
    const size = numel(shape);
    const bytes = byteSize(dtype, size);
    this.checkSize(bytes, shape, label);
    let buffer: GPUBuffer;
    if (mapped) {
      this.countBuffer(bytes);
      buffer = this.device.createBuffer({ label, size: bytes, usage: storageUsage(), mappedAtCreation: true });
    } else {
      const { buffer: b, reused } = this.take(bytes, storageUsage(), label);
      buffer = b;
      // empty() promises zeros; a new buffer is zeroed by WebGPU, a reused one here.
      if (reused) {
        this.endPass();
        this.commandEncoder().clearBuffer(buffer);
      }
    }
    return { buffer, shape: [...shape], dtype, size };
  }

  /** A buffer of exactly `bytes` and `usage`: a free one if the pool has it, else a new one. */
  private take(bytes: number, usage: number, label: string): { buffer: GPUBuffer; reused: boolean } {
    const key = `${usage}:${bytes}`;
    const list = this.pool.get(key);
    const free = list?.pop();
    if (free) {
      if (!list!.length) this.pool.delete(key);
      this.poolBytes -= bytes;
      return { buffer: free, reused: true };
    }
    this.countBuffer(bytes);
    return { buffer: this.device.createBuffer({ label, size: bytes, usage }), reused: false };
  }

  /** Put a buffer with no pending use on the free list; past the limit, destroy the least recently freed. */
  private giveBack(buffer: GPUBuffer): void {
    const key = `${buffer.usage}:${buffer.size}`;
    let list = this.pool.get(key);
    if (!list) this.pool.set(key, (list = []));
    list.push(buffer);
    this.poolBytes += buffer.size;
    while (this.poolBytes > this.poolLimitBytes && this.pool.size) {
      const [k, old] = this.pool.entries().next().value as [string, GPUBuffer[]];
      const b = old.shift()!;
      if (!old.length) this.pool.delete(k);
      this.poolBytes -= b.size;
      b.destroy();
    }
  }

  /** Bytes of free buffers held for reuse. */
  get pooledBytes(): number {
    return this.poolBytes;
  }

  /** Destroy every free buffer (e.g. before loading another model). */
  trimPool(): void {
    for (const list of this.pool.values()) for (const b of list) b.destroy();
    this.pool.clear();
    this.poolBytes = 0;
  }

  /** Upload host data. For dtype 'f16' pass the raw halves as Uint16Array. */
  upload(data: TypedData, shape: readonly number[], dtype?: DType, label = 'tensor'): GpuTensor {
    const dt = dtype ?? inferDType(data);
    const size = numel(shape);
    if (data.length !== size) {
      throw new Error(`${label}: ${data.length} values for shape ${shapeText(shape)} (${size} expected)`);
    }
    const bytes = byteSize(dt, size);
    this.checkSize(bytes, shape, label);
    // A free buffer has no pending use, so this queue write cannot overtake one;
    // it lands before any work submitted after it.
    const { buffer } = this.take(bytes, storageUsage(), label);
    const src = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.countUpload(src.byteLength);
    this.device.queue.writeBuffer(buffer, 0, src.byteLength % 4 === 0 ? src : padTo4(src));
    return { buffer, shape: [...shape], dtype: dt, size };
  }

  /** Upload raw little-endian bytes (any alignment) as a tensor of `dtype`. */
  uploadBytes(bytes: Uint8Array, shape: readonly number[], dtype: DType, label = 'tensor'): GpuTensor {
    const size = numel(shape);
    const want = dtype === 'f16' ? size * 2 : size * 4;
    if (bytes.byteLength !== want) {
      throw new Error(`${label}: ${bytes.byteLength} bytes for ${dtype} ${shapeText(shape)} (${want} expected)`);
    }
    const t = this.allocate(shape, dtype, label, true);
    this.countUpload(bytes.byteLength);
    new Uint8Array(t.buffer.getMappedRange()).set(bytes);
    t.buffer.unmap();
    return t;
  }

  /**
   * Overwrite a tensor's contents from the host. Work recorded so far is
   * submitted first: queue writes run ahead of unsubmitted commands.
   */
  write(t: GpuTensor, data: TypedData): void {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (bytes.byteLength !== byteSize(t.dtype, t.size) && bytes.byteLength !== (t.dtype === 'f16' ? t.size * 2 : t.size * 4)) {
      throw new Error(`write: ${bytes.byteLength} bytes for a ${t.dtype} tensor of ${t.size} elements`);
    }
    this.flush();
    const padded = bytes.byteLength % 4 === 0 ? bytes : padTo4(bytes);
    this.countUpload(padded.byteLength);
    this.device.queue.writeBuffer(t.buffer, 0, padded);
  }

  /** Read a tensor back. f32 → Float32Array, u32 → Uint32Array, i32 → Int32Array, f16 → Uint16Array. */
  async download(t: GpuTensor): Promise<Float32Array | Uint32Array | Int32Array | Uint16Array> {
    const bytes = byteSize(t.dtype, t.size);
    const raw = await this.readBytes(t.buffer, 0, bytes);
    switch (t.dtype) {
      case 'f32':
        return new Float32Array(raw, 0, t.size);
      case 'u32':
        return new Uint32Array(raw, 0, t.size);
      case 'i32':
        return new Int32Array(raw, 0, t.size);
      case 'f16':
        return new Uint16Array(raw, 0, t.size);
    }
  }

  async downloadF32(t: GpuTensor): Promise<Float32Array> {
    if (t.dtype !== 'f32') throw new Error(`downloadF32 on a ${t.dtype} tensor`);
    return (await this.download(t)) as Float32Array;
  }

  async readBytes(buffer: GPUBuffer, offset: number, bytes: number): Promise<ArrayBuffer> {
    if (this.counters) {
      this.counters.readbacks++;
      this.counters.readbackBytes += bytes;
    }
    const { buffer: staging } = this.take(bytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, 'staging');
    this.endPass();
    this.commandEncoder().copyBufferToBuffer(buffer, offset, staging, 0, bytes);
    this.flush();
    try {
      await staging.mapAsync(GPUMapMode.READ);
    } catch (e) {
      staging.destroy();
      throw new GpuError('device-lost', `reading back a GPU buffer failed: ${e instanceof Error ? e.message : e}`);
    }
    const copy = staging.getMappedRange().slice(0);
    staging.unmap();
    this.giveBack(staging);
    // Results computed after a failed dispatch are garbage: say so instead.
    this.checkErrors();
    return copy;
  }

  /** A compiled compute pipeline, cached by key (the WGSL source by default). */
  pipeline(code: string, key: string = code, entryPoint = 'main'): GPUComputePipeline {
    let p = this.pipelines.get(key);
    if (!p) {
      const module = this.device.createShaderModule({ label: key.slice(0, 60), code });
      p = this.device.createComputePipeline({ label: key.slice(0, 60), layout: 'auto', compute: { module, entryPoint } });
      this.pipelines.set(key, p);
    }
    return p;
  }

  get pipelineCount(): number {
    return this.pipelines.size;
  }

  /** A small uniform buffer holding 32-bit values, freed after the next submit. */
  uniform(values: ReadonlyArray<number>, types: ReadonlyArray<'u32' | 'i32' | 'f32'>): GPUBuffer {
    if (values.length !== types.length) throw new Error('uniform: values and types differ in length');
    const n = Math.max(4, Math.ceil(values.length / 4) * 4); // 16-byte aligned
    const buf = new ArrayBuffer(n * 4);
    const u = new Uint32Array(buf);
    const i = new Int32Array(buf);
    const f = new Float32Array(buf);
    values.forEach((v, k) => {
      if (types[k] === 'u32') u[k] = v;
      else if (types[k] === 'i32') i[k] = v;
      else f[k] = v;
    });
    this.countUpload(n * 4);
    // Taken from the free list: no recorded work uses it, so writing it now is safe.
    const { buffer } = this.take(n * 4, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, 'uniform');
    this.device.queue.writeBuffer(buffer, 0, buf);
    this.retired.push(buffer);
    return buffer;
  }

  /**
   * Record one dispatch. `bindings[i]` binds at @binding(i) of @group(0).
   * Workgroup counts above the per-dimension limit are the caller's to fold
   * (see dispatchGrid).
   */
  dispatch(pipeline: GPUComputePipeline, bindings: ReadonlyArray<GPUBuffer | GpuTensor>, workgroups: readonly [number, number?, number?]): void {
    const [x, y = 1, z = 1] = workgroups;
    if (x === 0 || y === 0 || z === 0) return;
    const max = this.device.limits.maxComputeWorkgroupsPerDimension;
    if (x > max || y > max || z > max) {
      throw new Error(`dispatch of ${x}×${y}×${z} workgroups exceeds the per-dimension limit ${max}`);
    }
    const entries: GPUBindGroupEntry[] = bindings.map((b, binding) => ({
      binding,
      resource: { buffer: 'buffer' in b ? b.buffer : b },
    }));
    if (this.counters) this.counters.dispatches++;
    const group = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    const pass = this.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(x, y, z);
  }

  /** Submit everything recorded so far. */
  flush(): void {
    this.endPass();
    if (this.encoder) {
      this.device.queue.submit([this.encoder.finish()]);
      if (this.counters) this.counters.submits++;
      this.encoder = null;
    }
    // Their last uses are submitted: anything recorded from now on runs after them.
    const retired = this.retired;
    this.retired = [];
    this.retiredBytes = 0;
    for (const b of retired) this.giveBack(b);
  }

  /** Wait for all submitted work (flushes first). */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
  }

  /**
   * Free tensors once the GPU is done with them. Recorded work still reads
   * them, so they are destroyed after the next submit; when many bytes wait,
   * submit now so a long forward pass does not hold every intermediate.
   */
  release(...tensors: Array<GpuTensor | undefined | null>): void {
    for (const t of tensors) {
      if (!t) continue;
      this.retired.push(t.buffer);
      this.retiredBytes += t.buffer.size;
    }
    if (this.retiredBytes > RELEASE_FLUSH_BYTES) this.flush();
  }

  /** Copy src into dst (same byte size) as part of the recorded stream. */
  copy(src: GpuTensor, dst: GpuTensor): void {
    const bytes = byteSize(src.dtype, src.size);
    if (bytes !== byteSize(dst.dtype, dst.size)) throw new Error('copy: tensors differ in size');
    this.endPass();
    this.commandEncoder().copyBufferToBuffer(src.buffer, 0, dst.buffer, 0, bytes);
  }

  private checkSize(bytes: number, shape: readonly number[], label: string): void {
    const lim = this.device.limits;
    if (bytes > lim.maxBufferSize || bytes > lim.maxStorageBufferBindingSize) {
      throw new GpuError(
        'out-of-memory',
        `${label} ${shapeText(shape)} needs ${(bytes / 2 ** 20).toFixed(1)} MiB in one buffer; this device binds at most ${(Math.min(lim.maxBufferSize, lim.maxStorageBufferBindingSize) / 2 ** 20).toFixed(1)} MiB. Split it.`,
      );
    }
  }

  private commandEncoder(): GPUCommandEncoder {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    return this.encoder;
  }

  private computePass(): GPUComputePassEncoder {
    if (!this.pass) this.pass = this.commandEncoder().beginComputePass();
    return this.pass;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }
}

function padTo4(bytes: Uint8Array): Uint8Array {
  const p = new Uint8Array(Math.ceil(bytes.byteLength / 4) * 4);
  p.set(bytes);
  return p;
}

function inferDType(data: TypedData): DType {
  if (data instanceof Float32Array) return 'f32';
  if (data instanceof Uint32Array) return 'u32';
  if (data instanceof Int32Array) return 'i32';
  return 'f16';
}

/** Fold a 1-D workgroup count into x×y so each dimension stays under the limit. */
export function dispatchGrid(count: number, maxPerDim = 65535): [number, number] {
  if (count <= maxPerDim) return [count, 1];
  const y = Math.ceil(count / maxPerDim);
  return [Math.ceil(count / y), y];
}
