// The page's only way to the engine: starts the lab worker once and wraps it
// with comlink. Worker start-up failures (a script that fails to load or
// throws at top level) never reach comlink, so they are reported here, as a
// 'worker-failed' error, to the same listener that hears of device loss.
import * as Comlink from 'comlink';
import { workerFailedInfo } from './errors.ts';

export { isLabErrorInfo, toLabErrorInfo } from './errors.ts';
import type { LabApi, LabErrorInfo, LabEventListener } from './protocol.ts';

export type LabRemote = Comlink.Remote<LabApi>;

export interface LabClient {
  api: LabRemote;
  /** Called when the device is lost or the worker dies. */
  onFailure(listener: (error: LabErrorInfo) => void): void;
}

let client: LabClient | null = null;

export function labClient(): LabClient {
  client ??= createLabClient();
  return client;
}

function createLabClient(): LabClient {
  const worker = new Worker(new URL('./lab.worker.ts', import.meta.url), { type: 'module', name: 'butterfly-lab' });
  const api = Comlink.wrap<LabApi>(worker);
  let failureListener: ((error: LabErrorInfo) => void) | null = null;
  let workerError: LabErrorInfo | null = null;

  worker.addEventListener('error', (ev) => {
    ev.preventDefault();
    workerError = workerFailedInfo(ev.message || 'the worker script failed to load');
    failureListener?.(workerError);
  });

  return {
    api,
    onFailure(listener) {
      failureListener = listener;
      if (workerError) listener(workerError);
      const onEvent: LabEventListener = (event) => {
        if (event.type === 'device-lost') listener(event.error);
      };
      void api.subscribe(Comlink.proxy(onEvent));
    },
  };
}
