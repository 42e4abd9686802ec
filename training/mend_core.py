"""MEND (Mitchell et al., "Fast Model Editing at Scale", ICLR 2022) for GPT-2 in
the Hugging Face layout: the model forward with the edited weights' factors,
the editor (gradient transform), the editor's safetensors + config format.
Shared by train_mend.py (training, golden) and convert_mend.py.

Editor file (mend_editor.safetensors, F32), for each edited weight kind
k in (mlp.c_fc, mlp.c_proj), one gradient transform shared by the edited layers:
  k.u_mean [in], k.u_std [in], k.v_mean [out], k.v_std [out]   normalisation (fixed)
  k.layers.j.{u [D, r], v [r, D], bias [D], mode_scale [n_modes, D], mode_shift [n_modes, D]}
with D = in + out; and edit_lrs [n_params] in inner_params order.
Editor layer j:  x <- x + relu((x vᵀ uᵀ + bias) * mode_scale[m] + mode_shift[m]),  m = the
layer's index among the edited layers. ΔW = −edit_lr · Σ_t ũ_t ⊗ δ̃_t.
"""
import json, math, os, struct

import numpy as np
import torch
import torch.nn.functional as F

WEIGHTS = ('mlp.c_fc', 'mlp.c_proj')
NORM_EPS = 1e-7


# ---------------- safetensors ----------------
def read_safetensors(path, dtype=torch.float32):
    raw = open(path, 'rb').read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        a, b = info['data_offsets']
        dt = {'F16': np.float16, 'F32': np.float32}[info['dtype']]
        out[name] = torch.tensor(np.frombuffer(raw[8 + n + a:8 + n + b], dtype=dt).reshape(info['shape']).astype(np.float64)).to(dtype)
    return out


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for n, t in tensors.items():
        b = t.detach().cpu().numpy().astype(np.float32).tobytes()
        header[n] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header['__metadata__'] = {'format': 'mend-editor'}
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as fh:
        fh.write(struct.pack('<Q', len(h)))
        fh.write(h)
        for b in blobs:
            fh.write(b)
    os.replace(tmp, path)


def load_gpt2(model_dir, dtype=torch.float32, weights_file='model.safetensors'):
    cfg = json.load(open(os.path.join(model_dir, 'config.json')))
    W = read_safetensors(os.path.join(model_dir, weights_file), dtype)
    W = {(k if k.startswith('transformer.') else 'transformer.' + k): v for k, v in W.items() if not k.startswith('lm_head')}
    return cfg, W


def param_name(layer, kind):
    return f'transformer.h.{layer}.{kind}.weight'


