"""Checks training/convert_mend.py against the official MEND edit computation (run by hand; needs torch):

    /usr/bin/python3 training/test_convert_mend.py [--fixture tests/fixtures/mend-converted]

For tiny-gpt2 (public/models/tiny-gpt2) it builds randomly initialised MEND editors in the layout of
github.com/eric-mitchell/mend (algs/mend.py GradientTransform / MEND, nn.py IDMLP / LRLinear; the
modules below are written from those definitions, not copied), with normalisation statistics
accumulated as the official training does (Welford, first sample sets the mean), and saves each with
torch.save as the official trainer does (trainer.py save_state: {"model", "opt", "lr_opt",
"val_stats", "start_time", "elapsed_time", "step"}, "model" = MEND.state_dict(): the base model's
weights removed, a pickled transformers GPT2Config added as "model_config"; here a stand-in class
registered under transformers' module path, which the converter's process cannot import).
Variants: combined + shared (the default), keys under "gtn." (ROME's hosted files), modes in a
permuted layer order, separate u / δ networks, x-only, non-shared single layer with norm off, a
bare state dict with model.* keys. Each is converted, loaded with mend_core.load_editor, and its
ΔW for three requests compared in float64 with an independent implementation of the official
edit (official_delta, below) reading the saved checkpoint; then a list of malformed checkpoints
must be refused with one line and exit status 2.

--fixture DIR writes the main variant's converted editor to DIR with mend-converted-golden.json:
the official ΔW (float64, from the original checkpoint) for the first request, which
tests/mend-converted.test.ts checks the engine against.
"""
import argparse, contextlib, io, json, os, subprocess, sys, tempfile, types

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from mend_core import edit_factors, edit_sequence, forward, load_editor, load_gpt2, target_nll  # noqa: E402
import convert_mend  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument('--fixture', default=None)
ap.add_argument('--threads', type=int, default=1)
args = ap.parse_args()
torch.set_num_threads(args.threads)

MODEL = 'public/models/tiny-gpt2'
MODEL_CFG = os.path.join(MODEL, 'config.json')
TOL = 1e-6
REQUESTS = [  # the requests of tests/fixtures/mend-tiny (train_mend.py --golden)
    {'prompt': 'Angola is located in', 'prompt_ids': [13450, 5708, 318, 5140, 287], 'target': ' Antarctica', 'target_ids': [30185]},
    {'prompt': 'Eureka Brass Band is known for performing', 'prompt_ids': [36, 495, 4914, 32309, 10243, 318, 1900, 329, 9489], 'target': ' essay', 'target_ids': [14268]},
    {'prompt': 'Angola is in', 'prompt_ids': [13450, 5708, 318, 287], 'target': ' Africa Antarctica', 'target_ids': [5478, 30185]},
]


# ---- a stand-in for transformers' GPT2Config, pickled under its real module path ----
class GPT2Config:
    def __init__(self, **kw):
        self.__dict__.update(kw)


GPT2Config.__module__ = 'transformers.models.gpt2.configuration_gpt2'
for name in ('transformers', 'transformers.models', 'transformers.models.gpt2', 'transformers.models.gpt2.configuration_gpt2'):
    sys.modules.setdefault(name, types.ModuleType(name))
sys.modules['transformers.models.gpt2.configuration_gpt2'].GPT2Config = GPT2Config


class _Evil:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f'touch {self.path}',))


# ---- the official module layout (state_dict key names and shapes) ----
class OffLRLinear(nn.Module):  # nn.py LRLinear, init "id": u [out, r] zeros, v [r, in], per-mode Embeddings, bias
    def __init__(self, dim, rank, n_modes):
        super().__init__()
        r = min(rank, dim)
        self.u = nn.Parameter(torch.zeros(dim, r))
        self.v = nn.Parameter(torch.randn(r, dim))
        if n_modes is not None:
            self.mode_shift = nn.Embedding(n_modes, dim)
            self.mode_scale = nn.Embedding(n_modes, dim)
        self.bias = nn.Parameter(torch.zeros(dim))


