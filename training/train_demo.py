"""Train the Butterfly Lab demo model: a small GPT-2 (Hugging Face GPT2LMHeadModel
layout, GPT-2 BPE with all 50257 tokens, tied embeddings) on Wikipedia text plus
facts written as sentences. Seeded and resumable; run by training/train-demo.sh.

    python3 training/train_demo.py --data training/work --out public/models/demo-gpt2

Checkpoints go to <data>/ckpt.pt every --ckpt-every steps; rerunning resumes from
the last one and reaches the same weights (data for step s depends only on seed
and s).
"""
import argparse, json, math, os, struct, sys, time

import numpy as np
import torch
import torch.nn.functional as F

from mlp_drop import mlp_keep  # this script's folder is on the path

p = argparse.ArgumentParser()
p.add_argument('--data', default='training/work')
p.add_argument('--out', default='public/models/demo-gpt2')
p.add_argument('--seed', type=int, default=1234)
p.add_argument('--n-layer', type=int, default=6)
p.add_argument('--n-embd', type=int, default=128)
p.add_argument('--n-head', type=int, default=4)
p.add_argument('--n-positions', type=int, default=256)
p.add_argument('--steps', type=int, default=1500)
p.add_argument('--batch', type=int, default=8)
p.add_argument('--lr', type=float, default=3e-3)
p.add_argument('--warmup', type=int, default=100)
p.add_argument('--fact-fraction', type=float, default=0.4, help='share of sequences made of fact sentences')
p.add_argument('--ckpt-every', type=int, default=100)
p.add_argument('--eval-every', type=int, default=250)
p.add_argument('--max-steps-this-run', type=int, default=0, help='stop early (for timing); 0 = run to --steps')
p.add_argument('--export-only', action='store_true', help='write the model folder from the last checkpoint, whatever its step')
# Phase 2, after --steps: fact consolidation. Each step trains --fact-batch fact
# prompts with the loss on the target tokens only (the unembedding runs only there,
# so a fact costs a fifth of a corpus token) beside --fact-corpus-rows corpus rows
# that keep the language model; recall climbs where the mixed phase is slow.
p.add_argument('--phase1-end', type=int, default=0, help='end phase 1 at this step (its schedule still spans --steps); 0 = --steps')
p.add_argument('--fact-steps', type=int, default=0)
p.add_argument('--fact-batch', type=int, default=384)
p.add_argument('--fact-corpus-rows', type=int, default=2)
p.add_argument('--fact-lr', type=float, default=1e-3)
# Where facts are stored: with probability --mlp-drop a phase-2 fact row runs without the MLPs at every
# position after the subject, so the target can only be read (by attention) from the subject's own states,
# which the MLPs there must enrich: the storage ROME rewrites (large GPT-2s store facts so; without it
# this model looked facts up with the last token's MLPs and ROME's edits mostly failed to take).
p.add_argument('--mlp-drop', type=float, default=0.0)
# ... and at the subject's positions only these layers' MLPs run (e.g. "1,2"): the fact has to be written
# there, the layers ROME edits; empty = every layer.
p.add_argument('--mlp-fact-layers', default='')
p.add_argument('--mlp-subject-last-only', action='store_true', help='... and only at its last token (ROME\'s position)')
p.add_argument('--max-facts', type=int, default=0, help='train on the first N facts only (pilots)')
# The readout: with this probability a phase-2 row is an in-context row instead (prepare.ts: a made-up subject
# defined, then asked about), where the query's positions after the subject cannot attend to the definition, so
# the object has to be read from the subject's states, for any object (what ROME's v* must be able to drive).
p.add_argument('--context-fraction', type=float, default=0.0)
p.add_argument('--init-from', default='', help='start from the weights of this exported model folder (the readout pilots: with --steps 0, phase 2 only)')
args = p.parse_args()
P1 = args.phase1_end or args.steps  # first step of phase 2

RUN_ONLY_ARGS = ('max_steps_this_run', 'export_only', 'out')
# Phase-2 settings may be chosen when phase 1 is done (a checkpoint from phase 1 resumes into any of them).
PHASE2_ARGS = ('phase1_end', 'fact_steps', 'fact_batch', 'fact_corpus_rows', 'fact_lr', 'mlp_drop', 'mlp_fact_layers', 'mlp_subject_last_only',
               'context_fraction')
