"""Convert a published MEND checkpoint (Mitchell et al., "Fast Model Editing at Scale",
ICLR 2022; code at github.com/eric-mitchell/mend) to this project's editor format
(mend_editor.safetensors + mend_editor.json, see mend_core.py), so the lab can run it.

    python3 training/convert_mend.py mend-10tok-gpt2-xl.pt --model-config path/to/gpt2-xl/config.json \\
        --preset rome-gpt2-xl --out path/to/gpt2-xl

The input is what the official trainer saves (trainer.py BaseTrainer.save_state):
torch.save({"model": MEND.state_dict(), "opt": ..., "lr_opt": ..., "val_stats": ...,
"start_time": ..., "elapsed_time": ..., "step": ...}); the GPT-2 XL / GPT-J checkpoints the
ROME authors host (rome.baulab.info/data/weights/mend-*.pt) are this, with the editor's
keys under "gtn." instead of "mend." (ROME baselines/mend/mend_main.py renames them on load).
A bare MEND state dict (the "model" entry alone) is accepted too.

What is read from "model" (algs/mend.py MEND, GradientTransform; nn.py IDMLP, LRLinear):
  edit_lrs [n]                          one learned step per inner param, in inner_params order
  mend.<id>.{u_mean,u_std,v_mean,v_std} normalisation buffers (u: the layer input x, v: δ = ∂loss/∂output);
  mend.<id>.{u_s,v_s,k}                 Welford accumulators (only cross-checked: at edit time the
                                        official code, in eval mode, uses the stored u_std/v_std)
  mend.<id>.mlp.layers.j.{u [D,r], v [r,D], bias [D], mode_scale.weight [n_modes,D], mode_shift.weight}
        with mend.combine (the default): one IDMLP on cat(u, δ), D = in + out
  mend.<id>.mlp1.layers.j.* / mlp2.layers.j.*
        without combine: separate IDMLPs on u (D = in) and δ (D = out), or one of them absent
        (one_sided / x_only / delta_only): written as one block-diagonal transform (exact)
  <id> = str(weight shape) e.g. "(1600, 6400)" with mend.shared (the default): one transform per
  weight shape, the mode of a weight = its index among the inner params of that shape, in
  inner_params order; GPT-2's Conv1D weights are [in, out], so the shape is (in, out) = (x_dim,
  delta_dim). Without shared, <id> = the param name with '.' -> '#' and no modes: convertible
  only when each weight kind is edited in a single layer.
  model.* (base model weights, if any) and model_config (a pickled transformers GPT2Config) are
  dropped; the latter's n_embd/n_layer, when readable, are checked against --model-config.

The update: official W <- W + edit_lrs[i] * sum_t x~_t (x) d~_t (algs/mend.py MEND.edit,
einsum "bi,bj->ij" for GPT-2); ours is dW = -edit_lrs[i] * sum_t u~_t (x) d~_t, so the converter
writes edit_lrs negated. Layer j of either: x <- x + relu((x v^T u^T + bias) * mode_scale[m] +
mode_shift[m]) (nn.py LRLinear with init "id"; the clamp applies on every layer, the `relu`
argument is unused there).

Not in the checkpoint, so taken from elsewhere:
  inner_params (their ORDER fixes which edit_lr belongs to which weight): --inner-params, else
    --run-config (the run folder's config.json that trainer.py writes: model.inner_params; an
    EasyEdit-style flat hparams file with inner_params works too), else a "config" entry in the
    checkpoint if one exists, else --preset. Without any of these the converter refuses.
  mend.norm (default True), mend.init (must be "id": its residual is what our format computes),
    mend.mlp_class (must be IDMLP): from --run-config when given, else the official defaults
    (config/alg/mend.yaml: norm True, init id, mlp_class IDMLP, combine True, shared True).

SECURITY: a .pt file is a Python pickle. The converter first tries torch.load(weights_only=True);
the official trainer state holds a pickled transformers config object, which that refuses, so
it then reads the torch.save zip itself with a restricted unpickler: tensors are rebuilt by this
file's own code from the archive's records, and every class other than a few builtins becomes an
inert placeholder, so no code named by the file runs (torch.load is not used for this: torch 1.13
ignores a custom pickle_module when weights_only is False). Only the zip format (torch >= 1.6)
is read that way. --trust-pickle instead uses torch.load(weights_only=False), which RUNS
ARBITRARY CODE from the file: use it only on a checkpoint from a source you trust.

Converting a published checkpoint, e.g. ROME's MEND for GPT-2 XL (the lab needs the model in
the Hugging Face layout, config.json + model.safetensors, in the same folder):
  1. download mend-10tok-gpt2-xl.pt (ROME baselines/mend/mend_main.py names the files);
  2. python3 training/convert_mend.py mend-10tok-gpt2-xl.pt --model-config models/gpt2-xl/config.json \
         --preset rome-gpt2-xl --out models/gpt2-xl
     (for your own run of eric-mitchell/mend: --run-config <run dir>/config.json, or --inner-params
     in the order of its model.inner_params);
  3. in the lab, method mend on that model finds mend_editor.json beside model.safetensors (or point
     method.editor / --editor at the output folder).
The ORDER of the inner params matters and cannot be checked from the checkpoint: a wrong order
silently swaps learned steps between weights. ROME adds a [PAD] token to GPT-2 XL before using
these editors (vocabulary 50258, its embedding the mean row): the editor's tensors do not depend
on the vocabulary, but on the unpadded model the gradients it transforms differ slightly (one
logit fewer in the softmax). The lab's edit loss is the mean NLL of the target tokens after the
prompt, as the official masked NLL for one request, on the lab's tokenisation of the request.

Tested by training/test_convert_mend.py (random editors in the official layout for tiny-gpt2).
"""
import argparse, hashlib, io, json, math, os, pickle, re, sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mend_core import NORM_EPS, WEIGHTS, Editor, param_name, save_editor  # noqa: E402

