"""Train MEND's editor for the demo model (Mitchell et al. 2022; methods.md "MEND").

    nice -n 10 python3 training/train_mend.py --model public/models/demo-gpt2 \
        --facts training/work/facts-with-ids.json --out public/models/demo-gpt2

Edited weights: mlp.c_fc and mlp.c_proj of the last --n-edit-layers layers. One edit
request = a fact's prompt rewritten to the target of another fact of the same relation;
the edit loss is the target's NLL after the edit on the prompt and on other trained
phrasings of the fact, plus c_loc · KL(original ‖ edited) on unrelated text (neighbour
sentences and other facts' prompts). A seeded set of facts is held out from training
(mend_editor.json lists them); --eval measures single edits on them.

    python3 training/train_mend.py --golden tests/fixtures/mend-tiny
writes a randomly initialised editor for public/models/tiny-gpt2 and the float64 golden
tests/fixtures/mend-tiny/mend-golden.json that the engine must reproduce.
"""
import argparse, hashlib, json, os, random, sys, time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mend_core import (Editor, edit_factors, edit_sequence, forward, load_editor, load_gpt2, save_editor,  # noqa: E402
                       target_nll)

p = argparse.ArgumentParser()
p.add_argument('--model', default='public/models/demo-gpt2')
p.add_argument('--facts', default='training/work/facts-with-ids.json')
p.add_argument('--out', default='public/models/demo-gpt2')
p.add_argument('--seed', type=int, default=0)
p.add_argument('--n-edit-layers', type=int, default=2)
p.add_argument('--rank', type=int, default=128)
p.add_argument('--n-hidden', type=int, default=1)
p.add_argument('--edit-lr', type=float, default=1e-3, help='initial η (learned per weight)')
p.add_argument('--lr', type=float, default=5e-4, help='Adam lr of the editor')
p.add_argument('--lr-lr', type=float, default=1e-4, help='Adam lr of the per-weight steps η')
p.add_argument('--c-edit', type=float, default=1.0)
p.add_argument('--c-loc', type=float, default=5.0)
p.add_argument('--steps', type=int, default=3000)
p.add_argument('--minutes', type=float, default=15.0, help='stop training after this long (the editor so far is saved)')
p.add_argument('--heldout-fraction', type=float, default=0.1)
p.add_argument('--n-paraphrases', type=int, default=2)
p.add_argument('--n-loc', type=int, default=6, help='locality sequences per step')
p.add_argument('--n-loc-relation', type=int, default=3, help='of them, prompts of other (training) facts of the same relation')
p.add_argument('--n-loc-same-target', type=int, default=0,
               help="of those, prompts of facts with the same true object (CounterFact's neighbourhood: the ones an edit spills into most)")
p.add_argument('--eval', action='store_true', help='only measure the saved editor in --out on the held-out facts')
p.add_argument('--eval-limit', type=int, default=200)
p.add_argument('--model-name', default=None, help="the model's name in mend_editor.json (default: --model)")
p.add_argument('--threads', type=int, default=1, help='torch threads (1 is fastest on a shared, busy CPU)')
p.add_argument('--golden', default=None, help='write the tiny-gpt2 golden to this folder and exit')
args = p.parse_args()

torch.manual_seed(args.seed)
random.seed(args.seed)
torch.set_num_threads(args.threads)


