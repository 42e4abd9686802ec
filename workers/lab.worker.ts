// The lab's Web Worker: the only place that touches the GPU. It exposes one
// LabService over comlink; the page reaches it through workers/client.ts.
import * as Comlink from 'comlink';
import { LabService } from './lab-service.ts';
import type { LabApi } from './protocol.ts';

const api: LabApi = new LabService();
Comlink.expose(api);