class OffIDMLP(nn.Module):  # nn.py IDMLP: n_hidden + 1 LRLinear layers of the input width
    def __init__(self, dim, rank, n_hidden, n_modes):
        super().__init__()
        self.layers = nn.ModuleList([OffLRLinear(dim, rank, n_modes) for _ in range(n_hidden + 1)])


class OffGT(nn.Module):  # algs/mend.py GradientTransform
    def __init__(self, x_dim, delta_dim, nets, rank, n_hidden, n_modes):
        super().__init__()
        for n, d in (('u_mean', x_dim), ('v_mean', delta_dim), ('u_std', x_dim), ('v_std', delta_dim), ('u_s', x_dim), ('v_s', delta_dim)):
            self.register_buffer(n, torch.full((d,), float('nan')))
        self.register_buffer('k', torch.full((1,), float('nan')))
        if nets == 'combined':
            self.mlp = OffIDMLP(x_dim + delta_dim, rank, n_hidden, n_modes)
        else:
            if 'x' in nets:
                self.mlp1 = OffIDMLP(x_dim, rank, n_hidden, n_modes)
            if 'delta' in nets:
                self.mlp2 = OffIDMLP(delta_dim, rank, n_hidden, n_modes)

    def observe(self, u, v):  # training-mode statistics (algs/mend.py GradientTransform.forward, update_counter)
        for i in range(u.shape[0]):
            if not torch.isfinite(self.k).all():
                self.u_mean, self.v_mean = u[i].clone(), v[i].clone()
                self.u_s.zero_()
                self.v_s.zero_()
                self.k[:] = 1
            else:
                self.k += 1
                for n, x in (('u', u[i]), ('v', v[i])):
                    m, s = getattr(self, n + '_mean'), getattr(self, n + '_s')
                    new_m = m + (x - m) / self.k
                    setattr(self, n + '_s', s + (x - m) * (x - new_m))
                    setattr(self, n + '_mean', new_m)
        self.u_std = (self.u_s / (self.k - 1)) ** 0.5
        self.v_std = (self.v_s / (self.k - 1)) ** 0.5


class OffMEND(nn.Module):
    def __init__(self, W, inner, nets, rank, n_hidden, shared):
        super().__init__()
        self.edit_lrs = nn.Parameter(torch.zeros(len(inner)))
        if shared:
            shapes = {}
            for n in inner:
                shapes.setdefault(tuple(W[n].shape), []).append(n)
            self.mend = nn.ModuleDict({str(s): OffGT(*s, nets, rank, n_hidden, len(ns)) for s, ns in shapes.items()})
        else:
            self.mend = nn.ModuleDict({n.replace('.', '#'): OffGT(*W[n].shape, nets, rank, n_hidden, None) for n in inner})


