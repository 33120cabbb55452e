// Copy one input into a band of the output (Concat/Pack one input at a time, so any
// number of inputs fits the binding limits). The input is [outer, L] rows, the
// output [outer, W] rows; input row o goes to output columns [col, col + L).
// Uniform words: 0 = n (input elements), 1 = L, 2 = W, 3 = col.
@group(0) @binding(0) var<storage, read> x: array<{{T}}>;
@group(0) @binding(1) var<storage, read_write> y: array<{{T}}>;
@group(0) @binding(2) var<uniform> u: array<vec4<u32>, 1>;

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, {{WG}}u);
  if (i >= U(0u)) { return; }
  let row = i / U(1u);
  y[row * U(2u) + U(3u) + i % U(1u)] = x[i];
}