# ---------------- GPT-2 forward with ΔW on the edited weights ----------------
def forward(cfg, W, ids, dW=None, capture=None):
    """Logits [B, T, V] for right-padded ids [B, T] (causal attention: padding never reaches
    real rows). dW: {param name: ΔW} added to those weights. capture: a dict filled with
    {param name: (layer input u, layer output y)} for the weights in capture['names']."""
    D, L, H = cfg['n_embd'], cfg['n_layer'], cfg['n_head']
    eps = cfg['layer_norm_epsilon']
    dW = dW or {}
    B, T = ids.shape
    ln = lambda x, n: F.layer_norm(x, (D,), W[n + '.weight'], W[n + '.bias'], eps)
    h = W['transformer.wte.weight'][ids] + W['transformer.wpe.weight'][:T][None]
    if capture is not None and not h.requires_grad:
        h.requires_grad_(True)  # so the captured outputs have gradients when the weights do not
    neg = torch.full((T, T), float('-inf'), dtype=h.dtype).triu(1)
    for l in range(L):
        pre = f'transformer.h.{l}.'
        a = ln(h, pre + 'ln_1') @ W[pre + 'attn.c_attn.weight'] + W[pre + 'attn.c_attn.bias']
        q, k, v = a.split(D, dim=2)
        q, k, v = (t.view(B, T, H, D // H).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(D // H) + neg
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(B, T, D)
        h = h + y @ W[pre + 'attn.c_proj.weight'] + W[pre + 'attn.c_proj.bias']
        x2 = ln(h, pre + 'ln_2')
        n_fc, n_proj = param_name(l, 'mlp.c_fc'), param_name(l, 'mlp.c_proj')
        w_fc = W[n_fc] + dW[n_fc] if n_fc in dW else W[n_fc]
        w_proj = W[n_proj] + dW[n_proj] if n_proj in dW else W[n_proj]
        z = x2 @ w_fc + W[pre + 'mlp.c_fc.bias']
        m = F.gelu(z, approximate='tanh')
        o = m @ w_proj + W[pre + 'mlp.c_proj.bias']
        if capture is not None:
            if n_fc in capture['names']:
                capture[n_fc] = (x2, z)
            if n_proj in capture['names']:
                capture[n_proj] = (m, o)
        h = h + o
    return ln(h, 'transformer.ln_f') @ W['transformer.wte.weight'].t()


def edit_sequence(prompt_ids, target_ids):
    """The teacher-forced edit input and the rows scoring each target token."""
    ids = list(prompt_ids) + list(target_ids[:-1])
    rows = [len(prompt_ids) - 1 + j for j in range(len(target_ids))]
    return ids, rows


def target_nll(logits_row, rows, target_ids):
    """Mean NLL of the target tokens (rows of a [T, V] logits)."""
    lp = logits_row[rows].log_softmax(-1)
    return -lp[torch.arange(len(rows)), torch.tensor(target_ids)].mean()


def edit_factors(cfg, W, names, prompt_ids, target_ids):
    """Per edited weight, the rank-one factors of the fine-tuning gradient: u_t (the layer's
    input) and δ_t = ∂loss/∂(layer output), loss = mean NLL of the target after the prompt.
    Rows [T, in] and [T, out] of the single edit sequence (zero rows are dropped later)."""
    ids, rows = edit_sequence(prompt_ids, target_ids)
    cap = {'names': set(names)}
    with torch.enable_grad():
        logits = forward(cfg, W, torch.tensor([ids]), capture=cap)
        loss = target_nll(logits[0], rows, target_ids)
        grads = torch.autograd.grad(loss, [cap[n][1] for n in names])
    return {n: (cap[n][0][0].detach(), g[0].detach()) for n, g in zip(names, grads)}, float(loss)


# ---------------- the editor ----------------
class GradientTransform(torch.nn.Module):
    """One per edited weight shape, shared across the edited layers (modes)."""

    def __init__(self, din, dout, rank, n_hidden, n_modes, dtype=torch.float32):
        super().__init__()
        D = din + dout
        r = min(rank, D)
        self.din, self.dout = din, dout
        self.us = torch.nn.ParameterList([torch.nn.Parameter(torch.zeros(D, r, dtype=dtype)) for _ in range(n_hidden + 1)])
        self.vs = torch.nn.ParameterList([torch.nn.Parameter(torch.randn(r, D, dtype=dtype)) for _ in range(n_hidden + 1)])
        self.biases = torch.nn.ParameterList([torch.nn.Parameter(torch.zeros(D, dtype=dtype)) for _ in range(n_hidden + 1)])
        self.scales = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(n_modes, D, dtype=dtype)) for _ in range(n_hidden + 1)])
        self.shifts = torch.nn.ParameterList([torch.nn.Parameter(torch.zeros(n_modes, D, dtype=dtype)) for _ in range(n_hidden + 1)])
        # running statistics (Welford), updated while training, fixed after
        for n, d in (('u', din), ('v', dout)):
            self.register_buffer(n + '_mean', torch.zeros(d, dtype=dtype))
            self.register_buffer(n + '_s', torch.zeros(d, dtype=dtype))
            self.register_buffer(n + '_std', torch.ones(d, dtype=dtype))
        self.register_buffer('k', torch.zeros((), dtype=dtype))
        self.update_stats = False

    def observe(self, u, v):
        for i in range(u.shape[0]):
            self.k += 1
            for n, x in (('u', u[i]), ('v', v[i])):
                m, s = getattr(self, n + '_mean'), getattr(self, n + '_s')
                new_m = m + (x - m) / self.k
                s += (x - m) * (x - new_m)
                m.copy_(new_m)
        if self.k >= 2:
            self.u_std.copy_((self.u_s / (self.k - 1)).sqrt())
            self.v_std.copy_((self.v_s / (self.k - 1)).sqrt())

    def forward(self, u, v, mode):
        keep = (u != 0).any(-1) & (v != 0).any(-1)  # tokens with no gradient carry no edit
        u, v = u[keep], v[keep]
        if self.update_stats:
            with torch.no_grad():
                self.observe(u, v)
        x = torch.cat(((u - self.u_mean) / (self.u_std + NORM_EPS), (v - self.v_mean) / (self.v_std + NORM_EPS)), -1)
        for U, V, b, sc, sh in zip(self.us, self.vs, self.biases, self.scales, self.shifts):
            pre = (x @ V.t()) @ U.t() + b
            x = x + ((pre * sc[mode] + sh[mode]).clamp(min=0))
        return x[:, :self.din], x[:, self.din:], u, v


