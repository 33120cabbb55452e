// AvgPoolGrad: one thread per dx[b, row, col, ch]: the sum, over the outputs whose
// window covers it, of dy / (that window's count of real elements, at least 1).
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<uniform> u: array<vec4<u32>, 4>;

fn covered(start: i32, f: u32, limit: i32) -> i32 {
  return min(start + i32(f), limit) - max(start, 0);
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
    let rows = covered(orow * g.sh - g.top, g.fh, g.h);
    for (var fj = 0u; fj < g.fw; fj = fj + 1u) {
      let oc = tap_source(col, fj, g.sw, 1, g.left, g.ow);
      if (oc < 0) { continue; }
      let cols = covered(oc * g.sw - g.left, g.fw, g.w);
      let o = ((b * u32(g.oh) + u32(orow)) * u32(g.ow) + u32(oc)) * g.c + ch;
      acc = acc + dy[o] / f32(max(rows * cols, 1));
    }
  }
  dx[i] = acc;
}
