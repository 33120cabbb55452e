// Strided copy: y[i] = x[base + sum_k (c_k % m_k) * s_k], c = coordinates of i in the
// output shape. Covers Transpose, BroadcastTo (s_k = 0), Slice (base, steps),
// Reverse (negative strides wrap in u32 arithmetic) and Tile (m_k = input dim).
// Uniform words: 0 = n, 1 = base, then shape, strides and moduli (RANK words each).
@group(0) @binding(0) var<storage, read> x: array<{{T}}>;
@group(0) @binding(1) var<storage, read_write> y: array<{{T}}>;
@group(0) @binding(2) var<uniform> u: array<vec4<u32>, {{UVEC4}}>;

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, {{WG}}u);
  if (i >= U(0u)) { return; }
  var off = U(1u);
  var rem = i;
  for (var k = {{RANK}}u; k > 0u; k = k - 1u) {
    let d = k - 1u;
    var c = rem;
    if (d > 0u) { c = rem % U(2u + d); rem = rem / U(2u + d); }
    off = off + (c % U(2u + 2u * {{RANK}}u + d)) * U(2u + {{RANK}}u + d);
  }
  y[i] = x[off];
}
