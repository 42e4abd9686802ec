#!/usr/bin/env python3
"""Butterfly Lab -> EasyEdit: replay an exported Experiment on a GPU node.

Edits with EasyEdit's BaseEditor (its model, tokenizer and algorithm for the
method in hparams.yaml) one request (or one batch) at a time, and after every
edit scores ME-PPL as the paper does (shared/spec/evaluation.md): per text,
PPL = exp(mean NLL of tokens 2..T), first token never scored; ME-PPL is the
arithmetic mean of those; ppl_corpus = exp(mean NLL over all scored tokens).
It writes one JSON line per step in the lab's Result schema (the same lines
`lab sweep` writes), so `npm run -s lab -- import steps*.jsonl` and the lab's
"Open results" read them back.

    python run.py [--mode single|sequential] [--shard I/N] [--out FILE] [--limit K]
    python run.py --engine stub ...   # no torch, no EasyEdit: a stand-in model (tests)
    python run.py --self-test         # checks the writer, the sharding and the maths

Sharding (--shard I/N, I = 0..N-1, e.g. $SLURM_ARRAY_TASK_ID/$N) splits the
cases into N contiguous blocks. Only single mode shards: in sequential mode
edit k is made on the model left by edits 0..k-1, so the chain is one job.
Every shard scores the unedited baseline itself; `lab import` checks they agree.

Files read from this folder: run_config.json, hparams.yaml, requests.json,
me_ppl.json, experiment.json, tasks/<id>.jsonl.
"""
import argparse
import copy
import json
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------- pure helpers


def parse_shard(text):
    """'I/N' -> (I, N) with 0 <= I < N."""
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise SystemExit(f"run.py: --shard must look like I/N (e.g. 0/4), got {text!r}")
    if n < 1 or not 0 <= i < n:
        raise SystemExit(f"run.py: --shard {text}: need 0 <= I < N")
    return i, n


