// float64 twin of kernels/attention.ts: causal multi-head self-attention of
// B right-padded sequences of length T. Padded query rows are zeros.
export interface AttentionRef {
  out: Float64Array;
  /** [B, H, T, T] */
  probs: Float64Array;
}

export function attentionRef(qkv: ArrayLike<number>, B: number, T: number, d: number, nHeads: number, lengths?: readonly number[]): AttentionRef {
  const hd = d / nHeads;
  const scale = 1 / Math.sqrt(hd);
  const out = new Float64Array(B * T * d);
  const probs = new Float64Array(B * nHeads * T * T);
  const at = (b: number, t: number, col: number) => qkv[(b * T + t) * 3 * d + col]!;
  for (let b = 0; b < B; b++) {
    const len = lengths?.[b] ?? T;
    for (let h = 0; h < nHeads; h++) {
      for (let t = 0; t < len; t++) {
        const w = new Float64Array(t + 1);
        let m = -Infinity;
        for (let s = 0; s <= t; s++) {
          let dot = 0;
          for (let c = 0; c < hd; c++) dot += at(b, t, h * hd + c) * at(b, s, d + h * hd + c);
          w[s] = dot * scale;
          m = Math.max(m, w[s]!);
        }
        let sum = 0;
        for (let s = 0; s <= t; s++) sum += (w[s] = Math.exp(w[s]! - m));
        for (let s = 0; s <= t; s++) probs[((b * nHeads + h) * T + t) * T + s] = w[s]! / sum;
        for (let c = 0; c < hd; c++) {
          let acc = 0;
          for (let s = 0; s <= t; s++) acc += w[s]! * at(b, s, 2 * d + h * hd + c);
          out[(b * T + t) * d + h * hd + c] = acc / sum;
        }
      }
    }
  }
  return { out, probs };
}

/** dqkv of causal attention from dOut and the forward probabilities [B, H, T, T]. */
export function attentionBackwardRef(dOut: ArrayLike<number>, qkv: ArrayLike<number>, probs: ArrayLike<number>, B: number, T: number, d: number, H: number, lengths?: readonly number[]): Float64Array {
  const hd = d / H;
  const scale = 1 / Math.sqrt(hd);
  const dq = new Float64Array(B * T * 3 * d);
  const at = (b: number, t: number, col: number) => qkv[(b * T + t) * 3 * d + col]!;
  const go = (b: number, t: number, col: number) => dOut[(b * T + t) * d + col]!;
  for (let b = 0; b < B; b++) {
    const len = lengths?.[b] ?? T;
    for (let h = 0; h < H; h++) {
      const P = (t: number, s: number) => probs[((b * H + h) * T + t) * T + s]!;
      for (let t = 0; t < len; t++) {
        const dp = new Float64Array(t + 1);
        let D = 0;
        for (let s = 0; s <= t; s++) {
          for (let c = 0; c < hd; c++) dp[s]! += go(b, t, h * hd + c) * at(b, s, 2 * d + h * hd + c);
          D += P(t, s) * dp[s]!;
        }
        for (let s = 0; s <= t; s++) {
          const ds = P(t, s) * (dp[s]! - D);
          for (let c = 0; c < hd; c++) {
            dq[(b * T + t) * 3 * d + h * hd + c]! += scale * ds * at(b, s, d + h * hd + c);
            dq[(b * T + s) * 3 * d + d + h * hd + c]! += scale * ds * at(b, t, h * hd + c);
            dq[(b * T + s) * 3 * d + 2 * d + h * hd + c]! += P(t, s) * go(b, t, h * hd + c);
          }
        }
      }
    }
  }
  return dq;
}
