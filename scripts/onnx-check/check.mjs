// End-to-end check of lwl-train export -format onnx with ONNX Runtime (docs/onnx.md,
// "Checked"): every shipped bundle's export is run on its test data and compared
// with the Go runtime (lwl-train predict, and lwl-gen for the filter): classes identical,
// scores and values within 1e-5 (float32) or 1e-12 (float64) of max(1, |Go's value|).
//
//   node scripts/onnx-check/check.mjs [-n ITEMS] [-n-web ITEMS]   (from anywhere)
//
// It runs everything in ONNX Runtime for Node (on -n items, default 10000) and again in
// onnxruntime-web, the WebAssembly build browsers run (on -n-web items, default 1000).
//
// It builds lwl-train and lwl-gen into a temporary directory and exits 1 on any mismatch.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { run, repo, mnistTest, parseCSV, session, tensor } from './lib.mjs';

const nArg = process.argv.indexOf('-n');
const N = nArg > 0 ? Number(process.argv[nArg + 1]) : 10000;
const nwArg = process.argv.indexOf('-n-web');
const NW = nwArg > 0 ? Number(process.argv[nwArg + 1]) : 1000;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lwl-onnx-check-'));
const lwlTrain = path.join(tmp, 'lwl-train'), lwlGen = path.join(tmp, 'lwl-gen');
run('go', ['build', '-o', lwlTrain, './cmd/lwl-train']);
run('go', ['build', '-o', lwlGen, './cmd/lwl-gen']);
const tol = { float32: 1e-5, float64: 1e-12 };
let RT = 'node'; // the runtime of the current pass: 'node' or 'web'
const sessionRT = (file) => session(file, RT);
let failures = 0;

function exportModel(bundle, part, dtype, ...flags) {
  const out = path.join(tmp, `${path.basename(bundle, '.lwlb')}.${part}.${dtype}${flags.join('')}.onnx`);
  run(lwlTrain, ['export', '-format', 'onnx', '-part', part, '-dtype', dtype, ...flags, '-o', out, bundle]);
  return out;
}

// compare checks got (flat) against ref (rows) and prints one line.
function compare(what, dtype, got, ref) {
  let maxAbs = 0, bad = 0;
  const flat = ref.flat();
  if (got.length !== flat.length) { console.log(`FAIL [${RT}] ${what} ${dtype}: ${got.length} values, Go has ${flat.length}`); failures++; return; }
  for (let i = 0; i < flat.length; i++) {
    const d = Math.abs(got[i] - flat[i]);
    maxAbs = Math.max(maxAbs, d);
    if (!(d <= tol[dtype] * Math.max(1, Math.abs(flat[i])))) bad++;
  }
  const ok = bad === 0;
  if (!ok) failures++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} [${RT}] ${what} ${dtype}: ${flat.length} values, max |ONNX − Go| ${maxAbs.toExponential(2)}, ${bad} beyond ${tol[dtype]}`);
}

function compareClasses(what, dtype, got, ref) {
  let diff = 0;
  for (let i = 0; i < ref.length; i++) if (Number(got[i]) !== ref[i]) diff++;
  if (diff) failures++;
  console.log(`${diff ? 'FAIL' : 'ok  '} [${RT}] ${what} ${dtype}: ${ref.length} classes, ${diff} differ from Go's`);
}

async function classifier(bundle, x, items) {
  const ref = parseCSV(run(lwlTrain, ['predict', '-model', bundle, '-mnist', String(items)]));
  // Convolutions are ONNX Conv in float32 and gathered patches in float64 or with -conv matmul.
  const variants = [['float32'], ['float64']];
  if (bundle.includes('conv')) variants.push(['float32', '-conv', 'matmul']);
  for (const [dtype, ...flags] of variants) {
    const s = await sessionRT(exportModel(bundle, 'classifier', dtype, ...flags));
    const r = await s.run({ data: await tensor(dtype, x, 784, RT) });
    const name = path.basename(bundle) + (flags.length ? ` ${flags.join(' ')}` : '');
    compareClasses(`${name} class`, dtype, r.class.data, ref.rows.map((row) => row[0]));
    compare(`${name} scores`, dtype, r.scores.data, ref.rows.map((row) => row.slice(1)));
  }
}