def shard_cases(n_cases, shard):
    """The contiguous block of case indices shard (I, N) runs; blocks cover 0..n_cases-1 once."""
    i, n = shard
    return list(range(i * n_cases // n, (i + 1) * n_cases // n))


def me_ppl(per_text_nll):
    """Per-text NLL lists (tokens 2..T) -> (ME-PPL, corpus PPL, per-text PPLs)."""
    per_text = []
    total, count = 0.0, 0
    for nll in per_text_nll:
        if not nll:
            continue
        per_text.append(math.exp(sum(nll) / len(nll)) if all(math.isfinite(x) for x in nll) else float("nan"))
        total += sum(nll)
        count += len(nll)
    if not per_text:
        raise ValueError("no text has two or more tokens to score")
    mean = sum(per_text) / len(per_text)
    return mean, math.exp(total / count) if math.isfinite(total) else float("nan"), per_text


def collapse_state(value, baseline, factor):
    """(collapsed, reason): ME-PPL above factor x baseline, or not finite."""
    if not math.isfinite(value):
        return True, f"ME-PPL is {value}"
    if value > factor * baseline:
        return True, f"ME-PPL {value:.6g} > {factor:g} x baseline {baseline:.6g}"
    return False, None


def jsonable(v):
    """Non-finite numbers as the strings the lab's sweep log uses ("NaN", "Infinity", "-Infinity")."""
    if isinstance(v, float) and not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    return v


class ResultWriter:
    """Whole lines, flushed and fsynced, so a killed job leaves every finished step on disk."""

    def __init__(self, path):
        self.path = path
        self.f = open(path, "w", encoding="utf-8")

    def write(self, record):
        self.f.write(json.dumps(jsonable(record), ensure_ascii=False, allow_nan=False) + "\n")
        self.f.flush()
        os.fsync(self.f.fileno())

    def close(self):
        self.f.close()


def easyedit_request(edit):
    """The lab's edit ({} template) -> EasyEdit's request (subject filled in; EasyEdit adds the target's space)."""
    return {
        "prompt": edit["prompt"].replace("{}", edit["subject"]),
        "subject": edit["subject"],
        "target_new": edit["target_new"],
        "ground_truth": edit.get("target_true") or "<|endoftext|>",
        "portability": {},
        "locality": {},
    }


# ---------------------------------------------------------------- scoring


def score_point(lm, texts, tasks):
    nll = lm.text_nlls(texts)
    mean, corpus, per_text = me_ppl(nll)
    accs = {}
    for task_id, items in tasks.items():
        right = 0
        for it in items:
            if it["kind"] == "greedy":
                _, greedy = lm.continuation(it["context"], " " + it["choices"][0])
                right += 1 if greedy else 0
            else:
                ll = [lm.continuation(it["context"], " " + c)[0] for c in it["choices"]]
                best = max(range(len(ll)), key=lambda i: (ll[i], -i))
                right += 1 if best == it["label"] else 0
        accs[task_id] = right / len(items) if items else float("nan")
    return {"me_ppl": mean, "ppl_corpus": corpus, "tasks": accs}, per_text


def target_nll(lm, edit):
    ll, _ = lm.continuation(edit["prompt"].replace("{}", edit["subject"]), " " + edit["target_new"])
    return -ll / max(1, lm.count_tokens(edit["prompt"].replace("{}", edit["subject"]), " " + edit["target_new"]))


# ---------------------------------------------------------------- the run


def run(cfg, engine, edits, cases, mode, writer, log=print):
    factor = float(cfg.get("collapse_factor", 10))
    texts, tasks = cfg["texts"], cfg["tasks"]
    batch = max(1, int(cfg.get("batch_size", 1)))
    lm = engine.lm()
    base, per_text = score_point(lm, texts, tasks)
    writer.write({"type": "baseline", "metrics": {**base, "collapsed": False, "per_text_ppl": per_text}})
    log(f"baseline ME-PPL {base['me_ppl']:.6g}")
    groups = [cases[i:i + batch] for i in range(0, len(cases), batch)]
    for group in groups:
        t0 = time.time()
        last = group[-1]
        edit = edits[last]
        record = {"index": last, "edit": last, "case_id": last, "request": edit}
        if len(group) > 1:
            record["batch"] = group
        try:
            before = target_nll(lm, edit)
            subject_at_start = lm.subject_at_start(edit)
            undo, update_norm = engine.apply([easyedit_request(edits[c]) for c in group])
            lm = engine.lm()
            point, per_text = score_point(lm, texts, tasks)
            after = target_nll(lm, edit)
            collapsed, reason = collapse_state(point["me_ppl"], base["me_ppl"], factor)
            metrics = {**point, "collapsed": collapsed, "per_text_ppl": per_text}
            if reason:
                metrics["collapseReason"] = reason
            record.update({
                "type": "step",
                # What EasyEdit does not report is null, not made up.
                "diagnostics": {"denominator": None, "delta_norm": None, "update_norm": update_norm,
                                "subject_at_start": subject_at_start, "v_loss": [],
                                "target_nll_before": before, "target_nll_after": after},
                "metrics": metrics,
                "collapsed": collapsed,
                "elapsedMs": round(1000 * (time.time() - t0)),
            })
            if mode == "single":
                engine.restore(undo)
                lm = engine.lm()
            log(f"edit {last}: {edit['subject']} -> {edit['target_new']}  ME-PPL {point['me_ppl']:.6g}{'  COLLAPSED' if collapsed else ''}")
        except Exception as e:  # one failed edit is a line in the log, not the end of the job
            if isinstance(e, KeyboardInterrupt):
                raise
            record.update({"type": "failed", "error": f"{type(e).__name__}: {e}"[:2000]})
            log(f"edit {last} failed: {record['error']}")
            if mode == "sequential":
                writer.write(record)
                raise SystemExit("run.py: a sequential chain cannot go on past a failed edit")
        writer.write(record)


# ---------------------------------------------------------------- engines


class TorchLM:
    """Teacher-forced scoring on a Hugging Face causal LM (the tokenizer's own BOS, if any, is kept)."""

    def __init__(self, model, tok):
        import torch
        self.torch, self.model, self.tok = torch, model, tok
        self.device = next(model.parameters()).device
        cfg = model.config
        self.max_len = getattr(cfg, "n_positions", None) or getattr(cfg, "max_position_embeddings", None) or 1024
        self.n_special = len(tok("")["input_ids"])

    def _logprobs(self, ids):
        torch = self.torch
        with torch.no_grad():
            x = torch.tensor([ids], device=self.device)
            logits = self.model(input_ids=x).logits[0].float()
            return torch.log_softmax(logits, -1)

    def text_nlls(self, texts):
        out = []
        for t in texts:
            ids = self.tok(t)["input_ids"][: self.max_len]
            if len(ids) < 2:
                out.append([])
                continue
            lp = self._logprobs(ids)
            tgt = self.torch.tensor(ids[1:], device=self.device)
            out.append((-lp[:-1].gather(1, tgt[:, None])[:, 0]).tolist())
        return out

    def _split(self, context, cont):
        ctx = self.tok(context)["input_ids"]
        whole = self.tok(context + cont)["input_ids"]
        if whole[: len(ctx)] == ctx and len(whole) > len(ctx):
            return ctx, whole[len(ctx):]
        return ctx, self.tok(cont, add_special_tokens=False)["input_ids"]

    def count_tokens(self, context, cont):
        return len(self._split(context, cont)[1])

    def continuation(self, context, cont):
        """(summed log-likelihood of cont after context, greedy decoding reproduces it)."""
        ctx, tgt = self._split(context, cont)
        ids = (ctx + tgt)[-self.max_len:]
        lp = self._logprobs(ids)
        n = len(tgt)
        rows = lp[len(ids) - n - 1: len(ids) - 1]
        t = self.torch.tensor(ids[len(ids) - n:], device=self.device)
        ll = rows.gather(1, t[:, None])[:, 0].sum().item()
        greedy = bool((rows.argmax(-1) == t).all().item())
        return ll, greedy

    def subject_at_start(self, edit):
        prefix = edit["prompt"].split("{}")[0] + edit["subject"]
        return len(self.tok(prefix)["input_ids"]) - 1 == self.n_special


class EasyEditEngine:
    def __init__(self, cfg):
        import torch
        try:
            import easyeditor
        except ImportError:
            raise SystemExit("run.py: EasyEdit is not installed (pip install easyeditor, or put its checkout on PYTHONPATH)")
        cls = getattr(easyeditor, cfg["hparams_class"], None)
        if cls is None:
            raise SystemExit(f"run.py: this EasyEdit has no {cfg['hparams_class']} (method {cfg['alg_name']}); see docs/easyedit.md for the version the export was written for")
        self.torch = torch
        self.hparams = cls.from_hparams(os.path.join(HERE, "hparams.yaml"))
        self.editor = easyeditor.BaseEditor.from_hparams(self.hparams)
        self.model = self.editor.model

    def lm(self):
        return TorchLM(self.model, self.editor.tok)

    def apply(self, requests):
        edited, weights_copy = self.editor.apply_algo(
            self.model, self.editor.tok, copy.deepcopy(requests), self.hparams,
            copy=False, return_orig_weights=True, keep_original_weight=False,
        )
        self.model = self.editor.model = edited
        params = dict(self.model.named_parameters())
        sq = 0.0
        for k, v in (weights_copy or {}).items():
            if k in params:
                sq += float(((params[k].detach().float() - v.to(params[k].device).float()) ** 2).sum().item())
        return weights_copy, math.sqrt(sq)

    def restore(self, weights_copy):
        if not weights_copy:
            raise RuntimeError(f"{self.hparams.alg_name} returned no original weights: single mode cannot undo its edit")
        params = dict(self.model.named_parameters())
        with self.torch.no_grad():
            for k, v in weights_copy.items():
                params[k][...] = v.to(params[k].device)


class StubLM:
    """A stand-in model whose every NLL is scaled by the engine's state: deterministic, no torch."""

    def __init__(self, scale):
        self.scale = scale

    def text_nlls(self, texts):
        return [[(1.0 + ((len(t) + j) % 7) * 0.1) * self.scale for j in range(max(1, len(t.split())) - 1)] for t in texts]

    def count_tokens(self, context, cont):
        return max(1, len(cont.split()))

    def continuation(self, context, cont):
        ll = -0.5 * self.scale * self.count_tokens(context, cont) - 0.01 * (len(context) % 5)
        return ll, self.scale < 1.5

    def subject_at_start(self, edit):
        return edit["prompt"].startswith("{}")


class StubEngine:
    """An edit multiplies the scale by 1.05, or by 5 (a 'collapse') when its subject's length is 4 mod 5."""

    def __init__(self):
        self.scale = 1.0

    def lm(self):
        return StubLM(self.scale)

    def apply(self, requests):
        old = self.scale
        for r in requests:
            self.scale *= 5.0 if len(r["subject"]) % 5 == 4 else 1.05
        return old, abs(self.scale - old)

    def restore(self, old):
        self.scale = old


# ---------------------------------------------------------------- entry


def load_inputs(folder):
    def read(name):
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            return json.load(f)

    cfg = read("run_config.json")
    experiment = read("experiment.json")
    cfg["texts"] = read("me_ppl.json")
    tasks = {}
    for task_id in cfg.get("task_files", []):
        with open(os.path.join(folder, "tasks", f"{task_id}.jsonl"), encoding="utf-8") as f:
            tasks[task_id] = [json.loads(line) for line in f if line.strip()]
    cfg["tasks"] = tasks
    return cfg, experiment


def main(argv=None):
    ap = argparse.ArgumentParser(description="Replay a Butterfly Lab experiment with EasyEdit and score ME-PPL after every edit.")
    ap.add_argument("--mode", choices=["single", "sequential"], help="default: the experiment's mode")
    ap.add_argument("--shard", help="I/N: run the I-th of N blocks of cases (single mode), e.g. $SLURM_ARRAY_TASK_ID/4")
    ap.add_argument("--out", help="steps file (default: steps.jsonl, or steps-I-of-N.jsonl for a shard)")
    ap.add_argument("--limit", type=int, help="only the first K cases (a quick try)")
    ap.add_argument("--engine", choices=["easyedit", "stub"], default="easyedit")
    ap.add_argument("--self-test", action="store_true", help="check the writer, the sharding and the maths, then exit")
    args = ap.parse_args(argv)
    if args.self_test:
        return self_test()

    cfg, experiment = load_inputs(HERE)
    mode = args.mode or experiment.get("mode", "sequential")
    edits = experiment["edits"]
    n_cases = len(edits) if args.limit is None else min(len(edits), max(0, args.limit))
    shard = parse_shard(args.shard) if args.shard else (0, 1)
    if mode == "sequential" and shard[1] > 1:
        raise SystemExit("run.py: a sequential chain cannot be split over jobs (edit k is made on the model left by edits 0..k-1); run it as one job, or use --mode single")
    cases = shard_cases(n_cases, shard)
    out = args.out or ("steps.jsonl" if shard[1] == 1 else f"steps-{shard[0]}-of-{shard[1]}.jsonl")
    engine = StubEngine() if args.engine == "stub" else EasyEditEngine(cfg)
    writer = ResultWriter(out)
    try:
        writer.write({
            "type": "sweep", "version": 1, "engine": args.engine, "alg_name": cfg["alg_name"],
            "experiment": experiment, "mode": mode, "tasks": cfg.get("task_sizes", {}), "seed": cfg.get("seed", 0),
            "edits": [{"case_id": i, "request": edits[i]} for i in range(n_cases)],
            "shard": {"index": shard[0], "count": shard[1], "cases": [cases[0], cases[-1] + 1] if cases else [0, 0]},
        })
        run(cfg, engine, edits, cases, mode, writer, log=lambda s: print(s, file=sys.stderr, flush=True))
    finally:
        writer.close()
    print(f"wrote {out}", file=sys.stderr)
    return 0


def self_test():
    import tempfile
    # Sharding: every case once, in order, for awkward sizes.
    for n_cases in (0, 1, 7, 10, 101):
        for n in (1, 2, 3, 8):
            seen = [c for i in range(n) for c in shard_cases(n_cases, (i, n))]
            assert seen == list(range(n_cases)), (n_cases, n, seen)
    # ME-PPL: the mean of per-text PPLs, not exp of the pooled mean.
    m, c, per = me_ppl([[math.log(2)] * 3, [math.log(8)]])
    assert abs(m - 5.0) < 1e-12 and abs(c - 2 ** 1.5) < 1e-12 and len(per) == 2, (m, c)
    assert collapse_state(float("nan"), 10, 10)[0] and collapse_state(101, 10, 10)[0] and not collapse_state(100, 10, 10)[0]
    # The writer: whole lines, non-finite numbers as strings.
    with tempfile.TemporaryDirectory() as d:
        w = ResultWriter(os.path.join(d, "s.jsonl"))
        w.write({"metrics": {"me_ppl": float("inf"), "x": [float("nan"), 1.5]}})
        w.close()
        with open(os.path.join(d, "s.jsonl"), encoding="utf-8") as f:
            line = json.loads(f.readline())
        assert line == {"metrics": {"me_ppl": "Infinity", "x": ["NaN", 1.5]}}, line
    # A stub run: single mode undoes every edit, sequential accumulates.
    edits = [{"prompt": "{} is in", "subject": "s" * (k + 1), "target_new": "x"} for k in range(6)]
    cfg = {"texts": ["one two three four", "five six seven"], "tasks": {}, "collapse_factor": 10}
    for mode in ("single", "sequential"):
        with tempfile.TemporaryDirectory() as d:
            w = ResultWriter(os.path.join(d, "s.jsonl"))
            run(cfg, StubEngine(), edits, list(range(6)), mode, w, log=lambda s: None)
            w.close()
            with open(os.path.join(d, "s.jsonl"), encoding="utf-8") as f:
                lines = [json.loads(x) for x in f]
        steps = [x for x in lines if x.get("type") == "step"]
        assert len(steps) == 6 and [s["index"] for s in steps] == list(range(6))
        ppl = [s["metrics"]["me_ppl"] for s in steps]
        assert lines[0]["type"] == "baseline" and all(p > lines[0]["metrics"]["me_ppl"] for p in ppl)
        if mode == "single":  # each edit on the original model: only case 3 (subject length 4) collapses
            assert all(ppl[k] == ppl[0] for k in (1, 2, 4, 5)) and ppl[3] > ppl[0], ppl
            assert [s["collapsed"] for s in steps] == [False, False, False, True, False, False]
        else:  # the damage accumulates
            assert all(b > a for a, b in zip(ppl, ppl[1:])), ppl
    try:
        import torch  # noqa: F401
    except ImportError:
        print("run.py self-test: ok (torch not installed: the scoring and EasyEdit glue checks were skipped)", file=sys.stderr)
        return 0
    _torch_checks()
    print("run.py self-test: ok", file=sys.stderr)
    return 0


def _torch_checks():
    """TorchLM's teacher-forced scoring and the EasyEdit glue (apply, undo) on a tiny bigram model."""
    import torch
    from types import SimpleNamespace

    class Tok:  # one token per character (a..y), optional BOS 49
        def __init__(self, bos):
            self.bos = bos

        def __call__(self, text, add_special_tokens=True):
            return {"input_ids": ([49] if self.bos and add_special_tokens else []) + [(ord(c) - 97) % 49 for c in text]}

    class Bigram(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.config = SimpleNamespace(n_positions=64)
            self.table = torch.nn.Parameter(torch.randn(50, 50, generator=torch.Generator().manual_seed(0)))

        def forward(self, input_ids):
            return SimpleNamespace(logits=self.table[input_ids])

    model = Bigram()
    lp = torch.log_softmax(model.table.detach().double(), -1)
    for bos in (False, True):
        lm = TorchLM(model, Tok(bos))
        ids = Tok(bos)("abcab")["input_ids"]
        want = [-lp[ids[i], ids[i + 1]].item() for i in range(len(ids) - 1)]
        got = lm.text_nlls(["abcab"])[0]
        assert len(got) == len(want) and all(abs(a - b) < 1e-5 for a, b in zip(got, want)), (got, want)
        c = Tok(bos)("ab")["input_ids"]
        ll, greedy = lm.continuation("ab", "ca")
        want_ll = lp[c[-1], 2].item() + lp[2, 0].item()
        assert abs(ll - want_ll) < 1e-5, (ll, want_ll)
        assert greedy == (int(lp[c[-1]].argmax()) == 2 and int(lp[2].argmax()) == 0)
        assert lm.subject_at_start({"prompt": "{} is", "subject": "a"}) and not lm.subject_at_start({"prompt": "x {} is", "subject": "a"})
    assert TorchLM(model, Tok(False)).text_nlls(["a"]) == [[]]  # one token, no BOS: nothing to score

    # The glue: apply records ||dW||_F against the originals EasyEdit returns; restore puts them back.
    engine = EasyEditEngine.__new__(EasyEditEngine)
    engine.torch, engine.model = torch, model
    before = model.table.detach().clone()

    def apply_algo(m, tok, requests, hparams, **kw):
        assert requests[0]["target_new"] == "x" and kw["return_orig_weights"] and not kw["copy"]
        orig = {"table": m.table.detach().clone()}
        with torch.no_grad():
            m.table[0, :4] += 0.75
        return m, orig

    engine.editor = SimpleNamespace(apply_algo=apply_algo, tok=None, model=model)
    engine.hparams = SimpleNamespace(alg_name="TEST")
    undo, norm = engine.apply([{"prompt": "a", "subject": "a", "target_new": "x"}])
    assert abs(norm - 1.5) < 1e-5, norm
    engine.restore(undo)
    assert torch.equal(model.table.detach(), before)


if __name__ == "__main__":
    sys.exit(main())
