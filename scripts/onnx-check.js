#!/usr/bin/env node
// onnx-check.js runs a model written by `shardnet export --format onnx` in
// ONNX Runtime (onnxruntime-node, CPU) on every test image of a data set
// and compares it with shardnet itself.
//
//   cd scripts && npm ci --ignore-scripts      # once: onnxruntime-node 1.30.0
//   node scripts/onnx-check.js --model model.onnx --data DIR \
//       [--probabilities probs.npy] [--accuracy 0.8862]
//
// DIR holds t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (raw or
// .gz). --probabilities is the file of `shardnet eval --probabilities`,
// shardnet's own softmax outputs for the same images; --accuracy is the
// accuracy `shardnet eval` printed. With them the script checks that ONNX
// Runtime and shardnet pick the same class for at least --min-agreement of
// the images (default 0.999), that their accuracies differ by at most
// --max-accuracy-diff (default 0.0002) and their probabilities by at most
// --max-prob-diff. Its default is the README's bound for the model's graph
// (the metadata key "graph" of the export): 1e-5 for the sequential graph,
// which sums as shardnet does, and 1e-4 for the matmul graph, whose other
// order of summing moves raw-pixel networks' probabilities by some 1e-5.
//
// It prints one JSON object of the measurements on standard output and
// exits 0 when every check passes, 1 when one fails and 2 on bad usage or
// input.
'use strict';

const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const usage = 'usage: node onnx-check.js --model FILE --data DIR [--probabilities FILE] [--accuracy X] ' +
  '[--min-agreement X] [--max-accuracy-diff X] [--max-prob-diff X]';

class UsageError extends Error {}

function parseArgs(argv) {
  const opts = { minAgreement: 0.999, maxAccuracyDiff: 0.0002 };
  const names = {
    '--model': 'model', '--data': 'data', '--probabilities': 'probabilities', '--accuracy': 'accuracy',
    '--min-agreement': 'minAgreement', '--max-accuracy-diff': 'maxAccuracyDiff', '--max-prob-diff': 'maxProbDiff',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const key = names[argv[i]];
    if (!key || i + 1 >= argv.length) throw new UsageError(`bad argument ${JSON.stringify(argv[i])}; ${usage}`);
    opts[key] = argv[i + 1];
  }
  if (!opts.model || !opts.data) throw new UsageError(usage);
  for (const key of ['accuracy', 'minAgreement', 'maxAccuracyDiff', 'maxProbDiff']) {
    if (opts[key] === undefined) continue;
    const v = Number(opts[key]);
    if (!Number.isFinite(v)) throw new UsageError(`--${key}: want a number, found ${JSON.stringify(opts[key])}`);
    opts[key] = v;
  }
  return opts;
}

// readIDX reads an IDX file (raw or .gz) of unsigned bytes with the given
// number of dimensions, returning its dimensions and data.
function readIDX(dir, name, ndims) {
  let file = path.join(dir, name);
  if (!fs.existsSync(file)) file += '.gz';
  let b = fs.readFileSync(file);
  if (file.endsWith('.gz')) b = zlib.gunzipSync(b);
  if (b.length < 4 + 4 * ndims || b.readUInt32BE(0) !== (0x0800 | ndims)) {
    throw new UsageError(`${file}: not an IDX file of ${ndims}-dimensional unsigned bytes`);
  }
  const dims = [];
  for (let i = 0; i < ndims; i++) dims.push(b.readUInt32BE(4 + 4 * i));
  const data = b.subarray(4 + 4 * ndims);
  if (data.length !== dims.reduce((a, d) => a * d, 1)) {
    throw new UsageError(`${file}: dimensions ${dims.join('x')} do not match its ${data.length} bytes`);
  }
  return { dims, data };
}