# ROME's config for its hosted GPT-2 XL checkpoints (kmeng01/rome baselines/mend/config/model/gpt2xl.yaml,
# same list in EasyEdit hparams/MEND/gpt2-xl.yaml): c_proj before c_fc in each layer.
PRESETS = {
    'rome-gpt2-xl': [f'transformer.h.{l}.mlp.{k}.weight' for l in (45, 46, 47) for k in ('c_proj', 'c_fc')],
}
STAT_NAMES = ('u_mean', 'v_mean', 'u_std', 'v_std', 'u_s', 'v_s', 'k')
LAYER_KEY = re.compile(r'^(mlp|mlp1|mlp2)\.layers\.(\d+)\.(u|v|bias|mode_scale\.weight|mode_shift\.weight)$')
INNER = re.compile(r'^transformer\.h\.(\d+)\.(mlp\.c_fc|mlp\.c_proj)\.weight$')
FLOATS = (torch.float16, torch.bfloat16, torch.float32, torch.float64)


class ConvertError(Exception):
    pass


# ---------------- loading the pickle ----------------
class _Opaque:
    """Stands in for any class the restricted unpickler does not allow: keeps what the pickle
    gave it, runs nothing."""
    _where = ('?', '?')

    def __new__(cls, *args, **kwargs):
        o = object.__new__(cls)
        o.__dict__['_args'] = args
        return o

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        self.__dict__['_state'] = state

    def __setitem__(self, k, v):
        self.__dict__.setdefault('_items', {})[k] = v

    def append(self, v):
        self.__dict__.setdefault('_list', []).append(v)

    def extend(self, vs):
        self.__dict__.setdefault('_list', []).extend(vs)

    def __repr__(self):
        return f'<opaque {self._where[0]}.{self._where[1]}>'

    def fields(self):
        st = self.__dict__.get('_state')
        if isinstance(st, tuple) and len(st) == 2 and isinstance(st[0], dict):
            st = st[0]
        return st if isinstance(st, dict) else {}


def _rebuild_tensor(storage, offset, size, stride, *rest):
    return torch.as_strided(storage, tuple(size), tuple(stride), offset).clone()


def _rebuild_parameter(data, *rest):
    return data


_STORAGE_DTYPES = {
    'FloatStorage': torch.float32, 'DoubleStorage': torch.float64, 'HalfStorage': torch.float16, 'BFloat16Storage': torch.bfloat16,
    'LongStorage': torch.int64, 'IntStorage': torch.int32, 'ShortStorage': torch.int16, 'CharStorage': torch.int8,
    'ByteStorage': torch.uint8, 'BoolStorage': torch.bool,
}
# globals the restricted reader resolves itself (no code of the file's choosing runs)
_ALLOWED = {
    ('torch._utils', '_rebuild_tensor_v2'): _rebuild_tensor,
    ('torch._utils', '_rebuild_parameter'): _rebuild_parameter,
    ('torch._utils', '_rebuild_parameter_with_state'): _rebuild_parameter,
    ('torch', 'Size'): torch.Size,
    ('collections', 'OrderedDict'): __import__('collections').OrderedDict,
    ('builtins', 'set'): set,
    ('builtins', 'frozenset'): frozenset,
    ('_codecs', 'encode'): __import__('codecs').encode,
}


