"""Why single ROME edits rarely take on the demo model: ROME (rome.md steps 4-7) re-implemented in
PyTorch, fast enough to try v* knobs and layers on 15 requests in a minute (the engine needs an hour).
At the lab's defaults it reproduces the engine's sweep (training/results/single: efficacy 26.7 %).

    npx tsx training/rome-probe-requests.ts 15 > training/work/probe-requests.json
    /usr/bin/python3 training/rome_probe.py training/work/probe-requests.json training/results/rome-probe.json
    /usr/bin/python3 training/rome_probe.py ... training/results/rome-probe.json '[[2, {"clamp": 40}]]'  # add runs

Writes, per setting, EasyEdit's token-accuracy forms (efficacy, paraphrase, neighbourhood locality), the v* loss
before and after, ‖δ‖ against its clamp, and ME-PPL (10 texts) after the edit. A diagnostic, not the product.
"""
import json, math, os, sys, time
import numpy as np, torch, torch.nn.functional as F
sys.path.insert(0, 'training')
from mend_core import load_gpt2  # noqa: E402  (one reader for the shipped weights)
from mlp_drop import mlp_keep  # noqa: E402  (the pilots' MLP mask, as train_demo.py applies it)

MODEL = os.environ.get('DEMO_MODEL', 'public/models/demo-gpt2')  # another model folder: DEMO_MODEL=...
torch.manual_seed(0)
torch.set_num_threads(1)
cfg, W = load_gpt2(MODEL)
D, NL, H, EPS = cfg['n_embd'], cfg['n_layer'], cfg['n_head'], cfg['layer_norm_epsilon']


# PROBE_MLP_LAYERS="2": run the MLPs as a --mlp-drop row trained them (only these layers, only up to the subject's
# last token; sequences without a known subject position run whole). Diagnostic for the storage pilots.
DROP = [int(x) for x in os.environ.get('PROBE_MLP_LAYERS', '').split(',') if x != '']
AT_LAST = os.environ.get('PROBE_MLP_AT_LAST') == '1'  # ... and only at the subject's last token (--mlp-subject-last-only)


