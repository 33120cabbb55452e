// im2col for NHWC convolution: cols[r, (fi, fj, c)] = x[n, oh*SH + fi*DH - PT,
// ow*SW + fj*DW - PL, c] (0 outside the image), for rows r0 + r = (n, oh, ow) of one chunk;
// the column order matches a [FH, FW, C, K] filter read as a [FH*FW*C, K] matrix.
// Each invocation fills a run of up to 4 consecutive channels (one vec4 when C % 4 == 0:
// then both buffers are bound as vec4 arrays, T = vec4<f32>).
// Uniform words: 0 = work items (rows * FH * FW * ceil(C / 4)), 1 N, 2 H, 3 W, 4 C,
// 5 OH, 6 OW, 7 K, 8 FH, 9 FW, 10 SH, 11 SW, 12 DH, 13 DW, 14 PT, 15 PL, 16 r0 (first row).
@group(0) @binding(0) var<storage, read> x: array<{{T}}>;
@group(0) @binding(1) var<storage, read_write> cols: array<{{T}}>;
@group(0) @binding(2) var<uniform> u: array<vec4<u32>, 5>;

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, {{WG}}u);
  if (i >= U(0u)) { return; }
  let H = i32(U(2u)); let W = i32(U(3u)); let C = U(4u);
  let OH = U(5u); let OW = U(6u);
  let FH = U(8u); let FW = U(9u); let SH = i32(U(10u)); let SW = i32(U(11u));
  let DH = i32(U(12u)); let DW = i32(U(13u)); let PT = i32(U(14u)); let PL = i32(U(15u));
  let CQ = (C + 3u) / 4u;
  let cq = i % CQ; var t = i / CQ;
  let fj = t % FW; t = t / FW;
  let fi = t % FH; let r = t / FH;
  let rg = U(16u) + r;
  let ow = rg % OW; let t2 = rg / OW;
  let oh = t2 % OH; let n = t2 / OH;
  let h = i32(oh) * SH + i32(fi) * DH - PT;
  let w = i32(ow) * SW + i32(fj) * DW - PL;
  let ob = (r * FH * FW + fi * FW + fj) * C;
  let inside = h >= 0 && h < H && w >= 0 && w < W;
  let xb = ((n * u32(H) + u32(select(0, h, inside))) * u32(W) + u32(select(0, w, inside))) * C;
{{COPY}}
}
