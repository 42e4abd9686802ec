// The browser app: index.html → app/main.tsx; the lab worker is bundled as an
// ES module (it imports comlink and the engine). models/gpu/node-gpu.ts is
// Node-only (Dawn) and must never be reached from app/ or workers/: the guard
// plugin fails the build (and the dev server) if it is.
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

function forbidNodeOnlyModules(): Plugin {
  const nodeOnlyFile = /[\\/]models[\\/]gpu[\\/]node-gpu\.ts$/;
  const nodeOnlyImport = /^(node:|webgpu$)/;
  return {
    name: 'butterfly-lab:forbid-node-only',
    enforce: 'pre',
    resolveId(source, importer) {
      if (importer && nodeOnlyImport.test(source)) {
        throw new Error(`"${source}" is Node-only and cannot be bundled for the browser (imported by ${importer})`);
      }
      return null;
    },
    load(id) {
      if (nodeOnlyFile.test(id)) {
        throw new Error(`${id} is Node-only (Dawn) and cannot be bundled for the browser`);
      }
      return null;
    },
  };
}

export default defineConfig({
  plugins: [forbidNodeOnlyModules(), react()],
  // Workers are bundled by a separate pipeline with its own plugin list.
  worker: { format: 'es', plugins: () => [forbidNodeOnlyModules()] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
});