// readNPY reads a C-order float64 or float32 .npy file.
function readNPY(file) {
  const b = fs.readFileSync(file);
  if (b.length < 10 || b.toString('latin1', 0, 6) !== '\x93NUMPY') throw new UsageError(`${file}: not a .npy file`);
  const major = b[6];
  const headerLen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = b.toString('latin1', major === 1 ? 10 : 12, start);
  const descr = /'descr':\s*'([^']+)'/.exec(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !shape || !/'fortran_order':\s*False/.test(header)) throw new UsageError(`${file}: unsupported .npy header ${header.trim()}`);
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  const n = dims.reduce((a, d) => a * d, 1);
  const body = b.subarray(start);
  const data = new Float64Array(n);
  if (descr[1] === '<f8' && body.length === 8 * n) {
    for (let i = 0; i < n; i++) data[i] = body.readDoubleLE(8 * i);
  } else if (descr[1] === '<f4' && body.length === 4 * n) {
    for (let i = 0; i < n; i++) data[i] = body.readFloatLE(4 * i);
  } else {
    throw new UsageError(`${file}: want ${n} values of <f8 or <f4, found dtype ${descr[1]} and ${body.length} bytes`);
  }
  return { dims, data };
}

// maxProbDiffByGraph is the default --max-prob-diff for each graph of
// `shardnet export --graph`, as the README's table bounds them.
const maxProbDiffByGraph = { sequential: 1e-5, matmul: 1e-4 };

// varint reads a protobuf varint at b[at], returning [value, next offset];
// values beyond 2^53 lose precision, which no length here reaches.
function varint(b, at) {
  let v = 0;
  for (let shift = 1; at < b.length; shift *= 128) {
    const byte = b[at++];
    v += (byte & 0x7f) * shift;
    if (byte < 0x80) return [v, at];
  }
  throw new UsageError('truncated protobuf varint');
}

// metadataProps reads the metadata_props (ModelProto field 14, entries of
// key 1 and value 2) of an ONNX model file, walking only the top level:
// onnxruntime-node does not expose them.
function metadataProps(file) {
  const b = fs.readFileSync(file);
  const props = {};
  for (let at = 0; at < b.length;) {
    let tag;
    [tag, at] = varint(b, at);
    const field = Math.floor(tag / 8);
    switch (tag % 8) {
      case 0: [, at] = varint(b, at); break;
      case 1: at += 8; break;
      case 5: at += 4; break;
      case 2: {
        let len;
        [len, at] = varint(b, at);
        if (field === 14) {
          const entry = b.subarray(at, at + len);
          const kv = {};
          for (let e = 0; e < entry.length;) {
            let t, l;
            [t, e] = varint(entry, e);
            if (t % 8 !== 2) throw new UsageError(`${file}: metadata entry field of wire type ${t % 8}`);
            [l, e] = varint(entry, e);
            kv[Math.floor(t / 8)] = entry.toString('utf8', e, e + l);
            e += l;
          }
          props[kv[1]] = kv[2];
        }
        at += len;
        break;
      }
      default: throw new UsageError(`${file}: not an ONNX model (protobuf wire type ${tag % 8})`);
    }
  }
  return props;
}

