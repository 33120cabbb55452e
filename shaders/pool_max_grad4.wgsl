// MaxPoolGrad for non-overlapping windows, vec4 over channels (C % 4 == 0): as
// shaders/pool_max_grad.wgsl, with C counting vec4s; each lane keeps its own first
// position holding its maximum, so the scan runs the whole window.
@group(0) @binding(0) var<storage, read> dy: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> ym: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> y: array<vec4<f32>>;
@group(0) @binding(4) var<uniform> u: array<vec4<u32>, 4>;

fn is_nan4(v: vec4<f32>) -> vec4<bool> {
  return (bitcast<vec4<u32>>(v) & vec4<u32>(0x7fffffffu)) > vec4<u32>(0x7f800000u);
}

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
  var first = vec4<i32>(-1);
  for (var p = 0; p < FH * FW; p = p + 1) {
    let h = oh * SH + p / FW - PT; let w = ow * SW + p % FW - PL;
    var v = vec4<f32>(-inf_f());
    if (h >= 0 && h < H && w >= 0 && w < W) { v = x[((n * u32(H) + u32(h)) * u32(W) + u32(w)) * C + c]; }
    let hit = ((v == ymax) | (is_nan4(v) & is_nan4(ymax))) & (first < vec4<i32>(0));
    first = select(first, vec4<i32>(p), hit);
  }
  let g = dy[i];
  for (var p = 0; p < FH * FW; p = p + 1) {
    let h = oh * SH + p / FW - PT; let w = ow * SW + p % FW - PL;
    if (h >= 0 && h < H && w >= 0 && w < W) {
      y[((n * u32(H) + u32(h)) * u32(W) + u32(w)) * C + c] = select(vec4<f32>(0.0), g, first == vec4<i32>(p));
    }
  }
}
