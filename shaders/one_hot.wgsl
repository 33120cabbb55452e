// y[i] = on if indices[i / depth] == i % depth else off.
// Uniform words: 0 = n, 1 = depth, 2 = on, 3 = off (bits of the output type).
@group(0) @binding(0) var<storage, read> idx: array<i32>;
@group(0) @binding(1) var<storage, read_write> y: array<u32>;
@group(0) @binding(2) var<uniform> u: array<vec4<u32>, 1>;

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, {{WG}}u);
  if (i >= U(0u)) { return; }
  let depth = U(1u);
  y[i] = select(U(3u), U(2u), idx[i / depth] == i32(i % depth));
}