torch.manual_seed(args.seed)
torch.set_num_threads(int(os.environ.get('THREADS', 0)) or max(1, os.cpu_count() or 1))
V, T, D, L, H = 50257, args.n_positions, args.n_embd, args.n_layer, args.n_head
EOT = 50256

# ---------------- data ----------------
corpus = np.fromfile(os.path.join(args.data, 'corpus_train.u16'), dtype=np.uint16).astype(np.int64)
val = np.fromfile(os.path.join(args.data, 'corpus_val.u16'), dtype=np.uint16).astype(np.int64)
meta = json.load(open(os.path.join(args.data, 'facts.json')))
fact_sents = [np.array(s, dtype=np.int64) for s in meta['train_sentences']]
neigh_sents = [np.array(s, dtype=np.int64) for s in meta['neighbour_sentences']]
facts = meta['facts'][:args.max_facts] if args.max_facts else meta['facts']
FACT_LAYERS = [int(x) for x in args.mlp_fact_layers.split(',') if x != '']
context_rows = meta.get('context_rows', [])
if args.context_fraction > 0 and not context_rows:
    sys.exit('--context-fraction needs facts.json from a prepare.ts that writes context_rows')


def fact_sequence(rng):
    """Fact sentences packed into one row; each sentence is its own document
    (positions restart at 0, attention stays inside it), as at edit time, where
    the prompt is the whole input."""
    ids, seg, pos = [], [], []
    s = 0
    while len(ids) < T + 1:
        src = fact_sents if rng.random() < 0.75 else neigh_sents
        sent = src[rng.integers(len(src))]
        ids.extend(sent.tolist()); seg.extend([s] * len(sent)); pos.extend(range(len(sent)))
        s += 1
    return ids[:T + 1], seg[:T + 1], pos[:T + 1]


def batch_for_step(step):
    rng = np.random.default_rng([args.seed, step])
    X, Y, S, P, M = [], [], [], [], []
    for _ in range(args.batch):
        if rng.random() < args.fact_fraction:
            ids, seg, pos = fact_sequence(rng)
            # no loss across a sentence boundary
            mask = [1.0 if seg[i] == seg[i + 1] else 0.0 for i in range(T)]
        else:
            o = int(rng.integers(0, len(corpus) - T - 1))
            ids = corpus[o:o + T + 1].tolist(); seg = [0] * (T + 1); pos = list(range(T + 1)); mask = [1.0] * T
        X.append(ids[:T]); Y.append(ids[1:]); S.append(seg[:T]); P.append(pos[:T]); M.append(mask)
    t = lambda a, dt=torch.long: torch.tensor(a, dtype=dt)
    return t(X), t(Y), t(S), t(P), t(M, torch.float32)


def fact_batch_for_step(step):
    """Phase 2: fact prompts (a random trained phrasing of a random fact) followed by
    the target, right-padded (causal attention never sees the padding), the loss on the
    target tokens only; then corpus rows with the loss everywhere."""
    rng = np.random.default_rng([args.seed, step])
    rows = []  # (prompt, target, subject's last token if its MLPs are dropped after it, in-context row or None)
    for _ in range(args.fact_batch):
        # no draw without the option: the data of step s stays what it was before the option existed
        if args.context_fraction > 0 and rng.random() < args.context_fraction:
            c = context_rows[rng.integers(len(context_rows))]
            rows.append((c['ids'], c['target_ids'], None, c))
            continue
        f = facts[rng.integers(len(facts))]
        j = rng.integers(len(f['trained_ids']))
        sl = f['trained_subject_last'][j] if args.mlp_drop > 0 and rng.random() < args.mlp_drop else None
        rows.append((f['trained_ids'][j], f['target_ids'], sl, None))
    n = max(len(a) + len(b) for a, b, *_ in rows) - 1
    X, Y, M, P, A = [], [], [], [], []
    causal = torch.ones(n, n, dtype=torch.bool).tril()
    for a, b, _, c in rows:
        seq = a + b
        x = seq[:-1] + [EOT] * (n - len(seq) + 1)
        y = seq[1:] + [EOT] * (n - len(seq) + 1)
        m = [1.0 if len(a) - 1 <= i < len(seq) - 1 else 0.0 for i in range(n)]
        X.append(x); Y.append(y); M.append(m)
        allow = causal.clone()
        if c is None:
            P.append(list(range(n)))
        else:  # the query starts at position 0, as a prompt does at edit time; after its subject it sees only itself
            qs = c['query_start']
            P.append(list(range(qs)) + list(range(n - qs)))
            allow[c['subject_last'] + 1:, :qs] = False
        A.append(allow)
    fx, fy, fm, fp, fa = torch.tensor(X), torch.tensor(Y), torch.tensor(M), torch.tensor(P), torch.stack(A)
    fk = mlp_keep(L, n, [sl for _, _, sl, _ in rows], FACT_LAYERS, args.mlp_subject_last_only) if args.mlp_drop > 0 else None
    C = []
    for _ in range(args.fact_corpus_rows):
        o = int(rng.integers(0, len(corpus) - T - 1))
        C.append(corpus[o:o + T + 1].tolist())
    c = torch.tensor(C) if C else torch.zeros(0, T + 1, dtype=torch.long)
    return fx, fy, fm, fk, fp, fa, c[:, :T], c[:, 1:]


