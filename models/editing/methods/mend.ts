// MEND (methods.md "MEND") as a registered method: one request per edit, a
// trained editor turns the target's fine-tuning gradient at c_fc and c_proj
// of its layers into their update. The math is in ../mend.ts; this module
// finds the editor (method.editor, else mend_editor.{json,safetensors} in the
// model's folder), keeps it on the GPU once per model, and hands the update
// to the Lab as rank-one deltas.
import type { MethodSpec } from '../../experiment.ts';
import { methodRows } from '../../settings-table.ts';
import { computeMendUpdate, loadMendEditor, MendError, parseMendConfig, releaseMendEditor, type MendEditor } from '../mend.ts';
import { resolveSpec } from './resolve.ts';
import { EditRefusedError, type EditMethod, type MethodContext } from './types.ts';

/** The editor's two files in a model folder (training/train_mend.py writes them there). */
export const MEND_CONFIG_FILE = 'mend_editor.json';
export const MEND_WEIGHTS_FILE = 'mend_editor.safetensors';

/**
 * Where method.editor points: a .safetensors (its config is the .json beside
 * it), or a folder holding mend_editor.{json,safetensors}.
 */
export function editorLocations(editor: string): { config: string; weights: string } {
  if (/\.safetensors$/i.test(editor)) return { config: editor.replace(/\.safetensors$/i, '.json'), weights: editor };
  const base = editor.replace(/\/+$/, '');
  return { config: `${base}/${MEND_CONFIG_FILE}`, weights: `${base}/${MEND_WEIGHTS_FILE}` };
}

async function editorOf(ctx: MethodContext): Promise<MendEditor> {
  const where = ctx.spec.editor;
  return ctx.resources.perModel(
    `mend-editor|${where ?? '(model folder)'}`,
    async () => {
      let configBytes: Uint8Array | null;
      let weights: Uint8Array | null;
      if (where) {
        const loc = editorLocations(where);
        [configBytes, weights] = await Promise.all([ctx.resources.userFile(loc.config), ctx.resources.userFile(loc.weights)]);
      } else {
        [configBytes, weights] = await Promise.all([ctx.resources.modelFile(MEND_CONFIG_FILE), ctx.resources.modelFile(MEND_WEIGHTS_FILE)]);
        if (!configBytes || !weights) {
          throw new MendError(`the model's folder has no ${configBytes ? MEND_WEIGHTS_FILE : MEND_CONFIG_FILE}: MEND needs an editor trained for this model (method.editor / --editor names one elsewhere)`);
        }
      }
      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder().decode(configBytes));
      } catch (e) {
        throw new MendError(`its config is not JSON (${(e as Error).message})`);
      }
      return loadMendEditor(ctx.model.ctx, parseMendConfig(json), weights, ctx.model.config);
    },
    (ed) => releaseMendEditor(ctx.model.ctx, ed),
  );
}

export const mend: EditMethod = {
  name: 'mend',
  settings: methodRows('mend'),

  resolve: (spec: MethodSpec, nLayer: number) => resolveSpec('mend', spec, nLayer),

  needs: () => ({ statsLayers: [], templates: false }),

  batchSize: () => 1,

  async prepare(ctx) {
    await editorOf(ctx);
  },

  async compute(ctx, requests) {
    if (requests.length !== 1) throw new Error(`mend edits one fact at a time (got ${requests.length})`);
    const request = requests[0]!;
    ctx.onProgress(0, 'editor');
    const editor = await editorOf(ctx);
    ctx.onProgress(0.2, 'gradient and editor');
    const up = await computeMendUpdate(ctx.model, editor, request.prompt.ids, request.targetNewIds, { signal: ctx.signal, editLr: ctx.spec.edit_lr, layers: ctx.spec.layers });
    if (!up.deltas.every((d) => d.u.every(Number.isFinite) && d.right.every(Number.isFinite))) {
      throw new EditRefusedError('the editor produced a non-finite update: edit refused, weights unchanged');
    }
    ctx.onProgress(1);
    return {
      deltas: up.deltas,
      diagnostics: { denominator: NaN, delta_norm: NaN, update_norm: up.updateNorm, subject_at_start: false, v_loss: [] },
    };
  },
};
