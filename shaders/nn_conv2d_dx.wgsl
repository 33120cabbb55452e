// Conv2DBackpropInput: one thread per dx[b, row, col, ch] = sum over the taps (fi, fj)
// that read it from some output (r, c) of sum_k dy[b, r, c, k] * w[fi, fj, ch, k].
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> u: array<vec4<u32>, 4>;

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, {{WG}}u);
  if (i >= U(0u)) { return; }
  let g = geo();
  let ch = i % g.c;
  var q = i / g.c;
  let col = i32(q % u32(g.w)); q = q / u32(g.w);
  let row = i32(q % u32(g.h));
  let b = q / u32(g.h);
  var acc = 0.0;
  for (var fi = 0u; fi < g.fh; fi = fi + 1u) {
    let orow = tap_source(row, fi, g.sh, g.dh, g.top, g.oh);
    if (orow < 0) { continue; }
    for (var fj = 0u; fj < g.fw; fj = fj + 1u) {
      let oc = tap_source(col, fj, g.sw, g.dw, g.left, g.ow);
      if (oc < 0) { continue; }
      let db = ((b * u32(g.oh) + u32(orow)) * u32(g.ow) + u32(oc)) * g.k;
      let wb = ((fi * g.fw + fj) * g.c + ch) * g.k;
      for (var k = 0u; k < g.k; k = k + 1u) { acc = acc + dy[db + k] * w[wb + k]; }
    }
  }
  dx[i] = acc;
}
