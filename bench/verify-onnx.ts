// Runs an exported ONNX graph in Node (onnxruntime-web's wasm backend) on the
// fixture's token ids and checks its NLL against the float64 golden values:
// proof that what ONNX Runtime benchmarks is the same model our engine runs.
//
//   npx tsx bench/verify-onnx.ts MODEL.onnx tests/fixtures/tiny-gpt2/forward.json
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';

interface GoldenText {
  ids: number[];
  nll: number[];
}

export async function verifyOnnxNll(onnxPath: string, forwardJson: string, tolerance = 3e-4): Promise<number> {
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(readFileSync(onnxPath), { executionProviders: ['wasm'] });
  const golden = JSON.parse(readFileSync(forwardJson, 'utf8')) as { texts: GoldenText[] };
  let worst = 0;
  for (const text of golden.texts) {
    const ids = new ort.Tensor('int64', BigInt64Array.from(text.ids, BigInt), [1, text.ids.length]);
    const out = await session.run({ input_ids: ids });
    const nll = out.nll!.data as Float32Array;
    text.nll.forEach((want, i) => (worst = Math.max(worst, Math.abs(nll[i]! - want))));
  }
  await session.release();
  if (!(worst <= tolerance)) throw new Error(`${onnxPath}: ONNX NLL differs from ${forwardJson} by ${worst} (> ${tolerance})`);
  return worst;
}

if (process.argv[1] && /verify-onnx\.ts$/.test(process.argv[1])) {
  const [onnxPath, forwardJson] = process.argv.slice(2);
  if (!onnxPath || !forwardJson) throw new Error('usage: verify-onnx.ts MODEL.onnx forward.json');
  const worst = await verifyOnnxNll(onnxPath, forwardJson);
  console.log(`verify: ONNX Runtime (wasm) NLL matches ${forwardJson}: max |diff| ${worst.toExponential(2)}`);
}
