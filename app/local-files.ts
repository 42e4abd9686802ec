// From a picked or dropped file list to the two files a model needs, and the
// optional ones beside them (MEND's trained editor).
export function pickModelFiles(list: Iterable<File>): { files: File[] } | { problem: string } {
  const all = [...list];
  const config = all.find((f) => f.name === 'config.json');
  const weights = all.filter((f) => f.name.endsWith('.safetensors'));
  if (!config || weights.length === 0) {
    return { problem: `Need config.json and model.safetensors; got ${all.length ? all.map((f) => f.name).slice(0, 5).join(', ') : 'nothing'}.` };
  }
  // Prefer model.safetensors when a folder holds several (e.g. an f16 copy).
  const model = weights.find((f) => f.name === 'model.safetensors') ?? weights.find((f) => !f.name.startsWith('mend_editor')) ?? weights[0]!;
  const extras = all.filter((f) => MODEL_EXTRAS.includes(f.name));
  return { files: [config, model, ...extras] };
}

/** Files a model folder may hold besides its config and weights. */
export const MODEL_EXTRAS: readonly string[] = ['mend_editor.json', 'mend_editor.safetensors'];
