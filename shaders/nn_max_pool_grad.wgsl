// MaxPoolGrad: one thread per dx[b, row, col, ch]: the sum of dy over the outputs
// whose window's first maximum (row-major window order, padding counted as -inf,
// NaN matching NaN) is this element.
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
@group(0) @binding(4) var<uniform> u: array<vec4<u32>, 4>;

// Window tap (fi * FW + fj) of output (b, orow, oc) that first equals the output.
fn first_max(g: Geo, b: u32, orow: i32, oc: i32, ch: u32, want: f32) -> u32 {
  let nan_want = is_nan(want);
  for (var fi = 0u; fi < g.fh; fi = fi + 1u) {
    let ir = orow * g.sh - g.top + i32(fi);
    for (var fj = 0u; fj < g.fw; fj = fj + 1u) {
      let ic = oc * g.sw - g.left + i32(fj);
      var v = -inf_f();
      if (ir >= 0 && ir < g.h && ic >= 0 && ic < g.w) {
        v = x[((b * u32(g.h) + u32(ir)) * u32(g.w) + u32(ic)) * g.c + ch];
      }
      if (v == want || (nan_want && is_nan(v))) { return fi * g.fw + fj; }
    }
  }
  return 0xffffffffu;
}

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
    let orow = tap_source(row, fi, g.sh, 1, g.top, g.oh);
    if (orow < 0) { continue; }
    for (var fj = 0u; fj < g.fw; fj = fj + 1u) {
      let oc = tap_source(col, fj, g.sw, 1, g.left, g.ow);
      if (oc < 0) { continue; }
      let o = ((b * u32(g.oh) + u32(orow)) * u32(g.ow) + u32(oc)) * g.c + ch;
      if (first_max(g, b, orow, oc, ch, y[o]) == fi * g.fw + fj) { acc = acc + dy[o]; }
    }
  }
  dx[i] = acc;
}
