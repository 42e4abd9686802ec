// Resolve the CLI's --model (or an Experiment's "model"): a local folder
// holding config.json + model.safetensors, or a Hugging Face model id.
import { existsSync, statSync } from 'node:fs';
import { hubModelFiles, type ModelFiles } from '../models/gpt2/load.ts';
import { dirModelFiles } from '../models/gpt2/load-node.ts';

export function resolveModel(spec: string): ModelFiles {
  if (existsSync(spec) && statSync(spec).isDirectory()) return dirModelFiles(spec);
  // HF_ENDPOINT is the hub's own variable for mirrors; tests point it at a local server.
  return hubModelFiles(spec, { base: process.env.HF_ENDPOINT });
}