class _StorageType:
    def __init__(self, dtype):
        self.dtype = dtype


class _RestrictedUnpickler(pickle.Unpickler):
    """Reads the data.pkl of a torch.save zip: tensors from the zip's records, every class outside
    _ALLOWED an inert _Opaque. Does not go through torch.load (whose pickle_module is ignored by
    some torch versions when weights_only is False)."""

    def __init__(self, f, zf, root):
        super().__init__(f, encoding='utf-8')
        self.zf, self.root, self.opaque, self.storages = zf, root, {}, {}

    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return _ALLOWED[(module, name)]
        if module in ('torch', 'torch.storage') and name in _STORAGE_DTYPES:
            return _StorageType(_STORAGE_DTYPES[name])
        if module == 'torch' and isinstance(getattr(torch, name, None), torch.dtype):
            return getattr(torch, name)
        key = (module, name)
        if key not in self.opaque:
            self.opaque[key] = type(name, (_Opaque,), {'_where': key})
        return self.opaque[key]

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == 'storage' and isinstance(pid[1], _StorageType)):
            raise ConvertError(f'unsupported storage record {str(pid)[:80]}')
        key = str(pid[2])
        if key not in self.storages:
            raw = bytearray(self.zf.read(f'{self.root}/data/{key}'))
            self.storages[key] = torch.frombuffer(raw, dtype=pid[1].dtype) if raw else torch.empty(0, dtype=pid[1].dtype)
        return self.storages[key]


def _restricted_load(path):
    import zipfile
    if not zipfile.is_zipfile(path):
        raise ConvertError(f'{path}: not a torch.save zip archive (the pre-1.6 format, or not a checkpoint at all)')
    with zipfile.ZipFile(path) as zf:
        pkl = [n for n in zf.namelist() if n.endswith('/data.pkl') and n.count('/') == 1]
        if len(pkl) != 1:
            raise ConvertError(f'{path}: a zip, but not one torch.save wrote (no single <archive>/data.pkl)')
        root = pkl[0].split('/')[0]
        if f'{root}/byteorder' in zf.namelist() and zf.read(f'{root}/byteorder').strip() != b'little':
            raise ConvertError(f'{path}: big-endian tensors are not supported')
        return _RestrictedUnpickler(io.BytesIO(zf.read(pkl[0])), zf, root).load()


def load_checkpoint(path, trust_pickle=False):
    """(object, how it was loaded)."""
    if not os.path.isfile(path):
        raise ConvertError(f'{path}: no such file')
    first_line = lambda e: (str(e).splitlines() or [''])[0][:200]
    if trust_pickle:
        try:
            try:
                return torch.load(path, map_location='cpu', weights_only=False), 'torch.load(weights_only=False) (--trust-pickle)'
            except TypeError:  # torch < 1.13 has no weights_only
                return torch.load(path, map_location='cpu'), 'torch.load (--trust-pickle)'
        except Exception as e:
            raise ConvertError(f'{path}: torch.load could not read it ({type(e).__name__}: {first_line(e)})')
    try:
        return torch.load(path, map_location='cpu', weights_only=True), 'torch.load(weights_only=True)'
    except Exception as e:
        first = e
    try:
        return _restricted_load(path), 'restricted unpickler (weights_only=True refused a non-tensor object; other classes kept as inert placeholders)'
    except ConvertError:
        raise
    except Exception as e:
        raise ConvertError(f'{path}: not a torch.save file this converter can read safely ({type(first).__name__}; restricted unpickler: '
                           f'{type(e).__name__}: {first_line(e)}); --trust-pickle loads it with weights_only=False if you trust its source')