// autoencoder checks the encoder against predict -encode, the decoder (on Go's codes)
// against predict's reconstruction, which is Decode(Encode(item)), and the filter against
// lwl-gen: with one seed, the codes lwl-gen keeps are those of its unfiltered draws that
// the filter calls genuine.
async function autoencoder(bundle, dataArgs, x, width) {
  const name = path.basename(bundle);
  const codes = parseCSV(run(lwlTrain, ['predict', '-model', bundle, '-encode', ...dataArgs]));
  const recon = parseCSV(run(lwlTrain, ['predict', '-model', bundle, ...dataArgs]));
  const K = codes.head.length;
  const accFile = path.join(tmp, 'accepted.csv'), allFile = path.join(tmp, 'drawn.csv');
  const genErr = spawn(lwlGen, ['-n', '300', '-seed', '7', '-format', 'csv', '-codes', accFile, bundle]);
  const m = /accepted of (\d+) drawn/.exec(genErr);
  if (!m) throw new Error(`lwl-gen did not report its draws: ${genErr}`);
  const accepted = fs.readFileSync(accFile, 'utf8').split('\n').filter((l) => l);
  spawn(lwlGen, ['-n', m[1], '-seed', '7', '-nofilter', '-format', 'csv', '-codes', allFile, bundle]);
  const all = fs.readFileSync(allFile, 'utf8').split('\n').filter((l) => l);
  for (const dtype of ['float32', 'float64']) {
    const enc = await sessionRT(exportModel(bundle, 'encoder', dtype));
    compare(`${name} encoder`, dtype, (await enc.run({ data: await tensor(dtype, x, width, RT) })).code.data, codes.rows);
    const dec = await sessionRT(exportModel(bundle, 'decoder', dtype));
    compare(`${name} decoder`, dtype, (await dec.run({ code: await tensor(dtype, codes.rows.flat(), K, RT) })).data.data, recon.rows);
    const flt = await sessionRT(exportModel(bundle, 'filter', dtype));
    const cls = (await flt.run({ code: await tensor(dtype, all.flatMap((l) => l.split(',').map(Number)), K, RT) })).class.data;
    const kept = all.filter((_, i) => Number(cls[i]) === 1);
    const same = kept.length === accepted.length && kept.every((l, i) => l === accepted[i]);
    if (!same) failures++;
    console.log(`${same ? 'ok  ' : 'FAIL'} [${RT}] ${name} filter ${dtype}: of ${all.length} codes drawn by lwl-gen -seed 7, ONNX calls ${kept.length} genuine, lwl-gen kept ${accepted.length}${same ? ', the same codes' : ''}`);
  }
}

function spawn(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: repo, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stderr;
}

// binary5-generator's data: the 32 one-hot items of length 32 it was made for.
const hot = [];
for (let i = 0; i < 32; i++) for (let j = 0; j < 32; j++) hot.push(i === j ? 1 : 0);
const hotFile = path.join(tmp, 'onehot.csv');
fs.writeFileSync(hotFile, Array.from({ length: 32 }, (_, i) => hot.slice(32 * i, 32 * i + 32).join(',')).join('\n') + '\n');
// ONNX Runtime for Node on N items, then onnxruntime-web (WebAssembly) on the first NW.
for (const [rt, n] of [['node', N], ['web', Math.min(N, NW)]]) {
  RT = rt;
  const x = mnistTest(n);
  await classifier('testdata/mnist-classifier.lwlb', x, n);
  await classifier('testdata/mnist-conv-classifier.lwlb', x, n);
  await autoencoder('testdata/mnist-generator.lwlb', ['-mnist', String(n)], x, 784);
  await autoencoder('testdata/binary5-generator.lwlb', ['-csv', hotFile], hot, 32);
}
// The ONNX checker (onnx.checker.check_model with full_check, shape inference included) on
// every exported model, where a Python with the onnx package is installed (Debian's
// python3-onnx will do; the check above needs only Node).
const models = fs.readdirSync(tmp).filter((f) => f.endsWith('.onnx')).map((f) => path.join(tmp, f));
const py = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import onnx.checker'], { cwd: tmp }).status === 0);
if (py) {
  const r = spawnSync(py, ['-c', 'import onnx, sys\nfor f in sys.argv[1:]: onnx.checker.check_model(onnx.load(f), full_check=True)\nprint(onnx.__version__)', ...models], { cwd: tmp, encoding: 'utf8' });
  if (r.status !== 0) failures++;
  console.log(r.status === 0 ? `ok   onnx checker ${r.stdout.trim()} (full_check): ${models.length} models` : `FAIL onnx checker: ${r.stderr}`);
} else {
  console.log('skip onnx checker: no python3 with the onnx package');
}
fs.rmSync(tmp, { recursive: true, force: true });
if (failures) { console.log(`onnx check: ${failures} FAILED`); process.exit(1); }
console.log('onnx check passed');
