// Timing of an exported MNIST classifier under ONNX Runtime for Node, one thread:
// items/s over the first -n MNIST test digits (default 10000), in batches of -batch items
// (default all at once), best of -repeat passes (default 5) after one warm-up pass. With
// -ref FILE (the CSV of lwl-train predict -model BUNDLE -mnist N) it also counts the items
// whose class differs from Go's. The element type is the model's (lwl-train export -dtype).
//
//   lwl-train export -dtype float64 -o m.onnx testdata/mnist-classifier.lwlb
//   lwl-train predict -model testdata/mnist-classifier.lwlb -mnist 10000 > ref.csv
//   node scripts/onnx-check/bench.mjs m.onnx -ref ref.csv
import fs from 'node:fs';
import { mnistTest, parseCSV, session, tensor } from './lib.mjs';

const args = process.argv.slice(2);
const flag = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const model = args[0];
if (!model || model.startsWith('-')) {
  console.error('usage: node bench.mjs MODEL.onnx [-n ITEMS] [-batch B] [-repeat R] [-ref PREDICT.csv]');
  process.exit(2);
}
const N = Number(flag('-n', '10000')), B = Number(flag('-batch', String(N))), R = Number(flag('-repeat', '5'));
const s = await session(model);
const meta = s.inputMetadata[0];
const dtype = meta.type, width = meta.shape[1], input = s.inputNames[0];
if (width !== 784) throw new Error(`${model}: input ${input} has ${width} values per item; this benchmark feeds MNIST digits (784)`);
const x = mnistTest(N);
const feeds = [];
for (let lo = 0; lo < N; lo += B) feeds.push({ [input]: await tensor(dtype, x.subarray(lo * 784, Math.min(N, lo + B) * 784), 784) });
let classes = [];
const pass = async () => {
  classes = [];
  const t0 = process.hrtime.bigint();
  for (const f of feeds) {
    const r = await s.run(f);
    classes.push(...Array.from(r.class.data, Number));
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
};
await pass();
let best = Infinity;
for (let i = 0; i < R; i++) best = Math.min(best, await pass());
let line = `${model}: ${dtype}, ${N} items in batches of ${B}, 1 thread: best of ${R} ${best.toFixed(3)} s, ${(N / best).toFixed(0)} items/s`;
if (flag('-ref')) {
  const ref = parseCSV(fs.readFileSync(flag('-ref'), 'utf8')).rows.map((r) => r[0]);
  if (ref.length < N) throw new Error(`${flag('-ref')}: ${ref.length} rows for ${N} items`);
  let diff = 0;
  for (let i = 0; i < N; i++) if (classes[i] !== ref[i]) diff++;
  line += `; ${diff} classes differ from ${flag('-ref')}`;
}
console.log(line);