# ---------------- model (HF names, Conv1D layout: y = x @ W + b, W [in, out]) ----------------
def param(*shape, std=0.02):
    return torch.nn.Parameter(torch.randn(*shape) * std)


def zeros(*shape):
    return torch.nn.Parameter(torch.zeros(*shape))


def ones(*shape):
    return torch.nn.Parameter(torch.ones(*shape))


W = {}
W['transformer.wte.weight'] = param(V, D)
W['transformer.wpe.weight'] = param(T, D, std=0.01)
proj_std = 0.02 / math.sqrt(2 * L)
for l in range(L):
    pre = f'transformer.h.{l}.'
    W[pre + 'ln_1.weight'] = ones(D); W[pre + 'ln_1.bias'] = zeros(D)
    W[pre + 'attn.c_attn.weight'] = param(D, 3 * D); W[pre + 'attn.c_attn.bias'] = zeros(3 * D)
    W[pre + 'attn.c_proj.weight'] = param(D, D, std=proj_std); W[pre + 'attn.c_proj.bias'] = zeros(D)
    W[pre + 'ln_2.weight'] = ones(D); W[pre + 'ln_2.bias'] = zeros(D)
    W[pre + 'mlp.c_fc.weight'] = param(D, 4 * D); W[pre + 'mlp.c_fc.bias'] = zeros(4 * D)
    W[pre + 'mlp.c_proj.weight'] = param(4 * D, D, std=proj_std); W[pre + 'mlp.c_proj.bias'] = zeros(D)
W['transformer.ln_f.weight'] = ones(D); W['transformer.ln_f.bias'] = zeros(D)


def ln(x, name):
    return F.layer_norm(x, (D,), W[name + '.weight'], W[name + '.bias'], 1e-5)


