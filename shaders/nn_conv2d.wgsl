// Conv2D: one thread per output y[b, r, c, k] = sum over taps and input channels of
// x[b, row, col, ch] * w[fi, fj, ch, k] (taps outside the input are zero padding).
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> u: array<vec4<u32>, 4>;

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, {{WG}}u);
  if (i >= U(0u)) { return; }
  let g = geo();
  let k = i % g.k;
  var q = i / g.k;
  let oc = i32(q % u32(g.ow)); q = q / u32(g.ow);
  let orow = i32(q % u32(g.oh));
  let b = q / u32(g.oh);
  var acc = 0.0;
  for (var fi = 0u; fi < g.fh; fi = fi + 1u) {
    let ir = orow * g.sh - g.top + i32(fi) * g.dh;
    if (ir < 0 || ir >= g.h) { continue; }
    for (var fj = 0u; fj < g.fw; fj = fj + 1u) {
      let ic = oc * g.sw - g.left + i32(fj) * g.dw;
      if (ic < 0 || ic >= g.w) { continue; }
      let xb = ((b * u32(g.h) + u32(ir)) * u32(g.w) + u32(ic)) * g.c;
      let wb = (fi * g.fw + fj) * g.c * g.k + k;
      for (var ch = 0u; ch < g.c; ch = ch + 1u) { acc = acc + x[xb + ch] * w[wb + ch * g.k]; }
    }
  }
  y[i] = acc;
}