# ---------------- reading the official state dict ----------------
def read_inner_params(args, ckpt):
    """(inner params, where they came from, mend settings dict or {})."""
    settings = {}
    run_cfg = None
    if args.run_config:
        try:
            text = open(args.run_config).read()
        except OSError as e:
            raise ConvertError(f'--run-config: {e}')
        try:
            run_cfg = json.loads(text)
        except ValueError:
            try:
                import yaml
                run_cfg = yaml.safe_load(text)
            except Exception:
                raise ConvertError(f'--run-config {args.run_config} is neither JSON nor YAML this Python can read')
        if not isinstance(run_cfg, dict):
            raise ConvertError(f'--run-config {args.run_config} is not a mapping')
        settings = run_cfg.get('mend') if isinstance(run_cfg.get('mend'), dict) else run_cfg
    if args.inner_params:
        return list(args.inner_params), '--inner-params', settings
    if run_cfg is not None:
        ip = (run_cfg.get('model') or {}).get('inner_params') if isinstance(run_cfg.get('model'), dict) else None
        ip = ip or run_cfg.get('inner_params')
        if not isinstance(ip, list) or not ip:
            raise ConvertError(f'--run-config {args.run_config} has no model.inner_params (nor inner_params)')
        return [str(x) for x in ip], f'--run-config {os.path.basename(args.run_config)}', settings
    saved = ckpt.get('config') if isinstance(ckpt, dict) else None
    if isinstance(saved, dict):
        ip = (saved.get('model') or {}).get('inner_params') if isinstance(saved.get('model'), dict) else saved.get('inner_params')
        if isinstance(ip, list) and ip:
            s = saved.get('mend') if isinstance(saved.get('mend'), dict) else saved
            return [str(x) for x in ip], "the checkpoint's saved config", s
    if args.preset:
        return list(PRESETS[args.preset]), f'--preset {args.preset}', settings
    raise ConvertError('the checkpoint does not record its inner params (the official trainer keeps them in the run folder\'s config.json): '
                       'pass --inner-params in the training config\'s order, --run-config, or --preset rome-gpt2-xl')


def check_settings(settings):
    """The MEND options the state dict cannot show. Returns norm."""
    get = lambda k, d: settings.get(k, d) if isinstance(settings, dict) else d
    if get('init', 'id') != 'id':
        raise ConvertError(f"mend.init is {get('init', 'id')!r}: only init 'id' (the residual IDMLP) has the form this project's editor computes")
    if get('mlp_class', 'IDMLP') != 'IDMLP':
        raise ConvertError(f"mend.mlp_class is {get('mlp_class', 'IDMLP')!r}: only IDMLP is supported")
    norm = get('norm', True)
    if not isinstance(norm, bool):
        raise ConvertError(f'mend.norm is {norm!r}, not true/false')
    return norm


def as_tensor(key, v):
    if not isinstance(v, torch.Tensor):
        raise ConvertError(f'{key} is a {type(v).__name__}, not a tensor')
    if v.dtype not in FLOATS:
        raise ConvertError(f'{key} has dtype {v.dtype}: a floating-point tensor (f16, bf16, f32, f64) expected')
    return v.detach().to('cpu', torch.float32)


def parse_state(sd):
    """{'prefix', 'edit_lrs', 'transforms': {id: {'stats': {...}, 'nets': {net: {j: {part: tensor}}}}}, 'dropped': n, 'model_config': fields}"""
    if not isinstance(sd, dict):
        raise ConvertError(f'the checkpoint\'s "model" entry is a {type(sd).__name__}, not a state dict')
    out = {'transforms': {}, 'dropped': 0, 'model_config': {}}
    prefixes = {k.split('.', 1)[0] for k in sd if isinstance(k, str) and k.startswith(('mend.', 'gtn.'))}
    if not prefixes:
        raise ConvertError('no MEND editor keys in the state dict (expected mend.<shape>.* or gtn.<shape>.*)')
    if len(prefixes) > 1:
        raise ConvertError('the state dict has both mend.* and gtn.* keys')
    prefix = prefixes.pop()
    out['prefix'] = prefix
    for k, v in sd.items():
        if not isinstance(k, str):
            raise ConvertError(f'unexpected key {k!r} in the state dict')
        if k.startswith('model.'):
            out['dropped'] += 1
            continue
        if k == 'model_config':
            out['model_config'] = v.fields() if isinstance(v, _Opaque) else (vars(v) if hasattr(v, '__dict__') else {})
            continue
        if k == 'edit_lrs':
            out['edit_lrs'] = as_tensor(k, v)
            continue
        if not k.startswith(prefix + '.'):
            raise ConvertError(f'unexpected key {k} in the state dict (not model.*, model_config, edit_lrs or {prefix}.*)')
        tid, _, rest = k[len(prefix) + 1:].partition('.')
        tr = out['transforms'].setdefault(tid, {'stats': {}, 'nets': {}})
        if rest in STAT_NAMES:
            tr['stats'][rest] = as_tensor(k, v)
            continue
        m = LAYER_KEY.match(rest)
        if not m:
            raise ConvertError(f'unexpected key {k} (this converter knows GradientTransform buffers and IDMLP/LRLinear layers)')
        net, j, part = m.group(1), int(m.group(2)), m.group(3).replace('.weight', '')
        tr['nets'].setdefault(net, {}).setdefault(j, {})[part] = as_tensor(k, v)
    if 'edit_lrs' not in out:
        raise ConvertError('the state dict has no edit_lrs')
    return out