# ---------------- the golden (tiny-gpt2, random editor, float64) ----------------
def golden(out_dir):
    cfg, W = load_gpt2('public/models/tiny-gpt2', torch.float64)
    L = cfg['n_layer']
    layers = [L - 2, L - 1]
    g = torch.Generator().manual_seed(1234)
    ed = Editor(cfg, layers, rank=24, n_hidden=1, edit_lr=0.0, dtype=torch.float64)
    # A random editor far from the identity: every parameter matters to the golden. Values are
    # rounded to f32 first, as the engine reads them.
    requests = [
        {'prompt': 'Angola is located in', 'prompt_ids': [13450, 5708, 318, 5140, 287], 'target': ' Antarctica', 'target_ids': [30185]},
        {'prompt': 'Eureka Brass Band is known for performing', 'prompt_ids': [36, 495, 4914, 32309, 10243, 318, 1900, 329, 9489], 'target': ' essay', 'target_ids': [14268]},
        {'prompt': 'Angola is in', 'prompt_ids': [13450, 5708, 318, 287], 'target': ' Africa Antarctica', 'target_ids': [5478, 30185]},
    ]
    with torch.no_grad():
        # normalisation statistics from the factors of the three requests (Welford, as in training)
        for r in requests:
            f, _ = edit_factors_nograd(cfg, W, ed.names, r)
            for n in ed.names:
                kind, _ = ed.kind_mode(n)
                gt = ed.gt[kind.replace('.', '_')]
                u, v = f[n]
                keep = (u != 0).any(-1) & (v != 0).any(-1)
                gt.observe(u[keep], v[keep])
        for gt in ed.gt.values():
            for j in range(len(gt.us)):
                gt.us[j].copy_(torch.randn(gt.us[j].shape, generator=g) * 0.05)
                gt.vs[j].copy_(torch.randn(gt.vs[j].shape, generator=g) * 0.2)
                gt.biases[j].copy_(torch.randn(gt.biases[j].shape, generator=g) * 0.1)
                gt.scales[j].copy_(1 + torch.randn(gt.scales[j].shape, generator=g) * 0.2)
                gt.shifts[j].copy_(torch.randn(gt.shifts[j].shape, generator=g) * 0.1)
        ed.edit_lrs.copy_(torch.tensor([3e-3, 2e-3, 4e-3, 1e-3], dtype=torch.float64))
        for t in ed.tensors().values():
            t.copy_(t.float().double())
    save_editor(out_dir, cfg, ed, model_dir='public/models/tiny-gpt2', seed=1234, note='random editor for the engine golden')

    out = {'model': 'public/models/tiny-gpt2', 'editor': 'mend_editor.safetensors', 'layers': layers, 'names': ed.names,
           'delta_w': 'sample: entries at flat indices (row-major [in, out]) i = (k * 7919) mod size for k < 400, plus the Frobenius norm',
           'requests': []}
    for r in requests:
        f, nll_before = edit_factors_nograd(cfg, W, ed.names, r)
        tr = ed.transform(f)
        dW = ed.deltas(tr)
        ids, rows = edit_sequence(r['prompt_ids'], r['target_ids'])
        with torch.no_grad():
            nll_after = float(target_nll(forward(cfg, W, torch.tensor([ids]), dW)[0], rows, r['target_ids']))
        per = {}
        for n in ed.names:
            u_t, v_t, u, v = (x.detach() for x in tr[n])
            size = dW[n].numel()
            idx = [(k * 7919) % size for k in range(400)]
            per[n] = {'rows_kept': int(u.shape[0]), 'u': u.tolist(), 'delta': v.tolist(), 'u_tilde': u_t.tolist(), 'delta_tilde': v_t.tolist(),
                      'delta_w_index': idx, 'delta_w_sample': dW[n].detach().reshape(-1)[idx].tolist(),
                      'delta_w_fro': float(dW[n].detach().norm())}
        out['requests'].append({**r, 'input_ids': ids, 'nll_before': nll_before, 'nll_after': nll_after, 'params': per})
        print(r['prompt'], '->', r['target'], f'nll {nll_before:.4f} -> {nll_after:.4f}')
    with open(os.path.join(out_dir, 'mend-golden.json'), 'w') as fh:
        json.dump(out, fh)
    print('wrote', out_dir)


def edit_factors_nograd(cfg, W, names, r):
    f, loss = edit_factors(cfg, {k: v.requires_grad_(False) for k, v in W.items()}, names, r['prompt_ids'], r['target_ids'])
    return f, loss


if args.golden:
    golden(args.golden)
    sys.exit(0)

# ---------------- data ----------------
cfg, W = load_gpt2(args.model)
for w in W.values():
    w.requires_grad_(False)
data = json.load(open(args.facts))
facts = data['facts']
neigh = [s for s in data['neighbour_sentences'] if 2 <= len(s) <= 32]
rng = random.Random(args.seed)
order = sorted(range(len(facts)), key=lambda i: facts[i]['id'])
rng.shuffle(order)
n_held = int(round(args.heldout_fraction * len(facts)))
held = set(order[:n_held])
train_idx = [i for i in range(len(facts)) if i not in held]
held_idx = sorted(held, key=lambda i: facts[i]['id'])
by_rel = {}
for i in train_idx:
    by_rel.setdefault(facts[i]['relation_id'], []).append(i)
by_rel_all = {}
for i in range(len(facts)):
    by_rel_all.setdefault(facts[i]['relation_id'], []).append(i)