// argmax returns the index of the largest of row's values, the first on ties.
function argmax(row) {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const ort = require('onnxruntime-node');
  const images = readIDX(opts.data, 't10k-images-idx3-ubyte', 3);
  const labels = readIDX(opts.data, 't10k-labels-idx1-ubyte', 1);
  const [n, rows, cols] = images.dims;
  const dim = rows * cols;
  if (labels.dims[0] !== n) throw new UsageError(`${n} test images but ${labels.dims[0]} labels`);

  const graph = metadataProps(opts.model).graph;
  if (opts.maxProbDiff === undefined) {
    opts.maxProbDiff = maxProbDiffByGraph[graph];
    if (opts.maxProbDiff === undefined) throw new UsageError(`${opts.model}: graph ${JSON.stringify(graph)} in its metadata, want sequential or matmul; or give --max-prob-diff`);
  }
  const session = await ort.InferenceSession.create(opts.model, { executionProviders: ['cpu'] });
  if (session.inputNames.join() !== 'pixels' || session.outputNames.join() !== 'probabilities') {
    throw new UsageError(`${opts.model}: inputs [${session.inputNames}] and outputs [${session.outputNames}], want [pixels] and [probabilities]`);
  }
  // The raw 0-255 pixels, all images in one batch.
  const pixels = Float32Array.from(images.data);
  const out = (await session.run({ pixels: new ort.Tensor('float32', pixels, [n, dim]) })).probabilities;
  if (out.dims.length !== 2 || out.dims[0] !== n) throw new UsageError(`output of shape [${out.dims}], want [${n}, classes]`);
  const classes = out.dims[1];
  const onnx = out.data;
  // The batch dimension is symbolic: one image alone gives the same.
  const single = (await session.run({ pixels: new ort.Tensor('float32', pixels.slice(0, dim), [1, dim]) })).probabilities;
  let batchOneDiff = 0;
  for (let c = 0; c < classes; c++) batchOneDiff = Math.max(batchOneDiff, Math.abs(single.data[c] - onnx[c]));

  const result = { model: opts.model, graph, images: n, classes, onnxruntime: ort.env.versions.node, batch_one_max_diff: batchOneDiff, max_prob_diff_limit: opts.maxProbDiff };
  let correct = 0;
  let maxRowSumError = 0;
  for (let i = 0; i < n; i++) {
    const row = onnx.subarray(i * classes, (i + 1) * classes);
    if (argmax(row) === labels.data[i]) correct++;
    maxRowSumError = Math.max(maxRowSumError, Math.abs(row.reduce((a, v) => a + v, 0) - 1));
  }
  result.accuracy = correct / n;
  result.max_row_sum_error = maxRowSumError;
  const failures = [];
  if (batchOneDiff > 1e-6) failures.push(`a batch of one gives probabilities ${batchOneDiff} away from the full batch`);

  if (opts.probabilities) {
    const ref = readNPY(opts.probabilities);
    if (ref.dims.length !== 2 || ref.dims[0] !== n || ref.dims[1] !== classes) {
      throw new UsageError(`${opts.probabilities}: shape (${ref.dims}), want (${n}, ${classes})`);
    }
    let agree = 0;
    let refCorrect = 0;
    let maxDiff = 0;
    let worst = -1;
    for (let i = 0; i < n; i++) {
      const a = onnx.subarray(i * classes, (i + 1) * classes);
      const b = ref.data.subarray(i * classes, (i + 1) * classes);
      const pb = argmax(b);
      if (argmax(a) === pb) agree++;
      if (pb === labels.data[i]) refCorrect++;
      for (let c = 0; c < classes; c++) {
        const d = Math.abs(a[c] - b[c]);
        if (d > maxDiff) { maxDiff = d; worst = i; }
      }
    }
    Object.assign(result, {
      agreement: agree / n,
      disagreements: n - agree,
      shardnet_accuracy: opts.accuracy !== undefined ? opts.accuracy : refCorrect / n,
      max_prob_diff: maxDiff,
      max_prob_diff_image: worst,
    });
    result.accuracy_diff = Math.abs(result.accuracy - result.shardnet_accuracy);
    if (result.agreement < opts.minAgreement) failures.push(`agreement ${result.agreement} below ${opts.minAgreement}`);
    if (result.accuracy_diff > opts.maxAccuracyDiff) failures.push(`accuracy ${result.accuracy} vs shardnet's ${result.shardnet_accuracy}: more than ${opts.maxAccuracyDiff} apart`);
    if (!(maxDiff <= opts.maxProbDiff)) failures.push(`probabilities up to ${maxDiff} apart (image ${worst}), want at most ${opts.maxProbDiff}`);
  }
  result.failures = failures;
  console.log(JSON.stringify(result));
  return failures.length === 0 ? 0 : 1;
}

main().then((code) => { process.exitCode = code; }, (err) => {
  console.error(`onnx-check: ${err.message}`);
  process.exitCode = err instanceof UsageError ? 2 : 1;
});
