"""Which MLPs run in a --mlp-drop fact row (train_demo.py), and the same mask when rome_probe.py runs a pilot
model as it was trained (PROBE_MLP_LAYERS): one rule for both, so the probe runs exactly what training ran."""
import torch


def mlp_keep(n_layers, n, subject_lasts, layers=(), last_only=False):
    """[n_layers, B, n, 1], 1 where the MLP runs: per row, only at the subject's positions (up to its last token,
    or only that token with last_only) and only in `layers` (empty: every layer); a row whose subject_last is
    None runs whole."""
    def row(sl):
        if sl is None:
            return [[1.0] * n for _ in range(n_layers)]
        at = (lambda i: i == sl) if last_only else (lambda i: i <= sl)
        return [[1.0 if at(i) and (not layers or l in layers) else 0.0 for i in range(n)] for l in range(n_layers)]
    return torch.tensor([row(sl) for sl in subject_lasts]).permute(1, 0, 2)[..., None]