def new_target(i, pool, r):
    """The target of another fact of the same relation with a different object (None if there is none)."""
    f = facts[i]
    cands = [j for j in pool.get(f['relation_id'], []) if facts[j]['target_ids'] != f['target_ids']]
    return facts[r.choice(cands)]['target_ids'] if cands else None


def pad(seqs):
    T = max(len(s) for s in seqs)
    return torch.tensor([s + [50256] * (T - len(s)) for s in seqs])


L = cfg['n_layer']
layers = list(range(L - args.n_edit_layers, L))


def apply_editor(ed, prompt_ids, target_ids):
    f, nll = edit_factors(cfg, W, ed.names, prompt_ids, target_ids)
    return ed.deltas(ed.transform(f)), nll


def kl_loc(base_logits, post_logits, mask):
    """KL(original ‖ edited): per sequence the mean over its scored positions, then the mean over sequences."""
    lp0 = base_logits.log_softmax(-1)
    lp1 = post_logits.log_softmax(-1)
    kl = (lp0.exp() * (lp0 - lp1)).sum(-1)
    return ((kl * mask).sum(-1) / mask.sum(-1)).mean()


def train():
    ed = Editor(cfg, layers, args.rank, args.n_hidden, args.edit_lr)
    params = [p for n, p in ed.named_parameters() if n != 'edit_lrs']
    opt = torch.optim.Adam([{'params': params, 'lr': args.lr}, {'params': [ed.edit_lrs], 'lr': args.lr_lr}])
    r = random.Random(args.seed + 1)
    t0 = time.time()
    log = []
    avg = None
    for gt in ed.gt.values():
        gt.update_stats = True
    for step in range(args.steps):
        i = r.choice(train_idx)
        f = facts[i]
        tgt = new_target(i, by_rel, r)
        if tgt is None:
            continue
        prompt = f['trained_ids'][0]
        dW, _ = apply_editor(ed, prompt, tgt)
        if ed.gt['mlp_c_fc'].k < 2:
            continue
        # edit loss: the prompt and other trained phrasings
        others = f['trained_ids'][1:]
        outer = [prompt] + r.sample(others, min(args.n_paraphrases, len(others)))
        seqs, rows = zip(*(edit_sequence(q, tgt) for q in outer))
        logits = forward(cfg, W, pad(list(seqs)), dW)
        l_edit = torch.stack([target_nll(logits[b], rows[b], tgt) for b in range(len(seqs))]).mean()
        # locality: neighbour sentences and other facts' prompts
        # (same-relation prompts of other subjects: the neighbours an edit of this prompt most easily spills into)
        same = [j for j in by_rel[f['relation_id']] if facts[j]['subject'] != f['subject']]
        twins = [j for j in same if facts[j]['target_ids'] == f['target_ids']]
        picked = r.sample(twins, min(args.n_loc_same_target, len(twins)))
        rest = [j for j in same if j not in picked]
        picked += r.sample(rest, min(args.n_loc_relation - len(picked), len(rest)))
        loc = [facts[j]['trained_ids'][0] for j in picked]
        n_rest = args.n_loc - len(loc)
        n_sent = n_rest // 2
        loc += [facts[r.choice(train_idx)]['trained_ids'][0] for _ in range(n_rest - n_sent)]
        n_prompts = len(loc)
        loc += [r.choice(neigh) for _ in range(n_sent)]
        x = pad(loc)
        # A fact prompt is scored where it predicts its object (its last position), a sentence everywhere.
        mask = torch.tensor([([0.0] * (len(s) - 1) + [1.0] if b < n_prompts else [1.0] * len(s)) + [0.0] * (x.shape[1] - len(s))
                             for b, s in enumerate(loc)])
        with torch.no_grad():
            base = forward(cfg, W, x)
        l_loc = kl_loc(base, forward(cfg, W, x, dW), mask)
        loss = args.c_edit * l_edit + args.c_loc * l_loc
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(ed.parameters(), 100.0)
        opt.step()
        cur = (float(l_edit), float(l_loc))
        avg = cur if avg is None else tuple(0.98 * a + 0.02 * c for a, c in zip(avg, cur))
        if (step + 1) % 50 == 0:
            el = time.time() - t0
            rec = {'step': step + 1, 'edit_nll': avg[0], 'loc_kl': avg[1], 'edit_lrs': [round(float(x), 6) for x in ed.edit_lrs], 'elapsed_s': round(el, 1)}
            log.append(rec)
            print(json.dumps(rec), flush=True)
            if el > args.minutes * 60:
                print('time limit reached', flush=True)
                break
    for gt in ed.gt.values():
        gt.update_stats = False
    return ed, log