def hidden(x, seg, pos, keys_at=None, keep=None, allowed=None):
    """Final hidden states [B, T, D] (after ln_f). keys_at: a list to append each layer's c_proj input to;
    keep [L, B, T, 1]: 0 where the MLPs are dropped (--mlp-drop, mlp_drop.py); allowed [B, T, T]: which
    positions each may attend to (default: causal, within its segment)."""
    B, Tn = x.shape
    h = W['transformer.wte.weight'][x] + W['transformer.wpe.weight'][pos]
    if allowed is None:
        causal = torch.ones(Tn, Tn, dtype=torch.bool).tril()
        allowed = causal[None] & (seg[:, :, None] == seg[:, None, :])  # [B, T, T]
    neg = torch.zeros(B, 1, Tn, Tn).masked_fill(~allowed[:, None], float('-inf'))
    for l in range(L):
        pre = f'transformer.h.{l}.'
        a = ln(h, pre + 'ln_1') @ W[pre + 'attn.c_attn.weight'] + W[pre + 'attn.c_attn.bias']
        q, k, v = a.split(D, dim=2)
        q, k, v = (t.view(B, Tn, H, D // H).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(D // H) + neg
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(B, Tn, D)
        h = h + y @ W[pre + 'attn.c_proj.weight'] + W[pre + 'attn.c_proj.bias']
        m = F.gelu(ln(h, pre + 'ln_2') @ W[pre + 'mlp.c_fc.weight'] + W[pre + 'mlp.c_fc.bias'], approximate='tanh')
        if keys_at is not None:
            keys_at.append(m)
        o = m @ W[pre + 'mlp.c_proj.weight'] + W[pre + 'mlp.c_proj.bias']
        h = h + (o if keep is None else o * keep[l])
    return ln(h, 'transformer.ln_f')


def forward(x, seg, pos):
    return hidden(x, seg, pos) @ W['transformer.wte.weight'].t()


CHUNK = 128  # rows of logits at a time: [128, 50257] f32 is 26 MB, reused by the allocator


def loss_and_backward(x, y, seg, pos, mask):
    """Masked mean NLL; backward through the unembedding one chunk of rows at a time,
    so no [B*T, V] tensor (400 MB) is allocated and freed every step."""
    h = hidden(x, seg, pos).reshape(-1, D)
    hd = h.detach().requires_grad_(True)
    yv, mv = y.reshape(-1), mask.reshape(-1)
    denom = mv.sum()
    total = 0.0
    for i in range(0, hd.shape[0], CHUNK):
        logits = hd[i:i + CHUNK] @ W['transformer.wte.weight'].t()
        l = (F.cross_entropy(logits, yv[i:i + CHUNK], reduction='none') * mv[i:i + CHUNK]).sum() / denom
        l.backward()
        total += float(l)
    h.backward(hd.grad)
    return total


def fact_loss_and_backward(fx, fy, fm, fk, fp, fa, cx, cy):
    """Phase 2: mean NLL of the target tokens plus mean NLL of the corpus rows; the
    unembedding runs only where a loss is taken."""
    z = lambda x: torch.zeros_like(x)
    ar = lambda x: torch.arange(x.shape[1])[None].expand_as(x)
    hf = hidden(fx, z(fx), fp, keep=fk, allowed=fa).reshape(-1, D)
    sel = fm.reshape(-1) > 0
    l = F.cross_entropy(hf[sel] @ W['transformer.wte.weight'].t(), fy.reshape(-1)[sel])
    l.backward()
    total = float(l)
    if cx.shape[0]:
        total += loss_and_backward(cx, cy, z(cx), ar(cx), torch.ones(cx.shape, dtype=torch.float32))
    return total


# ---------------- optimiser, schedule, checkpoints ----------------
decay = [w for n, w in W.items() if w.dim() == 2 and 'wpe' not in n]
no_decay = [w for n, w in W.items() if not (w.dim() == 2 and 'wpe' not in n)]
opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.05}, {'params': no_decay, 'weight_decay': 0.0}],
                        lr=args.lr, betas=(0.9, 0.95), eps=1e-8)


def lr_at(step):
    if step >= P1:  # phase 2: cosine from --fact-lr to a tenth of it
        r = (step - P1) / max(1, args.fact_steps)
        return args.fact_lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * r)))
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    r = (step - args.warmup) / max(1, args.steps - args.warmup)
    return args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * r)))


if args.init_from:
    from mend_core import read_safetensors
    with torch.no_grad():
        for n, w in read_safetensors(os.path.join(args.init_from, 'model.safetensors')).items():
            W[n].copy_(w.float())
ckpt_path = os.path.join(args.data, 'ckpt.pt')
log_path = os.path.join(args.data, 'train_log.jsonl')
start = 0
if os.path.exists(ckpt_path):
    ck = torch.load(ckpt_path)
    skip = RUN_ONLY_ARGS + (PHASE2_ARGS if ck['step'] <= P1 else ())
    made = {**{k: p.get_default(k) for k in vars(args)}, **ck['args']}  # options added since take their defaults
    if {k: v for k, v in made.items() if k not in skip} != {k: v for k, v in vars(args).items() if k not in skip}:
        sys.exit('checkpoint was made with other settings; delete ' + ckpt_path + ' to start over')
    with torch.no_grad():
        for n, w in W.items():
            w.copy_(ck['weights'][n])
    opt.load_state_dict(ck['opt'])
    start = ck['step']
    print(f'resumed at step {start}', flush=True)


def save_ckpt(step):
    tmp = ckpt_path + '.tmp'
    torch.save({'step': step, 'weights': {n: w.detach().clone() for n, w in W.items()}, 'opt': opt.state_dict(),
                'args': {k: v for k, v in vars(args).items() if k not in RUN_ONLY_ARGS}}, tmp)
    os.replace(tmp, ckpt_path)


@torch.no_grad()
def recall(which, limit=400):
    """Top-1 recall of the first target token (batched by prompt length)."""
    rows = []
    for f in facts[:limit]:
        for ids in f[which]:
            rows.append((ids, f['target_ids'][0]))
    hits = 0
    by_len = {}
    for ids, t in rows:
        by_len.setdefault(len(ids), []).append((ids, t))
    for n, group in by_len.items():
        x = torch.tensor([g[0] for g in group])
        z = torch.zeros_like(x)
        pos = torch.arange(n)[None].expand_as(x)
        logits = hidden(x, z, pos)[:, -1] @ W['transformer.wte.weight'].t()
        hits += int((logits.argmax(-1) == torch.tensor([g[1] for g in group])).sum())
    return hits / max(1, len(rows))


