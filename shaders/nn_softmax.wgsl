// Softmax / LogSoftmax along the last axis, one workgroup per row (rows may span a
// 2-D grid): the row maximum, then the sum of exp(x - max), both reduced in shared
// memory; NaN and +-Inf propagate as in the NumPy reference.
// Uniform words: 0 = rows, 1 = row length L.
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> u: array<vec4<u32>, 1>;
var<workgroup> red: array<f32, {{WG}}>;

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = wid.y * nwg.x + wid.x;
  if (row >= U(0u)) { return; }
  let len = U(1u);
  let base = row * len;
  var m = -inf_f();
  for (var j = lid; j < len; j = j + {{WG}}u) { m = max_f(m, x[base + j]); }
  red[lid] = m;
  workgroupBarrier();
  for (var s = {{WG}}u / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { red[lid] = max_f(red[lid], red[lid + s]); }
    workgroupBarrier();
  }
  m = red[0];
  workgroupBarrier();
  var t = 0.0;
  for (var j = lid; j < len; j = j + {{WG}}u) { t = t + exp_f(x[base + j] - m); }
  red[lid] = t;
  workgroupBarrier();
  for (var s = {{WG}}u / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }
  let total = red[0];
  for (var j = lid; j < len; j = j + {{WG}}u) {
    let z = x[base + j] - m;
    y[base + j] = {{OUT}};
  }
}
