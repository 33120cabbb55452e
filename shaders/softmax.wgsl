// Softmax / LogSoftmax over the last axis, one thread per row of D elements.
// Uniform words: 0 = rows, 1 = D.
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> u: array<vec4<u32>, 1>;

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = linear_index(wid, nwg, lid, {{WG}}u);
  if (row >= U(0u)) { return; }
  let d = U(1u);
  let base = row * d;
  var m = -inf_f();
  for (var j = 0u; j < d; j = j + 1u) { m = max_f(m, x[base + j]); }
  var s = 0.0;
  for (var j = 0u; j < d; j = j + 1u) { s = s + exp_f(x[base + j] - m); }
  let ls = log_f(s);
  for (var j = 0u; j < d; j = j + 1u) {
    let z = x[base + j] - m;
    if ({{LOG}}) { y[base + j] = z - ls; } else { y[base + j] = exp_f(z) / s; }
  }
}
