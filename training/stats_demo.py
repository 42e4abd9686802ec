"""Key statistics of the demo model, in ROME's layer_stats format: for every
layer, the uncentred second moment of the c_proj input (the keys),
mom2.mom2 = sum k k^T (float32, as ROME's published files) and mom2.count = N,
over text the model was trained on (Wikipedia, as ROME uses). Reads the
exported F16 weights, so the statistics are those of the shipped model.

    python3 training/stats_demo.py --model public/models/demo-gpt2 --data training/work --tokens 200000
"""
import argparse, json, math, os, struct, sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mend_core import read_safetensors  # noqa: E402  (one reader for the exported weights)

p = argparse.ArgumentParser()
p.add_argument('--model', default='public/models/demo-gpt2')
p.add_argument('--data', default='training/work')
p.add_argument('--tokens', type=int, default=200_000)
p.add_argument('--window', type=int, default=256)
p.add_argument('--seed', type=int, default=99)
args = p.parse_args()


cfg = json.load(open(os.path.join(args.model, 'config.json')))
W = read_safetensors(os.path.join(args.model, 'model.safetensors'))
D, L, H = cfg['n_embd'], cfg['n_layer'], cfg['n_head']


def ln(x, name):
    return F.layer_norm(x, (D,), W[name + '.weight'], W[name + '.bias'], cfg['layer_norm_epsilon'])


@torch.no_grad()
def keys(x):
    T = x.shape[1]
    h = W['transformer.wte.weight'][x] + W['transformer.wpe.weight'][:T]
    mask = torch.full((T, T), float('-inf')).triu(1)
    out = []
    for l in range(L):
        pre = f'transformer.h.{l}.'
        a = ln(h, pre + 'ln_1') @ W[pre + 'attn.c_attn.weight'] + W[pre + 'attn.c_attn.bias']
        q, k, v = (t.view(1, T, H, D // H).transpose(1, 2) for t in a.split(D, dim=2))
        y = ((q @ k.transpose(-2, -1)) / math.sqrt(D // H) + mask).softmax(-1) @ v
        h = h + y.transpose(1, 2).reshape(1, T, D) @ W[pre + 'attn.c_proj.weight'] + W[pre + 'attn.c_proj.bias']
        m = F.gelu(ln(h, pre + 'ln_2') @ W[pre + 'mlp.c_fc.weight'] + W[pre + 'mlp.c_fc.bias'], approximate='tanh')
        out.append(m[0].double())
        h = h + m @ W[pre + 'mlp.c_proj.weight'] + W[pre + 'mlp.c_proj.bias']
    return out


corpus = np.fromfile(os.path.join(args.data, 'corpus_train.u16'), dtype=np.uint16).astype(np.int64)
rng = np.random.default_rng(args.seed)
mom2 = [torch.zeros(4 * D, 4 * D, dtype=torch.float64) for _ in range(L)]
count = 0
while count < args.tokens:
    o = int(rng.integers(0, len(corpus) - args.window))
    n = min(args.window, args.tokens - count)
    for l, k in enumerate(keys(torch.tensor(corpus[o:o + n])[None])):
        mom2[l] += k.T @ k
    count += n
os.makedirs(os.path.join(args.model, 'stats'), exist_ok=True)
for l in range(L):
    path = os.path.join(args.model, 'stats', f'layer{l}_mom2.npz')
    np.savez_compressed(path, **{'mom2.mom2': mom2[l].numpy().astype(np.float32), 'mom2.count': np.array(count, dtype=np.int64)})
print(f'wrote key statistics of {L} layers over {count} tokens (windows of {args.window}, seed {args.seed})')
