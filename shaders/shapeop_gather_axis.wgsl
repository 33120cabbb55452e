// GatherV2 (batch_dims 0): x viewed as [outer, n, inner], indices flattened to [k];
// y[o, j, r] = x[o, idx[j], r], or zero when idx[j] is outside [0, n).
// Uniform words: 0 = total outputs, 1 = n, 2 = k, 3 = inner.
@group(0) @binding(0) var<storage, read> x: array<{{T}}>;
@group(0) @binding(1) var<storage, read> idx: array<i32>;
@group(0) @binding(2) var<storage, read_write> y: array<{{T}}>;
@group(0) @binding(3) var<uniform> u: array<vec4<u32>, 1>;

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, {{WG}}u);
  if (i >= U(0u)) { return; }
  let inner = U(3u);
  let r = i % inner;
  let oj = i / inner;
  let j = oj % U(2u);
  let o = oj / U(2u);
  let v = idx[j];
  if (v < 0 || u32(v) >= U(1u)) { y[i] = {{T}}(); return; }
  y[i] = x[(o * U(1u) + u32(v)) * inner + r];
}