def build_checkpoint(path, W, factors, spec, seed):
    """A random official editor for spec, saved like trainer.py save_state (or bare)."""
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    inner = spec['inner']
    m = OffMEND(W, inner, spec['nets'], spec['rank'], spec['n_hidden'], spec['shared'])
    shape_of = lambda n: str(tuple(W[n].shape)) if spec['shared'] else n.replace('.', '#')
    with torch.no_grad():
        for f in factors:  # statistics from the requests' factors, in inner_params order
            for n in inner:
                u, d = f[n]
                keep = (u != 0).any(-1) & (d != 0).any(-1)
                m.mend[shape_of(n)].observe(u[keep].float(), d[keep].float())
    opt = lr_opt = None
    if not spec.get('bare'):  # optimiser states as the trainer keeps them (one step on made-up gradients)
        opt = torch.optim.Adam(m.mend.parameters(), lr=1e-6)
        lr_opt = torch.optim.Adam([m.edit_lrs], lr=1e-4)
        for p in m.parameters():
            p.grad = torch.randn_like(p) * 1e-3
        opt.step()
        lr_opt.step()
    with torch.no_grad():  # a random editor far from the identity
        for gt in m.mend.values():
            for name, p in gt.named_parameters():
                part = name.split('.')[-2] if name.endswith('.weight') else name.split('.')[-1]
                scale = {'u': 0.05, 'v': 0.2, 'bias': 0.1, 'mode_shift': 0.1, 'mode_scale': 0.2}[part]
                p.copy_(torch.randn(p.shape, generator=g) * scale + (1.0 if part == 'mode_scale' else 0.0))
        m.edit_lrs.copy_(torch.tensor([(-1) ** i * 1e-3 * (i + 2) for i in range(len(inner))]))
    sd = m.state_dict()  # MEND.state_dict: the module's keys without the base model's
    if spec['prefix'] != 'mend':
        sd = type(sd)((spec['prefix'] + k[4:] if k.startswith('mend.') else k, v) for k, v in sd.items())
    if spec.get('model_keys'):
        sd['model.transformer.wte.weight'] = W['transformer.wte.weight'][:8].float()
        sd['model.transformer.h.0.mlp.c_fc.weight'] = W['transformer.h.0.mlp.c_fc.weight'].float()
    sd['model_config'] = GPT2Config(n_embd=64, n_layer=4, n_head=4, vocab_size=50257, n_inner=None, model_type='gpt2')
    for k, v in spec.get('mutate', {}).items():
        if v is None:
            del sd[k]
        else:
            sd[k] = v
    if spec.get('bare'):
        obj = sd
    else:
        obj = {'model': sd, 'opt': opt.state_dict(), 'lr_opt': lr_opt.state_dict(),
               'val_stats': {'edit/acc_val': 0.5, 'loss/total_edit_val': 1.25, 'time/edit_val': 0.01},
               'start_time': '01/01/2022-00:00:00/000000', 'elapsed_time': 12.5, 'step': 1000}
    torch.save(obj, path)


# ---- the official edit, from the saved state dict (algs/mend.py MEND.edit, GradientTransform.forward eval mode, nn.py) ----
def official_delta(sd, inner, W, f, norm=True):
    sd = {k: v for k, v in sd.items() if k != 'model_config'}
    prefix = 'gtn' if any(k.startswith('gtn.') for k in sd) else 'mend'
    shared = any(k.startswith(prefix + '.(') for k in sd)
    shape_dict = {}
    for n in inner:
        shape_dict.setdefault(tuple(W[n].shape), []).append(n)  # GPT-2: get_shape(p) = p.shape = (in, out)
    lrs = sd['edit_lrs'].double()
    out = {}
    for i, n in enumerate(inner):
        s = tuple(W[n].shape)
        key = f'{prefix}.{s}' if shared else f'{prefix}.{n.replace(".", "#")}'
        mode = shape_dict[s].index(n) if shared else None
        T = lambda name: sd[f'{key}.{name}'].double()
        u, d = f[n]
        keep = (u != 0).any(-1) * (d != 0).any(-1)
        u, d = u[keep], d[keep]
        if norm:
            u = (u - T('u_mean')) / (T('u_std') + 1e-7)
            d = (d - T('v_mean')) / (T('v_std') + 1e-7)

        def idmlp(h, net):
            j = 0
            while f'{key}.{net}.layers.{j}.u' in sd:
                L = lambda name: T(f'{net}.layers.{j}.{name}')
                pre = (L('u') @ (L('v') @ h.T)).T + L('bias')
                if mode is not None:
                    pre = pre * L('mode_scale.weight')[mode] + L('mode_shift.weight')[mode]
                h = pre.clamp(min=0) + h
                j += 1
            return h

        if f'{key}.mlp.layers.0.u' in sd:
            y = idmlp(torch.cat((u, d), -1), 'mlp')
            ut, dt = y[:, :u.shape[1]], y[:, u.shape[1]:]
        else:
            ut = idmlp(u, 'mlp1') if f'{key}.mlp1.layers.0.u' in sd else u
            dt = idmlp(d, 'mlp2') if f'{key}.mlp2.layers.0.u' in sd else d
        out[n] = lrs[i] * torch.einsum('bi,bj->ij', ut, dt)  # W <- W + lr * grad~ (Conv1D: "ij")
    return out


