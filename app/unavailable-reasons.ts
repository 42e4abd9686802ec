// What to tell the user for each way the GPU can be unavailable: a title,
// one line of cause and concrete steps. The worker's own message and hint
// are shown beneath, as the technical details.
import type { LabErrorKind } from '../workers/protocol.ts';

export interface UnavailableReason {
  title: string;
  cause: string;
  steps: string[];
  /** Whether probing again can help without leaving the page. */
  retry: boolean;
}

const BROWSERS =
  'Use a browser with WebGPU: Chrome or Edge 113+ (Windows, macOS, ChromeOS), Chrome 121+ on Android, Safari 26+, or Firefox 141+ on Windows.';
const LINUX =
  'On Linux, Chrome and Chromium may still need WebGPU switched on: enable `chrome://flags/#enable-unsafe-webgpu` (and Vulkan), or start the browser with `--enable-unsafe-webgpu --enable-features=Vulkan`.';
const CHROME_GPU = 'Open `chrome://gpu` and look at the “WebGPU” line of the Graphics Feature Status: it says whether and why it is disabled.';

export const UNAVAILABLE_REASONS: Record<LabErrorKind, UnavailableReason> = {
  'no-webgpu': {
    title: 'This browser does not support WebGPU',
    cause: 'The lab runs GPT-2 on your GPU through WebGPU, and navigator.gpu is missing in this browser.',
    steps: [BROWSERS, LINUX, CHROME_GPU],
    retry: false,
  },
  'insecure-context': {
    title: 'WebGPU is blocked on insecure pages',
    cause: 'Browsers expose WebGPU only to secure contexts, and this page was opened over plain http from another host.',
    steps: [
      'Open the lab over https://, or from `http://localhost` or `http://127.0.0.1` on this machine.',
      'If you serve it yourself, run `npm start` and open the URL it prints.',
    ],
    retry: false,
  },
  'no-adapter': {
    title: 'No usable GPU was found',
    cause: 'WebGPU is present, but the browser offered no GPU adapter: the GPU or its driver may be blocklisted, or hardware acceleration is off.',
    steps: [
      CHROME_GPU,
      'Turn on “Use graphics acceleration when available” in the browser settings and update the graphics driver.',
      LINUX,
      'As a last resort, Chromium started with `--enable-unsafe-webgpu --use-webgpu-adapter=swiftshader` runs WebGPU on the CPU (slow, but it works).',
    ],
    retry: true,
  },
  'device-request-failed': {
    title: 'The GPU refused to open a device',
    cause: 'An adapter was found, but it would not grant the limits or features the lab asked for.',
    steps: ['Close other GPU-heavy tabs and try again.', CHROME_GPU, BROWSERS],
    retry: true,
  },
  'device-lost': {
    title: 'The GPU device was lost',
    cause: 'The device went away: a driver reset, the system reclaiming GPU memory, or a deliberate test. Nothing you entered is lost.',
    steps: [
      'Reconnect below: the lab acquires a fresh device.',
      'If it keeps happening, close other GPU-heavy tabs or choose a smaller model.',
      CHROME_GPU,
    ],
    retry: true,
  },
  'out-of-memory': {
    title: 'The GPU ran out of memory',
    cause: 'An allocation exceeded what this device allows.',
    steps: ['Choose a smaller model, or close other GPU-heavy tabs and try again.'],
    retry: true,
  },
  validation: {
    title: 'An internal GPU error occurred',
    cause: 'A GPU command was rejected as invalid: this is a bug in the lab.',
    steps: ['Try again; if it persists, report it with the details below and the contents of `chrome://gpu`.'],
    retry: true,
  },
  'worker-failed': {
    title: 'The lab could not start',
    cause: 'The background worker that runs the model failed to load or crashed.',
    steps: ['Reload the page.', 'Use a current browser that supports module workers and WebGPU.'],
    retry: false,
  },
  cancelled: {
    title: 'Cancelled',
    cause: 'The operation was cancelled; the model and the edits are as they were.',
    steps: ['Start it again when you are ready.'],
    retry: true,
  },
  busy: {
    title: 'The lab is busy',
    cause: 'Another operation is still running in the lab.',
    steps: ['Wait for it to finish, or cancel it.'],
    retry: true,
  },
  'invalid-request': {
    title: 'The lab refused the request',
    cause: 'The request does not fit the loaded model or the settings.',
    steps: ['Check the fact and the settings, then try again.'],
    retry: true,
  },
  'model-source': {
    title: 'The model files could not be read',
    cause: 'Downloading or reading the model failed, or the files are not a GPT-2 checkpoint.',
    steps: ['Check the network (hub models) or pick a folder holding config.json and model.safetensors.'],
    retry: true,
  },
  internal: {
    title: 'Something went wrong',
    cause: 'An unexpected error stopped the lab.',
    steps: ['Try again or reload the page; if it persists, report it with the details below.'],
    retry: true,
  },
};
