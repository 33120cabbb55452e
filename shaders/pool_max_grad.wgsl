// MaxPoolGrad for non-overlapping windows (stride >= filter size in both directions): one
// invocation per dy element scans its window once, in row-major order, for the first
// position holding the forward maximum ym (NaN matches NaN) and writes dy there and 0 at
// the window's other positions. Windows are disjoint, so no two invocations write the same
// element; input elements that no window covers are zeroed beforehand by the caller.
// Uniform words as shaders/conv2d.wgsl: 0 = dy elements, 1 N, 2 H, 3 W, 4 C, 5 OH, 6 OW,
// 7 C, 8 FH, 9 FW, 10 SH, 11 SW, 12..13 unused, 14 PT, 15 PL.
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> ym: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> u: array<vec4<u32>, 4>;

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, {{WG}}u);
  if (i >= U(0u)) { return; }
  let H = i32(U(2u)); let W = i32(U(3u)); let C = U(4u);
  let OH = U(5u); let OW = U(6u);
  let FH = i32(U(8u)); let FW = i32(U(9u)); let SH = i32(U(10u)); let SW = i32(U(11u));
  let PT = i32(U(14u)); let PL = i32(U(15u));
  let c = i % C; let t1 = i / C; let ow = i32(t1 % OW); let t2 = t1 / OW;
  let oh = i32(t2 % OH); let n = t2 / OH;
  let ymax = ym[i];
  var first = -1;
  for (var p = 0; p < FH * FW; p = p + 1) {
    let h = oh * SH + p / FW - PT; let w = ow * SW + p % FW - PL;
    var v = -inf_f();
    if (h >= 0 && h < H && w >= 0 && w < W) { v = x[((n * u32(H) + u32(h)) * u32(W) + u32(w)) * C + c]; }
    if (v == ymax || (is_nan(v) && is_nan(ymax))) { first = p; break; }
  }
  let g = dy[i];
  for (var p = 0; p < FH * FW; p = p + 1) {
    let h = oh * SH + p / FW - PT; let w = ow * SW + p % FW - PL;
    if (h >= 0 && h < H && w >= 0 && w < W) {
      y[((n * u32(H) + u32(h)) * u32(W) + u32(w)) * C + c] = select(0.0, g, p == first);
    }
  }
}
