// BENCH.md W1-W4 for TensorFlow.js (global `tf`, loaded by bench.html) on a given backend.
function u(n, seed) {
  const out = new Float32Array(n);
  const base = Math.imul(seed, 0x9E3779B9) >>> 0;
  for (let i = 0; i < n; i++) {
    let x = (i + base) >>> 0;
    x ^= x >>> 16; x = Math.imul(x, 0x7FEB352D) >>> 0;
    x ^= x >>> 15; x = Math.imul(x, 0x846CA68B) >>> 0;
    x ^= x >>> 16;
    out[i] = (x >>> 8) / 16777216;
  }
  return out;
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b), n = s.length; return n % 2 ? s[n >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2; };
async function timed(fn, warmup, reps) {
  for (let i = 0; i < warmup; i++) await fn();
  const t = [];
  for (let i = 0; i < reps; i++) { const t0 = performance.now(); await fn(); t.push(performance.now() - t0); }
  return median(t);
}
const map = (a, f) => a.map(f);

async function w1(n, reps) {
  const a = tf.tensor2d(map(u(n * n, 1), (v) => 2 * v - 1), [n, n]);
  const b = tf.tensor2d(map(u(n * n, 2), (v) => 2 * v - 1), [n, n]);
  const ms = await timed(async () => {
    const cs = [];
    for (let i = 0; i < 10; i++) cs.push(tf.matMul(a, b));
    await cs[9].data();
    cs.forEach((c) => c.dispose());
  }, 1, reps) / 10;
  a.dispose(); b.dispose();
  return { value: ms, unit: "ms/matmul", gflops: 2 * n ** 3 / (ms / 1e3) / 1e9 };
}
async function w2() {
  const x0 = tf.tensor1d(u(1 << 20, 3));
  const ms = await timed(async () => {
    const x = tf.tidy(() => {
      let x = x0;
      for (let r = 0; r < 5; r++) {
        const a = tf.mul(x, 1.0001), b = tf.add(a, 0.5), c = tf.relu(b);
        const d = tf.sqrt(tf.add(c, 1)); x = tf.log(tf.add(d, 1));
      }
      return x;
    });
    await x.data(); x.dispose();
  }, 2, 7);
  x0.dispose();
  return { value: ms / 35, unit: "ms/op" };
}
async function w3() {
  const a = tf.tensor1d(u(64, 8)), b = tf.tensor1d(u(64, 9));
  const ms = await timed(async () => {
    const c = tf.tidy(() => { let c = a; for (let i = 0; i < 1000; i++) c = tf.add(c, b); return c; });
    await c.data(); c.dispose();
  }, 2, 7);
  a.dispose(); b.dispose();
  return { value: ms / 1000 * 1e3, unit: "us/op" };
}
async function w4(steps) {
  const x = tf.tensor2d(u(128 * 784, 4), [128, 784]);
  const labels = tf.tensor1d(Array.from(u(128, 5), (v) => Math.floor(10 * v)), "int32");
  const y = tf.oneHot(labels, 10).toFloat();
  const s1 = Math.sqrt(6 / 1040), s2 = Math.sqrt(6 / 266);
  const W1 = tf.variable(tf.tensor2d(map(u(784 * 256, 6), (v) => (2 * v - 1) * s1), [784, 256]));
  const b1 = tf.variable(tf.zeros([256])), b2 = tf.variable(tf.zeros([10]));
  const W2 = tf.variable(tf.tensor2d(map(u(256 * 10, 7), (v) => (2 * v - 1) * s2), [256, 10]));
  const opt = tf.train.sgd(0.1);
  const losses = [];
  const ms = await timed(async () => {
    const loss = opt.minimize(() => {
      const h = tf.relu(tf.add(tf.matMul(x, W1), b1));
      const logits = tf.add(tf.matMul(h, W2), b2);
      return tf.losses.softmaxCrossEntropy(y, logits);
    }, true, [W1, b1, W2, b2]);
    losses.push((await loss.data())[0]); loss.dispose();
  }, 5, steps);
  [x, labels, y, W1, b1, W2, b2].forEach((t) => t.dispose()); opt.dispose();
  return { value: ms, unit: "ms/step", first_loss: losses[0] };
}

export async function tfjsBench(spec) {
  await tf.setBackend(spec.backend);
  await tf.ready();
  tf.env().set("WEBGPU_CPU_FORWARD", false);
  tf.env().set("WEBGL_CPU_FORWARD", false);
  const out = { backend: tf.getBackend() };
  const only = spec.only || ["W1", "W2", "W3", "W4"];
  const run = async (name, fn) => {
    if (!only.includes(name.split(" ")[0])) return;
    try { out[name] = await fn(); } catch (e) { out[name] = { error: String(e.message || e) }; }
  };
  for (const [n, reps] of spec.w1 || []) await run(`W1 N=${n}`, () => w1(n, reps));
  await run("W2", w2);
  await run("W3", w3);
  await run("W4", () => w4(spec.w4_steps || 30));
  return out;
}
