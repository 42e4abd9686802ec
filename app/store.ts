// The GPU's state (useGpuStore): where the device stands and what the probe found. Actions
// talk to the worker through workers/client.ts only; no GPU object ever
// reaches this side.
import { create } from 'zustand';
import { labClient, toLabErrorInfo } from '../workers/client.ts';
import type { LabErrorInfo, ProbeResult, ProbeSuccess } from '../workers/protocol.ts';

export type GpuStatus =
  | 'idle' // nothing asked yet
  | 'probing' // acquiring the device and running the kernel check
  | 'ready' // a device is held; see probe.kernelCheck for the smoke test
  | 'failed'; // no usable device: see error.kind (no-webgpu, no-adapter, device-lost, ...)

export interface GpuState {
  status: GpuStatus;
  /** The last successful probe; kept after a loss so the diagnostics stay readable. */
  probe: ProbeSuccess | null;
  error: LabErrorInfo | null;
  /** Start the worker, listen for failures and probe the GPU. Idempotent. */
  start(): void;
  /** Probe (again): acquires a fresh device after a loss. */
  runProbe(): Promise<void>;
  simulateDeviceLoss(): Promise<void>;
}

let started = false;
const failureListeners = new Set<(error: LabErrorInfo) => void>();

/** Hear of device loss or a worker failure (the lab session rebuilds itself after a loss). */
export function onGpuFailure(listener: (error: LabErrorInfo) => void): () => void {
  failureListeners.add(listener);
  return () => failureListeners.delete(listener);
}

export const useGpuStore = create<GpuState>()((set, get) => ({
  status: 'idle',
  probe: null,
  error: null,

  start() {
    if (started) return; // React StrictMode runs effects twice in development
    started = true;
    labClient().onFailure((error) => {
      set({ status: 'failed', error });
      for (const l of failureListeners) l(error);
    });
    void get().runProbe();
  },

  async runProbe() {
    set({ status: 'probing', error: null });
    let result: ProbeResult;
    try {
      result = await labClient().api.probe();
    } catch (e) {
      // probe() never throws inside the worker; this is the message channel failing.
      result = { ok: false, error: toLabErrorInfo(e) };
    }
    // A worker failure or device loss may have arrived meanwhile; it wins.
    if (get().status !== 'probing') return;
    if (result.ok) set({ status: 'ready', probe: result, error: null });
    else set({ status: 'failed', error: result.error });
  },

  async simulateDeviceLoss() {
    await labClient().api.simulateDeviceLoss();
  },
}));
