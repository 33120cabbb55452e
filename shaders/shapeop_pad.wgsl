// PadV2: y[i] = x at (c - before) when every coordinate c of i lies inside the input,
// else the constant. Uniform words: 0 = n, 1 = constant (bits of T), then the output
// shape, input strides, `before` pads and input dims (RANK words each).
@group(0) @binding(0) var<storage, read> x: array<{{T}}>;
@group(0) @binding(1) var<storage, read_write> y: array<{{T}}>;
@group(0) @binding(2) var<uniform> u: array<vec4<u32>, {{UVEC4}}>;

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, {{WG}}u);
  if (i >= U(0u)) { return; }
  var off = 0u;
  var inside = true;
  var rem = i;
  for (var k = {{RANK}}u; k > 0u; k = k - 1u) {
    let d = k - 1u;
    var c = rem;
    if (d > 0u) { c = rem % U(2u + d); rem = rem / U(2u + d); }
    let before = U(2u + 2u * {{RANK}}u + d);
    // c < before wraps to a huge u32, so one comparison checks both sides
    let ci = c - before;
    inside = inside && ci < U(2u + 3u * {{RANK}}u + d);
    off = off + ci * U(2u + {{RANK}}u + d);
  }
  if (inside) { y[i] = x[off]; } else { y[i] = bitcast<{{T}}>(U(1u)); }
}