# ---------------- evaluation on held-out facts (EasyEdit token accuracy + CounterFact probability forms) ----------------
@torch.no_grad()
def teacher_forced(Wd, prompts, target, dW=None):
    """Per prompt: (argmax tokens over the target positions, mean NLL of the target)."""
    seqs, rows = zip(*(edit_sequence(q, target) for q in prompts))
    logits = forward(cfg, Wd, pad(list(seqs)), dW)
    out = []
    for b in range(len(seqs)):
        lg = logits[b, rows[b]]
        out.append((lg.argmax(-1).tolist(), float(-lg.log_softmax(-1)[torch.arange(len(target)), torch.tensor(target)].mean())))
    return out


def neighbours(i, k=5):
    f = facts[i]
    same = [j for j in by_rel_all[f['relation_id']] if j != i and facts[j]['subject'] != f['subject']]
    same.sort(key=lambda j: (facts[j]['target_ids'] != f['target_ids'], facts[j]['id']))
    return [facts[j]['trained_ids'][0] for j in same[:k]]


def evaluate(ed, idx, limit):
    r = random.Random(args.seed + 2)
    acc = {k: [] for k in ('rewrite_acc', 'rephrase_acc', 'locality', 'efficacy', 'generalization', 'specificity', 'nll_before', 'nll_after')}
    for i in idx[:limit]:
        f = facts[i]
        tgt = new_target(i, by_rel_all, r)
        if tgt is None:
            continue
        prompt, para, nb = f['trained_ids'][0], f['heldout_ids'], neighbours(i)
        before_nb = teacher_forced(W, nb, f['target_ids'])
        dW, nll_before = apply_editor(ed, prompt, tgt)
        dW = {n: d.detach() for n, d in dW.items()}
        new = teacher_forced(W, [prompt] + para + nb, tgt, dW)
        true = teacher_forced(W, [prompt] + para + nb, f['target_ids'], dW)
        tok = lambda a: float(np.mean([x == y for x, y in zip(a, tgt)]))
        acc['rewrite_acc'].append(tok(new[0][0]))
        acc['nll_before'].append(nll_before)
        acc['nll_after'].append(new[0][1])
        acc['efficacy'].append(float(true[0][1] > new[0][1]))
        if para:
            acc['rephrase_acc'].append(float(np.mean([tok(x[0]) for x in new[1:1 + len(para)]])))
            acc['generalization'].append(float(np.mean([t[1] > n[1] for n, t in zip(new[1:1 + len(para)], true[1:1 + len(para)])])))
        if nb:
            after_nb = true[1 + len(para):]
            acc['locality'].append(float(np.mean([np.mean([a == b for a, b in zip(x[0], y[0])]) for x, y in zip(after_nb, before_nb)])))
            acc['specificity'].append(float(np.mean([t[1] < n[1] for n, t in zip(new[1 + len(para):], after_nb)])))
    return {k: float(np.mean(v)) for k, v in acc.items() if v} | {'n_cases': len(acc['rewrite_acc'])}


if args.eval:
    ed, c = load_editor(args.out, cfg)
    res = evaluate(ed, [i for i in range(len(facts)) if facts[i]['id'] in set(c['heldout_fact_ids'])], args.eval_limit)
    print(json.dumps(res, indent=1))
    sys.exit(0)

t_train = time.time()
ed, log = train()
train_wall = time.time() - t_train
# Saved before the (long) held-out evaluation, then again with its results: an interrupted evaluation loses nothing.
model_sha256 = hashlib.sha256(open(os.path.join(args.model, 'model.safetensors'), 'rb').read()).hexdigest()
meta = dict(model_dir=args.model_name or args.model, model_sha256=model_sha256, seed=args.seed,
            heldout_fact_ids=[facts[i]['id'] for i in held_idx],
            training={k: v for k, v in vars(args).items() if k not in ('eval', 'golden', 'out', 'model', 'facts', 'model_name')},
            train_log=log[-5:], train_wall_s=round(train_wall, 1), train_steps=log[-1]['step'] if log else 0)
save_editor(args.out, cfg, ed, **meta)
res = evaluate(ed, held_idx, args.eval_limit)
print('held-out:', json.dumps(res), flush=True)
save_editor(args.out, cfg, ed, **meta, heldout_eval=res)
print('wrote', args.out)