def net_layers(tid, net, layers, dim, key):
    """The layers of one IDMLP on a dim-wide input: [{u, v, bias, mode_scale|None, mode_shift|None}]."""
    n = len(layers)
    if sorted(layers) != list(range(n)):
        raise ConvertError(f'{key}.{tid}.{net}: layers {sorted(layers)} are not 0..{n - 1}')
    out = []
    for j in range(n):
        p = layers[j]
        what = f'{key}.{tid}.{net}.layers.{j}'
        for part in ('u', 'v', 'bias'):
            if part not in p:
                raise ConvertError(f'{what}.{part} is missing')
        if (('mode_scale' in p) != ('mode_shift' in p)):
            raise ConvertError(f'{what} has only one of mode_scale/mode_shift')
        u, v, b = p['u'], p['v'], p['bias']
        if u.dim() != 2 or u.shape[0] != dim or v.dim() != 2 or v.shape != (u.shape[1], dim) or b.shape != (dim,):
            raise ConvertError(f'{what}: shapes u {list(u.shape)}, v {list(v.shape)}, bias {list(b.shape)} do not fit an LRLinear on {dim} inputs '
                               f'(u [{dim}, r], v [r, {dim}], bias [{dim}])')
        if u.shape[1] > dim:
            raise ConvertError(f'{what}: rank {u.shape[1]} exceeds the width {dim}')
        sc, sh = p.get('mode_scale'), p.get('mode_shift')
        if sc is not None and (sc.dim() != 2 or sc.shape[1] != dim or sh.shape != sc.shape):
            raise ConvertError(f'{what}: mode_scale {list(sc.shape)} / mode_shift {list(sh.shape)} are not [n_modes, {dim}]')
        out.append({'u': u, 'v': v, 'bias': b, 'mode_scale': sc, 'mode_shift': sh})
    return out


def our_layers(tid, tr, din, dout, rows, n_hidden_seen, key):
    """The transform as our format's layers, block-diagonal when the checkpoint has separate u and δ nets.
    rows: for each of our modes, the official mode (row of mode_scale/mode_shift), or None when it has no modes."""
    nets = tr['nets']
    D = din + dout
    if 'mlp' in nets and ('mlp1' in nets or 'mlp2' in nets):
        raise ConvertError(f'{key}.{tid} has both a combined mlp and mlp1/mlp2')
    if not nets:
        raise ConvertError(f'{key}.{tid} has no MLP layers')
    if 'mlp' in nets:
        parts = [(0, D, net_layers(tid, 'mlp', nets['mlp'], D, key))]
    else:
        parts = []
        if 'mlp1' in nets:
            parts.append((0, din, net_layers(tid, 'mlp1', nets['mlp1'], din, key)))
        if 'mlp2' in nets:
            parts.append((din, dout, net_layers(tid, 'mlp2', nets['mlp2'], dout, key)))
    n_layers = {len(p[2]) for p in parts}
    if len(n_layers) != 1:
        raise ConvertError(f'{key}.{tid}: the u and δ networks have different depths {sorted(n_layers)}')
    n = n_layers.pop()
    if n_hidden_seen is not None and n != n_hidden_seen + 1:
        raise ConvertError(f'{key}.{tid} has {n} layers, another transform {n_hidden_seen + 1}: our format needs one depth')
    out = []
    for j in range(n):
        r = sum(p[2][j]['u'].shape[1] for p in parts)
        u, v, b = torch.zeros(D, r), torch.zeros(r, D), torch.zeros(D)
        sc, sh = torch.ones(len(rows), D), torch.zeros(len(rows), D)
        c = 0
        for off, dim, ls in parts:
            L = ls[j]
            rr = L['u'].shape[1]
            u[off:off + dim, c:c + rr] = L['u']
            v[c:c + rr, off:off + dim] = L['v']
            b[off:off + dim] = L['bias']
            c += rr
            for m, row in enumerate(rows):
                if row is None:
                    if L['mode_scale'] is not None:
                        raise ConvertError(f'{key}.{tid}: has mode_scale/mode_shift but is not a shared transform')
                    continue
                if L['mode_scale'] is None:
                    raise ConvertError(f'{key}.{tid} (shared) has no mode_scale/mode_shift at layer {j}')
                if row >= L['mode_scale'].shape[0]:
                    raise ConvertError(f'{key}.{tid} has {L["mode_scale"].shape[0]} modes, the inner params need mode {row}: '
                                       'the inner params do not match the training config')
                sc[m, off:off + dim] = L['mode_scale'][row]
                sh[m, off:off + dim] = L['mode_shift'][row]
        out.append({'u': u, 'v': v, 'bias': b, 'mode_scale': sc, 'mode_shift': sh})
    return out


