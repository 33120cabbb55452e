// Constant padding: y at coordinates c reads x at c - before (or the constant value).
// Uniform words: 0 = n, 1 = constant (bits), then the output shape, the input
// shape and the pads-before (RANK words each).
@group(0) @binding(0) var<storage, read> x: array<{{T}}>;
@group(0) @binding(1) var<storage, read_write> y: array<{{T}}>;
@group(0) @binding(2) var<uniform> u: array<vec4<u32>, {{UVEC4}}>;

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, {{WG}}u);
  if (i >= U(0u)) { return; }
  var rem = i;
  var off = 0u;
  var scale = 1u;
  var inside = true;
  for (var k = {{RANK}}u; k > 0u; k = k - 1u) {
    let d = k - 1u;
    let c = rem % U(2u + d);
    rem = rem / U(2u + d);
    let dim = U(2u + {{RANK}}u + d);
    let before = U(2u + 2u * {{RANK}}u + d);
    if (c < before || c - before >= dim) { inside = false; }
    off = off + (c - before) * scale;
    scale = scale * dim;
  }
  if (inside) { y[i] = x[off]; } else { y[i] = bitcast<{{T}}>(U(1u)); }
}
