// Conv2DBackpropFilter: one thread per dw[fi, fj, ch, k] = sum over b, r, c of
// x[b, r*SH - top + fi*DH, c*SW - left + fj*DW, ch] * dy[b, r, c, k] (padding adds nothing).
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dw: array<f32>;
@group(0) @binding(3) var<uniform> u: array<vec4<u32>, 4>;

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, {{WG}}u);
  if (i >= U(0u)) { return; }
  let g = geo();
  let k = i % g.k;
  var q = i / g.k;
  let ch = q % g.c; q = q / g.c;
  let fj = q % g.fw;
  let fi = q / g.fw;
  var acc = 0.0;
  for (var b = 0u; b < g.n; b = b + 1u) {
    for (var orow = 0; orow < g.oh; orow = orow + 1) {
      let ir = orow * g.sh - g.top + i32(fi) * g.dh;
      if (ir < 0 || ir >= g.h) { continue; }
      let xr = (b * u32(g.h) + u32(ir)) * u32(g.w);
      let dr = (b * u32(g.oh) + u32(orow)) * u32(g.ow);
      for (var oc = 0; oc < g.ow; oc = oc + 1) {
        let ic = oc * g.sw - g.left + i32(fj) * g.dw;
        if (ic < 0 || ic >= g.w) { continue; }
        acc = acc + x[(xr + u32(ic)) * g.c + ch] * dy[(dr + u32(oc)) * g.k + k];
      }
    }
  }
  dw[i] = acc;
}