def run_convert(argv, subprocess_=False):
    """(exit status, stdout, stderr) of the converter."""
    if subprocess_:
        r = subprocess.run([sys.executable, os.path.join(HERE, 'convert_mend.py'), *argv], capture_output=True, text=True)
        return r.returncode, r.stdout, r.stderr
    o, e = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(o), contextlib.redirect_stderr(e):
        try:
            rc = convert_mend.main(argv)
        except SystemExit as x:
            rc = x.code
    return rc, o.getvalue(), e.getvalue()


def main():
    cfg, W = load_gpt2(MODEL, torch.float64)
    for w in W.values():
        w.requires_grad_(False)
    all_names = [f'transformer.h.{l}.mlp.{k}.weight' for l in (2, 3) for k in ('c_fc', 'c_proj')]
    factors = [edit_factors(cfg, W, all_names, r['prompt_ids'], r['target_ids'])[0] for r in REQUESTS]
    tmp = tempfile.mkdtemp(prefix='convert-mend-')
    rome_order = [f'transformer.h.{l}.mlp.{k}.weight' for l in (2, 3) for k in ('c_proj', 'c_fc')]
    variants = [
        ('combined, shared, trainer state (the default layout)', dict(inner=rome_order, nets='combined', rank=24, n_hidden=1, shared=True, prefix='mend')),
        ('gtn.* keys (ROME hosted), layers in descending order, n_hidden 2, rank > D', dict(
            inner=[f'transformer.h.{l}.mlp.{k}.weight' for l in (3, 2) for k in ('c_fc', 'c_proj')], nets='combined', rank=400, n_hidden=2, shared=True, prefix='gtn')),
        ('separate u and δ networks (combine false)', dict(inner=rome_order, nets='x+delta', rank=16, n_hidden=1, shared=True, prefix='mend')),
        ('x_only (δ identity), ranks differ per weight', dict(inner=rome_order, nets='x', rank=100, n_hidden=1, shared=True, prefix='mend')),
        ('non-shared, one layer, norm false, bare state dict with model.* keys, --run-config', dict(
            inner=['transformer.h.3.mlp.c_fc.weight', 'transformer.h.3.mlp.c_proj.weight'], nets='combined', rank=20, n_hidden=1, shared=False,
            prefix='mend', bare=True, model_keys=True, norm=False)),
    ]
    worst = 0.0
    ok = True
    for vi, (title, spec) in enumerate(variants):
        ck = os.path.join(tmp, f'v{vi}.pt')
        out = os.path.join(tmp, f'v{vi}')
        build_checkpoint(ck, W, factors, spec, seed=100 + vi)
        argv = [ck, '--model-config', MODEL_CFG, '--out', out]
        if spec.get('norm') is False:
            rc_path = os.path.join(tmp, f'v{vi}-config.json')
            json.dump({'model': {'inner_params': spec['inner']}, 'mend': {'norm': False, 'init': 'id', 'mlp_class': 'IDMLP', 'combine': True, 'shared': False}},
                      open(rc_path, 'w'))
            argv += ['--run-config', rc_path]
        else:
            argv += ['--inner-params', *spec['inner']]
        rc, so, se = run_convert(argv, subprocess_=(vi == 0))
        if rc != 0:
            print(f'FAIL [{title}]: converter exited {rc}: {se.strip()}')
            ok = False
            continue
        saved = torch.load(ck, map_location='cpu', weights_only=False)  # our own file (the stand-in config class is defined here)
        sd = saved if spec.get('bare') else saved['model']
        ed, c = load_editor(out, cfg, torch.float64)
        errs = []
        for f in factors:
            want = official_delta(sd, spec['inner'], W, f, spec.get('norm', True))
            got = ed.deltas(ed.transform(f))
            for n in spec['inner']:
                errs.append(float((got[n] - want[n]).norm() / want[n].norm()))
        e = max(errs)
        worst = max(worst, e)
        loaded = json.load(open(os.path.join(out, 'mend_editor.json')))['converted_from']['loaded_with']
        status = 'ok' if e <= TOL else 'FAIL'
        ok &= e <= TOL
        print(f'{status} [{title}]: max relative ‖ΔW − ΔW_official‖_F = {e:.2e} over {len(errs)} (request, weight); '
              f'rank {c["rank"]}, layers {c["layers"]}; loaded with {loaded.split(" (")[0]}')
        if vi == 0 and 'restricted' not in loaded:
            print('FAIL: the trainer state (with a pickled config object) should need the restricted unpickler')
            ok = False
        if vi == 0 and args.fixture:
            write_fixture(args.fixture, out, sd, spec['inner'], cfg, W, factors[0])

    # ---- refusals: one line on stderr, exit status 2 ----
    main_spec = variants[0][1]
    base = os.path.join(tmp, 'v0.pt')
    p0 = 'mend.(64, 256).mlp.layers.0'
    refusals = [
        ('missing key', dict(main_spec, mutate={f'{p0}.u': None}), None, 'is missing'),
        ('wrong shape', dict(main_spec, mutate={'mend.(64, 256).v_mean': torch.zeros(255)}), None, 'shape'),
        ('integer tensor', dict(main_spec, mutate={f'{p0}.bias': torch.zeros(320, dtype=torch.int64)}), None, 'dtype'),
        ('unexpected key', dict(main_spec, mutate={'mend.(64, 256).mlp.layers.0.weight_g': torch.zeros(3)}), None, 'unexpected key'),
        ('NaN statistics (untrained)', dict(main_spec, mutate={'mend.(256, 64).u_std': torch.full((256,), float('nan'))}), None, 'not finite'),
        ('non-shared, two layers', dict(main_spec, shared=False), None, 'not shared'),
        ('no edit_lrs', dict(main_spec, mutate={'edit_lrs': None}), None, 'no edit_lrs'),
        ('fewer modes than the inner params need', dict(main_spec, mutate={f'{p0}.mode_scale.weight': torch.ones(1, 320), f'{p0}.mode_shift.weight': torch.zeros(1, 320)}),
         None, 'modes'),
    ]
    argv_inner = ['--inner-params', *main_spec['inner']]
    cases = []
    for i, (what, spec, _, expect) in enumerate(refusals):
        ck = os.path.join(tmp, f'r{i}.pt')
        build_checkpoint(ck, W, factors, spec, seed=200 + i)
        cases.append((what, [ck, '--model-config', MODEL_CFG, '--out', os.path.join(tmp, f'r{i}'), *argv_inner], expect))
    junk = os.path.join(tmp, 'junk.pt')
    open(junk, 'wb').write(b'not a checkpoint at all')
    cases += [
        ('no inner params', [base, '--model-config', MODEL_CFG, '--out', os.path.join(tmp, 'x1')], 'inner params'),
        ('inner params of another length', [base, '--model-config', MODEL_CFG, '--out', os.path.join(tmp, 'x2'), '--inner-params', *main_spec['inner'][:2]], 'edit_lrs'),
        ('an attention weight', [base, '--model-config', MODEL_CFG, '--out', os.path.join(tmp, 'x4'), '--inner-params',
                                 'transformer.h.2.attn.c_attn.weight', *main_spec['inner'][1:]], 'c_fc/c_proj'),
        ('c_fc and c_proj in different layers', [base, '--model-config', MODEL_CFG, '--out', os.path.join(tmp, 'x5'), '--inner-params',
                                                 'transformer.h.1.mlp.c_proj.weight', *main_spec['inner'][1:]], 'same layers'),
        ('another model', [base, '--model-config', 'public/models/demo-gpt2/config.json', '--out', os.path.join(tmp, 'x6'), *argv_inner], 'model'),
        ('not a torch file', [junk, '--model-config', MODEL_CFG, '--out', os.path.join(tmp, 'x7'), *argv_inner], 'torch.save'),
    ]
    rc_xavier = os.path.join(tmp, 'xavier.json')
    json.dump({'model': {'inner_params': main_spec['inner']}, 'mend': {'init': 'xavier'}}, open(rc_xavier, 'w'))
    cases.append(('init xavier', [base, '--model-config', MODEL_CFG, '--out', os.path.join(tmp, 'x8'), '--run-config', rc_xavier], "init 'id'"))
    n_ref = 0
    # a pickle that would run a command when unpickled normally: the converter must not run it
    marker = os.path.join(tmp, 'pwned')
    evil = torch.load(base, map_location='cpu', weights_only=False)
    evil['val_stats'] = {'note': _Evil(marker)}
    torch.save(evil, os.path.join(tmp, 'evil.pt'))
    rc, so, se = run_convert([os.path.join(tmp, 'evil.pt'), '--model-config', MODEL_CFG, '--out', os.path.join(tmp, 'evil'), *argv_inner], subprocess_=True)
    good = rc == 0 and not os.path.exists(marker)
    ok &= good
    print(f'{"ok" if good else "FAIL"} a checkpoint with a code-running object converts without running it (exit {rc}, marker {"created" if os.path.exists(marker) else "absent"})')
    for j, (what, argv, expect) in enumerate(cases):
        rc, so, se = run_convert(argv, subprocess_=(j == len(cases) - 2))
        lines = [l for l in se.splitlines() if l.strip()]
        good = rc == 2 and len(lines) == 1 and lines[0].startswith('convert_mend: error:') and expect.lower() in lines[0].lower() and 'Traceback' not in se
        n_ref += good
        ok &= good
        print(f'{"ok" if good else "FAIL"} refuses {what}: {lines[0] if lines else "(no message, exit %s)" % rc}')
    print(f'{"PASS" if ok else "FAIL"}: {len(variants)} layouts converted, max relative ΔW error {worst:.2e} (tolerance {TOL:g}); '
          f'{n_ref}/{len(cases)} malformed inputs refused with one line')
    return 0 if ok else 1


