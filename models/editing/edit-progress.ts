// What a long edit reports while it runs, and how it is stopped: one shape for
// every method, so the worker and the CLI show any method's progress alike.

export interface EditProgress {
  /** z (MEMIT/AlphaEdit target optimisation), keys, solve, projector (eigendecomposition), finetune, apply. */
  stage: 'z' | 'keys' | 'solve' | 'projector' | 'finetune' | 'apply';
  /** Work done and total within the stage (requests, layers, steps, or a fraction out of 1). */
  done: number;
  total: number;
  /** Which request or layer, for people. */
  detail?: string;
}

export interface EditRunOptions {
  signal?: AbortSignal;
  onProgress?: (p: EditProgress) => void;
  /** Each optimisation step's loss: z of request r (MEMIT/AlphaEdit) or the fine-tuning loss (FT, r = -1). */
  onStep?: (request: number, it: number, loss: number) => void;
}