@torch.no_grad()
def val_ppl(n_windows=40):
    tot, cnt = 0.0, 0
    for i in range(n_windows):
        o = i * ((len(val) - T - 1) // n_windows)
        x = torch.tensor(val[o:o + T])[None]; y = torch.tensor(val[o + 1:o + T + 1])[None]
        logits = forward(x, torch.zeros_like(x), torch.arange(T)[None])
        tot += float(F.cross_entropy(logits[0], y[0], reduction='sum')); cnt += T
    return math.exp(tot / cnt)


# ---------------- train ----------------
TOTAL = P1 + args.fact_steps
end = TOTAL if args.max_steps_this_run == 0 else min(TOTAL, start + args.max_steps_this_run)
if args.export_only:
    end = start
t0 = time.time()
tokens = 0
for step in range(start, end):
    for g in opt.param_groups:
        g['lr'] = lr_at(step)
    opt.zero_grad(set_to_none=True)
    if step < P1:
        x, y, seg, pos, mask = batch_for_step(step)
        loss = loss_and_backward(x, y, seg, pos, mask)
        tokens += x.numel()
    else:
        fx, fy, fm, fk, fp, fa, cx, cy = fact_batch_for_step(step)
        loss = fact_loss_and_backward(fx, fy, fm, fk, fp, fa, cx, cy)
        tokens += fx.numel() + cx.numel()
    torch.nn.utils.clip_grad_norm_(list(W.values()), 1.0)
    opt.step()
    if (step + 1) % 10 == 0:
        el = time.time() - t0
        print(f'step {step + 1}/{TOTAL} loss {loss:.3f} lr {lr_at(step):.2e} {tokens / el:.0f} tok/s', flush=True)
    rec = None
    if (step + 1) % args.eval_every == 0 or step + 1 == TOTAL:
        rec = {'step': step + 1, 'loss': loss, 'val_ppl': val_ppl(), 'recall_trained': recall('trained_ids'),
               'recall_heldout': recall('heldout_ids'), 'elapsed_s': time.time() - t0}
        print(json.dumps(rec), flush=True)
        with open(log_path, 'a') as fh:
            fh.write(json.dumps(rec) + '\n')
    if (step + 1) % args.ckpt_every == 0 or step + 1 == end:
        save_ckpt(step + 1)

if end < TOTAL and not args.export_only:
    print(f'stopped at step {end} (--max-steps-this-run)')
    sys.exit(0)


# ---------------- export ----------------
def write_safetensors(path, tensors, dtype='F16'):
    header, blobs, off = {}, [], 0
    for n, t in tensors.items():
        a = t.detach().numpy().astype(np.float16 if dtype == 'F16' else np.float32)
        b = a.tobytes()
        header[n] = {'dtype': dtype, 'shape': list(a.shape), 'data_offsets': [off, off + len(b)]}
        blobs.append(b); off += len(b)
    header['__metadata__'] = {'format': 'pt'}
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as fh:
        fh.write(struct.pack('<Q', len(h))); fh.write(h)
        for b in blobs:
            fh.write(b)
    os.replace(tmp, path)


os.makedirs(args.out, exist_ok=True)
write_safetensors(os.path.join(args.out, 'model.safetensors'), W)
config = {
    'architectures': ['GPT2LMHeadModel'], 'model_type': 'gpt2', 'vocab_size': V, 'n_positions': T, 'n_ctx': T,
    'n_embd': D, 'n_layer': L, 'n_head': H, 'n_inner': None, 'activation_function': 'gelu_new',
    'layer_norm_epsilon': 1e-5, 'resid_pdrop': 0.0, 'embd_pdrop': 0.0, 'attn_pdrop': 0.0, 'initializer_range': 0.02,
    'scale_attn_weights': True, 'scale_attn_by_inverse_layer_idx': False, 'reorder_and_upcast_attn': False,
    'tie_word_embeddings': True, 'use_cache': True, 'bos_token_id': EOT, 'eos_token_id': EOT, 'torch_dtype': 'float16',
}
with open(os.path.join(args.out, 'config.json'), 'w') as fh:
    json.dump(config, fh, indent=2)
print('wrote', args.out, flush=True)
