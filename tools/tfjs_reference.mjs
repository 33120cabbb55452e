// Reference values from TensorFlow.js (Node, @tensorflow/tfjs) for tests/test_losses.py and
// tests/test_optimizers.py:  node tools/tfjs_reference.mjs <request.json> <answer.json>
// request: {"losses": [{"fn", "args": [tensor | number | null ...]}],
//           "optimizers": [{"name", "args": [...], "w0": [...], "a": [...], "b": [...], "steps": n}]}
// A tensor is {"shape": [...], "data": [...]}. Optimizers minimise sum(a*w*w + b*w) from w0 and
// report w after each step. Reductions are given by name ("NONE", "MEAN", "SUM", "SUM_BY_NONZERO_WEIGHTS").
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';

const [reqFile, outFile] = process.argv.slice(2);
const req = JSON.parse(fs.readFileSync(reqFile, 'utf8'));

function arg(v) {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'string' && v in tf.Reduction) return tf.Reduction[v];
    return v === null ? undefined : v;
  }
  return tf.tensor(v.data, v.shape, 'float32');
}

const answer = {losses: [], optimizers: []};
for (const item of req.losses || []) {
  const out = tf.losses[item.fn](...item.args.map(arg));
  answer.losses.push({shape: out.shape, data: Array.from(out.dataSync())});
}
for (const item of req.optimizers || []) {
  const opt = tf.train[item.name](...item.args.map((v) => (v === null ? undefined : v)));
  const w = tf.variable(tf.tensor1d(item.w0));
  const a = tf.tensor1d(item.a);
  const b = tf.tensor1d(item.b);
  const traj = [];
  for (let s = 0; s < item.steps; s++) {
    opt.minimize(() => tf.sum(tf.add(tf.mul(a, tf.mul(w, w)), tf.mul(b, w))), false, [w]);
    traj.push(Array.from(w.dataSync()));
  }
  answer.optimizers.push(traj);
  opt.dispose();
}
fs.writeFileSync(outFile, JSON.stringify(answer));