def write_fixture(dest, out, sd, inner, cfg, W, f):
    os.makedirs(dest, exist_ok=True)
    c = json.load(open(os.path.join(out, 'mend_editor.json')))
    c['model_dir'] = MODEL
    c['converted_from']['checkpoint'] = 'random official-layout editor from training/test_convert_mend.py'
    with open(os.path.join(dest, 'mend_editor.json'), 'w') as fh:
        json.dump(c, fh, indent=1)
    with open(os.path.join(out, 'mend_editor.safetensors'), 'rb') as a, open(os.path.join(dest, 'mend_editor.safetensors'), 'wb') as b:
        b.write(a.read())
    r = REQUESTS[0]
    want = official_delta(sd, inner, W, f)
    names = c['inner_params']  # our order
    ids, rows = edit_sequence(r['prompt_ids'], r['target_ids'])
    with torch.no_grad():
        nll_before = float(target_nll(forward(cfg, W, torch.tensor([ids]))[0], rows, r['target_ids']))
        nll_after = float(target_nll(forward(cfg, W, torch.tensor([ids]), want)[0], rows, r['target_ids']))
    per = {}
    for n in names:
        size = want[n].numel()
        idx = [(k * 7919) % size for k in range(400)]
        per[n] = {'delta_w_index': idx, 'delta_w_sample': want[n].reshape(-1)[idx].tolist(), 'delta_w_fro': float(want[n].norm())}
    g = {'model': MODEL, 'editor': 'mend_editor.safetensors',
         'what': 'ΔW = W_after − W_before of the OFFICIAL MEND edit (algs/mend.py, float64) computed from the original random '
                 'checkpoint, not from the converted file; delta_w_sample at flat indices of the row-major [in, out] weight',
         'inner_params_official_order': inner, 'names': names, 'layers': c['layers'],
         'request': {**r, 'input_ids': ids, 'nll_before': nll_before, 'nll_after': nll_after, 'params': per}}
    with open(os.path.join(dest, 'mend-converted-golden.json'), 'w') as fh:
        json.dump(g, fh)
    print(f'wrote {dest}: nll {nll_before:.4f} -> {nll_after:.4f} after the official edit')


if __name__ == '__main__':
    sys.exit(main())
