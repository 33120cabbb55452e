// GatherV2: y[o, j, r] = x[o, idx[j], r] for x viewed as [outer, n, inner] (0 where
// the index is out of range). Uniform words: 0 = elements, 1 = number of indices,
// 2 = n, 3 = inner.
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
  let nidx = U(1u);
  let r = i % inner;
  let j = (i / inner) % nidx;
  let o = i / (inner * nidx);
  let v = idx[j];
  if (v < 0 || u32(v) >= U(2u)) { y[i] = {{T}}(0); return; }
  y[i] = x[(o * U(2u) + u32(v)) * inner + r];
}
