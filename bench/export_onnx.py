#!/usr/bin/python3
"""Export a GPT-2 (Hugging Face config.json + model.safetensors) to ONNX for the
benchmark, with the per-token NLL computed inside the graph.

The model is plain torch with HF GPT-2 semantics (Conv1D [in, out] weights,
gelu_new in its tanh form, layernorm eps from the config, tied unembedding), so
no `transformers` is needed. The graph takes input_ids int64 [batch, seq] and
returns nll float32 [batch, seq-1], nll[b, t] = -log softmax(logits[b, t])[ids[b, t+1]]:
ONNX Runtime then reads back a few numbers per sequence, as our engine does,
instead of [batch, seq, 50257] logits.

    /usr/bin/python3 bench/export_onnx.py MODEL_DIR OUT.onnx [--verify forward.json]

--verify runs the torch model (float64 and float32) on the fixture's ids and
checks its NLL against forward.json, proving the exported graph is the model.
"""
import json
import math
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64}


def read_safetensors(path):
    """name -> numpy array, parsed by hand (8-byte LE header length, JSON header, raw data)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = np.frombuffer(f.read(), dtype=np.uint8)
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        arr = data[begin:end].view(DTYPES[info["dtype"]]).reshape(info["shape"])
        key = name[len("transformer."):] if name.startswith("transformer.") else name
        out[key] = arr.astype(np.float32)
    return out


class Gpt2(torch.nn.Module):
    def __init__(self, config, weights):
        super().__init__()
        self.n_layer = config["n_layer"]
        self.n_head = config["n_head"]
        self.d = config["n_embd"]
        self.eps = config.get("layer_norm_epsilon", 1e-5)
        n_pos = config["n_positions"]
        self.w = torch.nn.ParameterDict(
            {k.replace(".", "_"): torch.nn.Parameter(torch.from_numpy(v.copy()), requires_grad=False)
             for k, v in weights.items() if not k.endswith((".attn.bias", ".attn.masked_bias")) and k != "lm_head.weight"})
        self.register_buffer("causal", torch.tril(torch.ones(n_pos, n_pos, dtype=torch.bool)), persistent=False)

    def p(self, name):
        return self.w[name.replace(".", "_")]

    def ln(self, x, name):
        return F.layer_norm(x, (self.d,), self.p(name + ".weight"), self.p(name + ".bias"), self.eps)

    def conv1d(self, x, name):  # HF Conv1D: weight [in, out]
        return torch.matmul(x, self.p(name + ".weight")) + self.p(name + ".bias")

    @staticmethod
    def gelu_new(x):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)))

    def attention(self, x, i):
        b, t = x.shape[0], x.shape[1]
        d, hd = self.d, self.d // self.n_head  # Python ints: constants in the graph
        q, k, v = self.conv1d(x, f"h.{i}.attn.c_attn").split(d, dim=2)
        q = q.view(b, t, self.n_head, hd).transpose(1, 2)
        k = k.view(b, t, self.n_head, hd).transpose(1, 2)
        v = v.view(b, t, self.n_head, hd).transpose(1, 2)
        att = torch.matmul(q, k.transpose(-2, -1)) * (1.0 / math.sqrt(hd))
        att = att.masked_fill(~self.causal[:t, :t], torch.finfo(att.dtype).min)
        y = torch.matmul(torch.softmax(att, dim=-1), v).transpose(1, 2).reshape(b, t, d)
        return self.conv1d(y, f"h.{i}.attn.c_proj")

    def logits(self, ids):
        t = ids.shape[1]
        pos = torch.arange(t, device=ids.device)
        x = self.p("wte.weight")[ids] + self.p("wpe.weight")[pos]
        for i in range(self.n_layer):
            x = x + self.attention(self.ln(x, f"h.{i}.ln_1"), i)
            h = self.gelu_new(self.conv1d(self.ln(x, f"h.{i}.ln_2"), f"h.{i}.mlp.c_fc"))
            x = x + self.conv1d(h, f"h.{i}.mlp.c_proj")
        return torch.matmul(self.ln(x, "ln_f"), self.p("wte.weight").t())  # tied unembedding

    def forward(self, ids):
        logits = self.logits(ids)[:, :-1, :]
        # NLL = logsumexp - logit of the next token, written with max/exp/sum/log
        # so every op has a WebGPU kernel in ONNX Runtime.
        m = logits.max(dim=-1, keepdim=True).values
        lse = m + torch.log(torch.exp(logits - m).sum(dim=-1, keepdim=True))
        target = torch.gather(logits, 2, ids[:, 1:].unsqueeze(-1))
        return (lse - target).squeeze(-1)


def load(model_dir):
    with open(f"{model_dir}/config.json") as f:
        config = json.load(f)
    return Gpt2(config, read_safetensors(f"{model_dir}/model.safetensors")).eval()


def verify(model, forward_json):
    with open(forward_json) as f:
        golden = json.load(f)
    worst = {}
    for dtype, tol in ((torch.float64, 1e-9), (torch.float32, 1e-4)):
        m = model.to(dtype)
        err = 0.0
        for text in golden["texts"]:
            ids = torch.tensor([text["ids"]], dtype=torch.int64)
            with torch.no_grad():
                nll = m(ids)[0].double().numpy()
            err = max(err, float(np.abs(nll - np.array(text["nll"])).max()))
        worst[str(dtype)] = err
        if err > tol:
            sys.exit(f"verify: torch {dtype} NLL differs from {forward_json} by {err:.3g} (> {tol:g})")
    model.to(torch.float32)
    print(f"verify: NLL matches {forward_json}: max |diff| float64 {worst['torch.float64']:.2g}, float32 {worst['torch.float32']:.2g}")


def main():
    args = sys.argv[1:]
    forward_json = None
    if "--verify" in args:
        i = args.index("--verify")
        forward_json = args[i + 1]
        del args[i:i + 2]
    if len(args) != 2:
        sys.exit(__doc__)
    model_dir, out = args
    torch.set_num_threads(max(1, torch.get_num_threads()))
    model = load(model_dir)
    if forward_json:
        verify(model, forward_json)
    example = torch.zeros(1, 8, dtype=torch.int64)
    torch.onnx.export(
        model, (example,), out,
        input_names=["input_ids"], output_names=["nll"],
        dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "nll": {0: "batch", 1: "seq_minus_1"}},
        opset_version=17, do_constant_folding=True,
    )
    print(f"exported {out}")


if __name__ == "__main__":
    main()
