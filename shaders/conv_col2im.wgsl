// col2im for the input gradient of an NHWC convolution: dx[n0 + n, h, w, c] = the sum of
// dcols[(n, oh, ow), (fi, fj, c)] over the filter taps (fi, fj) whose window at (oh, ow)
// reads (h, w). One invocation per element of the batch chunk's dx.
// Uniform words: 0 = elements (chunk images * H * W * C), 1 N, 2 H, 3 W, 4 C, 5 OH,
// 6 OW, 7 K, 8 FH, 9 FW, 10 SH, 11 SW, 12 DH, 13 DW, 14 PT, 15 PL, 16 n0 (first image).
@group(0) @binding(0) var<storage, read> dcols: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> u: array<vec4<u32>, 5>;

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, {{WG}}u);
  if (i >= U(0u)) { return; }
  let H = U(2u); let W = U(3u); let C = U(4u);
  let OH = i32(U(5u)); let OW = i32(U(6u));
  let FH = i32(U(8u)); let FW = i32(U(9u)); let SH = i32(U(10u)); let SW = i32(U(11u));
  let DH = i32(U(12u)); let DW = i32(U(13u)); let PT = i32(U(14u)); let PL = i32(U(15u));
  let c = i % C; let t1 = i / C; let w = i32(t1 % W); let t2 = t1 / W;
  let h = i32(t2 % H); let n = t2 / H;
  let P = u32(FH * FW) * C;
  var acc = 0.0;
  for (var fi = 0; fi < FH; fi = fi + 1) {
    let th = h + PT - fi * DH;
    if (th < 0 || th % SH != 0 || th / SH >= OH) { continue; }
    let oh = th / SH;
    for (var fj = 0; fj < FW; fj = fj + 1) {
      let tw = w + PL - fj * DW;
      if (tw < 0 || tw % SW != 0 || tw / SW >= OW) { continue; }
      let ow = tw / SW;
      acc = acc + dcols[((n * u32(OH) + u32(oh)) * u32(OW) + u32(ow)) * P + u32(fi * FW + fj) * C + c];
    }
  }
  y[U(16u) * H * W * C + i] = acc;
}