class Editor(torch.nn.Module):
    def __init__(self, cfg, layers, rank, n_hidden, edit_lr, dtype=torch.float32):
        super().__init__()
        d = cfg['n_embd']
        inner = cfg.get('n_inner') or 4 * d
        self.layers = list(layers)
        self.names = [param_name(l, k) for l in self.layers for k in WEIGHTS]
        self.dims = {'mlp.c_fc': (d, inner), 'mlp.c_proj': (inner, d)}
        self.rank, self.n_hidden = rank, n_hidden
        self.gt = torch.nn.ModuleDict({k.replace('.', '_'): GradientTransform(*self.dims[k], rank, n_hidden, len(self.layers), dtype) for k in WEIGHTS})
        self.edit_lrs = torch.nn.Parameter(torch.full((len(self.names),), edit_lr, dtype=dtype))

    def kind_mode(self, name):
        l = int(name.split('.')[2])
        return name.split('.', 3)[3][:-len('.weight')], self.layers.index(l)

    def transform(self, factors):
        """{name: (ũ, δ̃, u kept, δ kept)} from {name: (u, δ)}."""
        out = {}
        for n in self.names:
            kind, mode = self.kind_mode(n)
            out[n] = self.gt[kind.replace('.', '_')](*factors[n], mode)
        return out

    def deltas(self, transformed):
        """ΔW = −η · Σ_t ũ_t ⊗ δ̃_t (Conv1D layout [in, out])."""
        return {n: -self.edit_lrs[i] * (transformed[n][0].t() @ transformed[n][1]) for i, n in enumerate(self.names)}

    def tensors(self):
        t = {'edit_lrs': self.edit_lrs}
        for k in WEIGHTS:
            g = self.gt[k.replace('.', '_')]
            for n in ('u_mean', 'u_std', 'v_mean', 'v_std'):
                t[f'{k}.{n}'] = getattr(g, n)
            for j in range(len(g.us)):
                t[f'{k}.layers.{j}.u'] = g.us[j]
                t[f'{k}.layers.{j}.v'] = g.vs[j]
                t[f'{k}.layers.{j}.bias'] = g.biases[j]
                t[f'{k}.layers.{j}.mode_scale'] = g.scales[j]
                t[f'{k}.layers.{j}.mode_shift'] = g.shifts[j]
        return t

    def load_tensors(self, t):
        with torch.no_grad():
            for n, p in self.tensors().items():
                if tuple(p.shape) != tuple(t[n].shape):
                    raise ValueError(f'{n}: shape {tuple(t[n].shape)} != {tuple(p.shape)}')
                p.copy_(t[n])


def editor_config(cfg, editor, **extra):
    return {
        'format': 'mend-editor',
        'version': 1,
        'model': {k: cfg[k] for k in ('n_layer', 'n_embd', 'n_head', 'vocab_size')},
        'layers': editor.layers,
        'weights': list(WEIGHTS),
        'inner_params': editor.names,
        'dims': {k: list(v) for k, v in editor.dims.items()},
        'rank': editor.rank,
        'n_hidden': editor.n_hidden,
        'norm_eps': NORM_EPS,
        'normalisation': 'fixed running statistics in the safetensors: <weight>.u_mean/u_std (layer input) and <weight>.v_mean/v_std (output gradient)',
        'update': 'ΔW = −edit_lrs[i] · Σ_t ũ_t ⊗ δ̃_t, Conv1D layout [in, out]; tokens whose u or δ is all zero are skipped',
        'edit_lrs': [float(x) for x in editor.edit_lrs.detach()],
        'edit_loss': 'mean NLL of the target tokens after the prompt (input = prompt + target[:-1])',
        **extra,
    }


def save_editor(out_dir, cfg, editor, **extra):
    os.makedirs(out_dir, exist_ok=True)
    write_safetensors(os.path.join(out_dir, 'mend_editor.safetensors'), editor.tensors())
    with open(os.path.join(out_dir, 'mend_editor.json'), 'w') as fh:
        json.dump(editor_config(cfg, editor, **extra), fh, indent=1)


def load_editor(out_dir, cfg, dtype=torch.float32):
    c = json.load(open(os.path.join(out_dir, 'mend_editor.json')))
    e = Editor(cfg, c['layers'], c['rank'], c['n_hidden'], 0.0, dtype)
    e.load_tensors(read_safetensors(os.path.join(out_dir, 'mend_editor.safetensors'), dtype))
    return e, c
