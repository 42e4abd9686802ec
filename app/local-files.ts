// From a picked or dropped file list to the two files a model needs.
export function pickModelFiles(list: Iterable<File>): { files: File[] } | { problem: string } {
  const all = [...list];
  const config = all.find((f) => f.name === 'config.json');
  const weights = all.filter((f) => f.name.endsWith('.safetensors'));
  if (!config || weights.length === 0) {
    return { problem: `Need config.json and model.safetensors; got ${all.length ? all.map((f) => f.name).slice(0, 5).join(', ') : 'nothing'}.` };
  }
  // Prefer model.safetensors when a folder holds several (e.g. an f16 copy).
  return { files: [config, weights.find((f) => f.name === 'model.safetensors') ?? weights[0]!] };
}