def convert(ckpt, inner, model_cfg, norm):
    """(our tensors, layers, rank, n_hidden, info) from the loaded checkpoint."""
    if not isinstance(ckpt, dict):
        raise ConvertError(f'the checkpoint holds a {type(ckpt).__name__}, not the trainer\'s dict')
    if 'model' in ckpt and isinstance(ckpt['model'], dict):
        sd, layout = ckpt['model'], 'trainer state (model/opt/lr_opt/val_stats/step)'
    elif any(isinstance(k, str) and k.startswith(('mend.', 'gtn.')) for k in ckpt):
        sd, layout = ckpt, 'bare MEND state dict'
    else:
        raise ConvertError('the checkpoint has no "model" state dict (the official trainer saves {"model", "opt", "lr_opt", "val_stats", "step", ...})')
    st = parse_state(sd)
    key = st['prefix']

    d, L = model_cfg['n_embd'], model_cfg['n_layer']
    inner_dim = model_cfg.get('n_inner') or 4 * d
    mc = st['model_config']
    for a, b in (('n_embd', d), ('n_layer', L)):
        if isinstance(mc.get(a), int) and mc[a] != b:
            raise ConvertError(f'the checkpoint was trained for a model with {a} = {mc[a]}, --model-config has {b}')
    dims = {'mlp.c_fc': (d, inner_dim), 'mlp.c_proj': (inner_dim, d)}

    # inner params -> (layer, kind); the same layers for both kinds
    if len(set(inner)) != len(inner):
        raise ConvertError('the inner params list a weight twice')
    where = {}
    for n in inner:
        m = INNER.match(n)
        if not m:
            raise ConvertError(f'inner param {n} is not an MLP c_fc/c_proj weight of a GPT-2 block: this project\'s MEND format edits only those')
        if int(m.group(1)) >= L:
            raise ConvertError(f'inner param {n}: the model has {L} layers')
        where[n] = (int(m.group(1)), m.group(2))
    by_kind = {k: sorted(l for l, kk in where.values() if kk == k) for k in WEIGHTS}
    if by_kind['mlp.c_fc'] != by_kind['mlp.c_proj']:
        raise ConvertError(f'the inner params edit c_fc in layers {by_kind["mlp.c_fc"]} and c_proj in {by_kind["mlp.c_proj"]}: '
                           'this project\'s format edits both weights of the same layers')
    layers = by_kind['mlp.c_fc']
    if st['edit_lrs'].shape != (len(inner),):
        raise ConvertError(f'edit_lrs has shape {list(st["edit_lrs"].shape)}, the {len(inner)} inner params need [{len(inner)}]')

    ids = set(st['transforms'])
    shared = all(re.fullmatch(r'\(\d+, ?\d+\)', t) for t in ids)
    if not shared and not all('#' in t for t in ids):
        raise ConvertError(f'transform keys {sorted(ids)} are neither weight shapes (mend.shared) nor parameter names')
    # which official transform and mode serve our (kind, mode)
    plan = {}
    for k in WEIGHTS:
        if shared:
            same = [n for n in inner if dims[where[n][1]] == dims[k]]  # algs/mend.py shape_dict: inner_params order
            tid = str(tuple(dims[k]))
            rows = [same.index(param_name(l, k)) for l in layers]
        else:
            if len(layers) != 1:
                raise ConvertError(f'the checkpoint is not shared (one transform per weight) and edits {len(layers)} layers: this project\'s format '
                                   'shares one transform per weight kind across layers, so it holds a non-shared editor only for a single layer')
            tid = param_name(layers[0], k).replace('.', '#')
            rows = [None]
        if tid not in ids:
            raise ConvertError(f'the state dict has no {key}.{tid}.* for {k} [{dims[k][0]}, {dims[k][1]}] '
                               f'(it has {", ".join(sorted(ids))}): the inner params or --model-config do not match the checkpoint')
        plan[k] = (tid, rows)
    unused = ids - {t for t, _ in plan.values()}
    if unused:
        raise ConvertError(f'the state dict has transforms {sorted(unused)} that no inner param uses')

    t = {}
    n_hidden = None
    per_kind = {}
    info_std = []
    for k in WEIGHTS:
        tid, rows = plan[k]
        tr = st['transforms'][tid]
        din, dout = dims[k]
        for n in ('u_mean', 'u_std', 'v_mean', 'v_std'):
            if n not in tr['stats']:
                raise ConvertError(f'{key}.{tid}.{n} is missing')
        for n, dim in (('u_mean', din), ('u_std', din), ('v_mean', dout), ('v_std', dout)):
            if tr['stats'][n].shape != (dim,):
                raise ConvertError(f'{key}.{tid}.{n} has shape {list(tr["stats"][n].shape)}, [{dim}] expected')
            if not torch.isfinite(tr['stats'][n]).all():
                raise ConvertError(f'{key}.{tid}.{n} is not finite (the editor was never trained?)')
        # cross-check the stored std with the Welford accumulators (std = sqrt(s / (k - 1)), algs/mend.py)
        s_k = tr['stats'].get('k')
        if s_k is not None and s_k.numel() == 1 and float(s_k) >= 2 and 'u_s' in tr['stats'] and 'v_s' in tr['stats']:
            kk = float(s_k)
            for n in ('u', 'v'):
                want = (tr['stats'][n + '_s'].double() / (kk - 1)).clamp(min=0).sqrt()
                got = tr['stats'][n + '_std'].double()
                info_std.append(float((got - want).norm() / max(float(want.norm()), 1e-30)))
        ls = our_layers(tid, tr, din, dout, rows, n_hidden, key)
        n_hidden = len(ls) - 1
        per_kind[k] = ls
        if norm:
            t[f'{k}.u_mean'], t[f'{k}.u_std'] = tr['stats']['u_mean'], tr['stats']['u_std']
            t[f'{k}.v_mean'], t[f'{k}.v_std'] = tr['stats']['v_mean'], tr['stats']['v_std']
        else:  # mend.norm false: no normalisation, i.e. (x - 0) / ((1 - eps) + eps)
            t[f'{k}.u_mean'], t[f'{k}.u_std'] = torch.zeros(din), torch.full((din,), 1 - NORM_EPS)
            t[f'{k}.v_mean'], t[f'{k}.v_std'] = torch.zeros(dout), torch.full((dout,), 1 - NORM_EPS)
    # one rank for the file: pad narrower layers with zero columns/rows (they add nothing)
    rank = max(L_['u'].shape[1] for ls in per_kind.values() for L_ in ls)
    for k, ls in per_kind.items():
        D = sum(dims[k])
        for j, L_ in enumerate(ls):
            r = L_['u'].shape[1]
            u = torch.zeros(D, rank)
            u[:, :r] = L_['u']
            v = torch.zeros(rank, D)
            v[:r] = L_['v']
            t[f'{k}.layers.{j}.u'], t[f'{k}.layers.{j}.v'] = u, v
            t[f'{k}.layers.{j}.bias'] = L_['bias']
            t[f'{k}.layers.{j}.mode_scale'], t[f'{k}.layers.{j}.mode_shift'] = L_['mode_scale'], L_['mode_shift']
    # edit_lrs: ours layer-major [l.c_fc, l.c_proj], negated (official W <- W + lr * grad~)
    lrs = st['edit_lrs']
    t['edit_lrs'] = torch.tensor([-float(lrs[inner.index(param_name(l, k))]) for l in layers for k in WEIGHTS])
    for n, x in t.items():
        if not torch.isfinite(x).all():
            raise ConvertError(f'{n} (converted) is not finite')
    nets = sorted({n for tid, _ in plan.values() for n in st['transforms'][tid]['nets']})
    info = {
        'layout': layout,
        'key_prefix': key,
        'shared': shared,
        'networks': 'combined (mend.combine)' if nets == ['mlp'] else f'separate {"+".join(nets)} written block-diagonal',
        'dropped_model_keys': st['dropped'],
        'std_vs_welford_rel': max(info_std) if info_std else None,
        'edit_lrs_official': [float(x) for x in lrs],
    }
    return t, layers, rank, n_hidden, info


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Convert a MEND checkpoint (eric-mitchell/mend trainer state, e.g. ROME's hosted mend-*-gpt2-xl.pt) to "
                    "mend_editor.safetensors + mend_editor.json.",
        epilog='Security: a .pt file is a pickle. Without --trust-pickle it is read with torch.load(weights_only=True) or, '
               'when that refuses (the official checkpoint pickles a transformers config), by a restricted reader of the '
               'torch.save zip that runs no code from the file. --trust-pickle uses torch.load(weights_only=False), which can '
               'run arbitrary code: only for files from a source you trust. Inner params: --inner-params, else --run-config, '
               'else a config saved in the checkpoint, else --preset (the official checkpoint records none).')
    p.add_argument('checkpoint', help='the .pt file torch.save wrote')
    p.add_argument('--model-config', required=True, help="the Hugging Face config.json of the GPT-2 the editor was trained for (or its folder)")
    p.add_argument('--inner-params', nargs='+', metavar='NAME',
                   help='the edited weights IN THE TRAINING CONFIG\'S ORDER (model.inner_params): edit_lrs and the modes follow it')
    p.add_argument('--run-config', help="the training run's config.json (or an EasyEdit MEND hparams .yaml): inner params and mend.* options")
    p.add_argument('--preset', choices=sorted(PRESETS), help='inner params of a known published checkpoint (rome-gpt2-xl: layers 45-47, '
                   'c_proj before c_fc, as in ROME baselines/mend/config/model/gpt2xl.yaml)')
    p.add_argument('--out', required=True, help='folder for mend_editor.safetensors + mend_editor.json (e.g. the model\'s folder)')
    p.add_argument('--trust-pickle', action='store_true', help='torch.load(weights_only=False): RUNS CODE FROM THE FILE; trusted files only')
    args = p.parse_args(argv)

    try:
        mc_path = os.path.join(args.model_config, 'config.json') if os.path.isdir(args.model_config) else args.model_config
        try:
            model_cfg = json.load(open(mc_path))
        except (OSError, ValueError) as e:
            raise ConvertError(f'--model-config {mc_path}: {e}')
        for k in ('n_layer', 'n_embd', 'n_head', 'vocab_size'):
            if not isinstance(model_cfg.get(k), int):
                raise ConvertError(f'--model-config {mc_path} has no integer {k}: a GPT-2 config.json expected')
        ckpt, how = load_checkpoint(args.checkpoint, args.trust_pickle)
        inner, source, settings = read_inner_params(args, ckpt if isinstance(ckpt, dict) else {})
        norm = check_settings(settings)
        t, layers, rank, n_hidden, info = convert(ckpt, inner, model_cfg, norm)
        ed = Editor(model_cfg, layers, rank, n_hidden, 0.0)
        ed.load_tensors(t)
        h = hashlib.sha256()
        with open(args.checkpoint, 'rb') as fh:
            for b in iter(lambda: fh.read(1 << 24), b''):
                h.update(b)
        step = ckpt.get('step') if isinstance(ckpt.get('step'), int) else None
        vs = ckpt.get('val_stats') if isinstance(ckpt.get('val_stats'), dict) else {}
        vs = {k: v for k, v in vs.items() if isinstance(k, str) and isinstance(v, (int, float)) and math.isfinite(v)}
        extra = {
            'model_dir': os.path.dirname(mc_path) or '.',
            'converted_from': {
                'source': 'eric-mitchell/mend checkpoint, converted by training/convert_mend.py',
                'checkpoint': os.path.basename(args.checkpoint), 'sha256': h.hexdigest(), 'loaded_with': how,
                'step': step, 'val_stats': vs, **info,
                'inner_params_official_order': inner, 'inner_params_source': source,
                'edit_lrs_note': 'edit_lrs_official is in inner_params_official_order; official W <- W + edit_lr * sum x~ (x) d~ (algs/mend.py), '
                                 'ours dW = -edit_lrs * sum in our layer-major order: written negated and reordered',
                'assumed': {'init': 'id', 'mlp_class': 'IDMLP', 'norm': norm},
            },
        }
        save_editor(args.out, model_cfg, ed, **extra)
    except ConvertError as e:
        print(f'convert_mend: error: {e}', file=sys.stderr)
        return 2
    except Exception as e:  # anything not foreseen: still one line
        msg = str(e).splitlines()[0] if str(e) else ''
        print(f'convert_mend: error: unexpected {type(e).__name__}: {msg}', file=sys.stderr)
        return 2
    print(f'wrote {args.out}/mend_editor.safetensors + mend_editor.json: layers {layers}, rank {rank}, n_hidden {n_hidden}, '
          f'{info["networks"]}, inner params from {source}; loaded with {how}')
    if info['std_vs_welford_rel'] is not None and info['std_vs_welford_rel'] > 1e-3:
        print(f'note: the stored u_std/v_std differ from sqrt(s/(k-1)) by {info["std_vs_welford_rel"]:.2e} (relative); '
              'the stored ones are used, as the official code does at edit time')
    return 0


if __name__ == '__main__':
    sys.exit(main())