def forward(seqs, layer, rows=None, delta=None, w_proj=None, subj=None):
    """Logits of right-padded sequences; at `layer`, delta added to the MLP output at rows[b] (rome.md's
    intervention) and w_proj replacing c_proj. Also returns that layer's keys and MLP outputs."""
    T, B = max(map(len, seqs)), len(seqs)
    ids = torch.tensor([s + [0] * (T - len(s)) for s in seqs])
    ln = lambda x, n: F.layer_norm(x, (D,), W[n + '.weight'], W[n + '.bias'], EPS)
    h = W['transformer.wte.weight'][ids] + W['transformer.wpe.weight'][:T][None]
    causal = torch.full((T, T), float('-inf')).triu(1)
    keep = mlp_keep(NL, T, subj, DROP, AT_LAST) if DROP and subj is not None else None
    keys = outs = None
    for l in range(NL):
        pre = f'transformer.h.{l}.'
        q, k, v = (ln(h, pre + 'ln_1') @ W[pre + 'attn.c_attn.weight'] + W[pre + 'attn.c_attn.bias']).split(D, dim=2)
        q, k, v = (t.view(B, T, H, D // H).transpose(1, 2) for t in (q, k, v))
        y = ((q @ k.transpose(-2, -1) / math.sqrt(D // H) + causal).softmax(-1) @ v).transpose(1, 2).reshape(B, T, D)
        h = h + y @ W[pre + 'attn.c_proj.weight'] + W[pre + 'attn.c_proj.bias']
        m = F.gelu(ln(h, pre + 'ln_2') @ W[pre + 'mlp.c_fc.weight'] + W[pre + 'mlp.c_fc.bias'], approximate='tanh')
        o = m @ (w_proj if (w_proj is not None and l == layer) else W[pre + 'mlp.c_proj.weight']) + W[pre + 'mlp.c_proj.bias']
        if keep is not None:
            o = o * keep[l]
        if l == layer:
            keys, outs = m, o
            if delta is not None:
                at = torch.zeros(B, T, 1)
                at[torch.arange(B), torch.tensor(rows)] = 1
                o = o + at * delta
        h = h + o
    return ln(h, 'transformer.ln_f') @ W['transformer.wte.weight'].t(), keys, outs


def rome_edit(r, layer, c_inv, steps=20, lr=0.5, wd=0.5, clamp=4.0, kl_factor=0.0625):
    """c_proj after one ROME edit (original variant: k_u, o_u from the bare prompt), and diagnostics."""
    ctx, tgt = r['ctx'], r['target_new']
    with torch.no_grad():
        _, K, O = forward([c['ids'] for c in ctx], layer, subj=[c['last'] for c in ctx])
    k_star = torch.stack([K[i, c['last']] for i, c in enumerate(ctx)]).mean(0)
    u = c_inv @ k_star
    u = u / u.norm()
    rewrite = [c['ids'] + tgt[:-1] for c in ctx]
    prompts, rows = rewrite + [r['essence']['ids']], [c['last'] for c in ctx] + [r['essence']['last']]
    with torch.no_grad():
        logits, _, O0 = forward(prompts, layer, subj=rows)
        target_init = O0[0, ctx[0]['last']].clone()
        kl_init = logits[-1, r['essence']['last']].log_softmax(-1)
    delta = torch.zeros(D, requires_grad=True)
    opt = torch.optim.Adam([delta], lr=lr)
    max_norm = clamp * float(target_init.norm())
    losses = []
    for it in range(steps):
        logits, _, _ = forward(prompts, layer, rows, delta, subj=rows)
        nll = torch.stack([-logits[i, len(s) - len(tgt):len(s)].log_softmax(-1)[torch.arange(len(tgt)), torch.tensor(tgt)].mean()
                           for i, s in enumerate(rewrite)]).mean()
        lp = logits[-1, r['essence']['last']].log_softmax(-1)
        loss = nll + kl_factor * (lp.exp() * (lp - kl_init)).sum() + wd * delta.norm() / target_init.norm() ** 2
        losses.append(float(loss))
        if loss < 5e-2 or it == steps - 1:
            break
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            if delta.norm() > max_norm:
                delta.mul_(max_norm / delta.norm())
    w = W[f'transformer.h.{layer}.mlp.c_proj.weight']
    k_u, o_u = K[0, ctx[0]['last']], O[0, ctx[0]['last']]
    right = (target_init + delta.detach() - o_u) / (k_u @ u)
    return w + torch.outer(u, right), {'v_loss': [losses[0], losses[-1]], 'delta_norm': float(delta.norm()), 'max_norm': max_norm}


@torch.no_grad()
def predictions(prompts, target, layer, w_proj, subj=None):
    """Argmax tokens over the target's positions, teacher-forced."""
    seqs = [p + target[:-1] for p in prompts]
    logits, _, _ = forward(seqs, layer, w_proj=w_proj, subj=subj)
    return [logits[i, len(s) - len(target):len(s)].argmax(-1).tolist() for i, s in enumerate(seqs)]


def token_acc(preds, target):
    return float(np.mean([np.mean([a == b for a, b in zip(p, target)]) for p in preds]))


@torch.no_grad()
def me_ppl(texts, layer, w_proj):
    logits, _, _ = forward(texts, layer, w_proj=w_proj)
    return float(np.mean([math.exp(float(-logits[i, :len(t) - 1].log_softmax(-1)[torch.arange(len(t) - 1), torch.tensor(t[1:])].mean()))
                          for i, t in enumerate(texts)]))


def run(data, layer, knobs):
    z = np.load(f'{MODEL}/stats/layer{layer}_mom2.npz')
    c_inv = torch.linalg.inv(torch.tensor(z['mom2.mom2'] / z['mom2.count'])).float()
    w0 = W[f'transformer.h.{layer}.mlp.c_proj.weight']
    base = me_ppl(data['texts'], layer, w0)
    cases, t0 = [], time.time()
    for r in data['reqs']:
        w, diag = rome_edit(r, layer, c_inv, **knobs)
        nb_before = predictions(r['neighbours'], r['target_true'], layer, w0)
        nb_after = predictions(r['neighbours'], r['target_true'], layer, w)
        cases.append({
            'case_id': r['case_id'], 'subject': r['subject'], 'target_new': r['target_new_str'],
            'rewrite_acc': token_acc(predictions([r['ctx'][0]['ids']], r['target_new'], layer, w, subj=[r['ctx'][0]['last']]), r['target_new']),
            'rephrase_acc': token_acc(predictions(r['paraphrases'], r['target_new'], layer, w), r['target_new']),
            'locality': float(np.mean([np.mean([a == b for a, b in zip(x, y)]) for x, y in zip(nb_after, nb_before)])),
            'me_ppl_ratio': me_ppl(data['texts'], layer, w) / base, **diag})
    mean = lambda k: float(np.mean([c[k] for c in cases]))
    return {'layer': layer, 'knobs': knobs, 'rewrite_acc': mean('rewrite_acc'), 'rephrase_acc': mean('rephrase_acc'),
            'locality': mean('locality'), 'stuck': sum(c['v_loss'][1] > 5 for c in cases),
            'at_clamp': sum(c['delta_norm'] >= 0.999 * c['max_norm'] for c in cases),
            'me_ppl_ratio_max': max(c['me_ppl_ratio'] for c in cases), 'seconds': round(time.time() - t0, 1), 'cases': cases}


# The lab's defaults at the traced layer, then one knob at a time, then other layers.
SETTINGS = [(0, {}), (0, {'steps': 60}), (0, {'clamp': 12.0}), (0, {'steps': 60, 'lr': 1.0, 'clamp': 40.0}),
            (0, {'wd': 0.0, 'kl_factor': 0.0, 'steps': 60}), (1, {}), (2, {}), (3, {})]

if __name__ == '__main__':
    # An optional third argument, a JSON list of [layer, knobs], runs just those and merges them into the output.
    data = json.load(open(sys.argv[1]))
    settings = [tuple(s) for s in json.loads(sys.argv[3])] if len(sys.argv) > 3 else SETTINGS
    out = json.load(open(sys.argv[2]))['runs'] if len(sys.argv) > 3 else []
    for layer, knobs in settings:
        out = [r for r in out if (r['layer'], r['knobs']) != (layer, knobs)]
        res = run(data, layer, knobs)
        print(f"layer {layer} {json.dumps(knobs)}: efficacy {res['rewrite_acc']:.3f} paraphrase {res['rephrase_acc']:.3f} "
              f"locality {res['locality']:.3f} stuck {res['stuck']} at clamp {res['at_clamp']} ({res['seconds']} s)", flush=True)
        out.append(res)
    json.dump({'requests': len(data['reqs']), 'templates': data['templates'], 'runs': out}, open(sys.argv[2], 'w'), indent=1)
