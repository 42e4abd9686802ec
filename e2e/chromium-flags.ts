// Headless Chromium flags shared by the end-to-end tests and the benchmarks.

/** This machine has no network: keep Chromium from trying to reach it. */
export const OFFLINE_FLAGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** WebGPU on SwiftShader (a CPU Vulkan) where there is no GPU. */
export const WEBGPU_FLAGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
];
