// Batched matmul with workgroup-memory tiling (for real GPUs; lavapipe prefers
// matmul_reg.wgsl). A 16x16 workgroup computes a 64x64 tile of C, 4x4 per thread,
// staging 64x16 slices of A and 16x64 slices of B in workgroup memory.
// Same bindings and uniform words as matmul_reg.wgsl (k ranges are multiples of 16).
@group(0) @binding(0) var<storage, read> a: array<{{T}}>;
@group(0) @binding(1) var<storage, read> b: array<{{T}}>;
@group(0) @binding(2) var<storage, read_write> c: array<{{T}}>;
@group(0) @binding(3) var<uniform> u: array<vec4<u32>, 3>;

var<workgroup> ta: array<array<{{T}}, 16>, 64>;
var<workgroup> tb: array<array<{{T}}, 64>, 16>;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = U(0u); let N = U(1u); let K = U(2u);
  let sam = U(4u); let sak = U(5u); let sbk = U(6u); let sbn = U(7u);
  let abase = wid.z * U(8u);
  let bbase = wid.z * U(9u);
  let row0 = wid.y * 64u;
  let col0 = wid.x * 64u;
  let t = lid.y * 16u + lid.x;
  var acc: array<array<{{T}}, 4>, 4>;
  for (var k0 = U(10u); k0 < U(11u); k0 = k0 + 16u) {
    for (var e = t; e < 1024u; e = e + 256u) {
      let r = e / 16u; let kk = e % 16u;
      let m = row0 + r; let k = k0 + kk;
      let kend = U(11u);
      ta[r][kk] = select({{ZERO}}, a[abase + min(m, M - 1u) * sam + min(k, K - 1u) * sak], m < M && k < kend);
      let kr = e / 64u; let cc = e % 64u;
      let n = col0 + cc; let k2 = k0 + kr;
      tb[kr][cc] = select({{ZERO}}, b[bbase + min(k2, K - 1u) * sbk + min(n, N - 1u) * sbn], n < N && k2 < kend);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk = kk + 1u) {
      for (var i = 0u; i < 4u; i = i + 1u) {
        let av = ta[lid.y * 4u + i][kk];
        for (var j = 0u; j < 4u; j = j + 1u) {
          acc[i][j] = acc[i][j] + av * tb[kk][lid.x * 4u + j];
        }
      }
    }
    workgroupBarrier();
  }
  let cbase = wid.z * M * N;
  for (var i = 0u; i < 4u; i = i + 1u) {
    for (var j = 0u; j < 4u; j = j + 1u) {
      let m = row0 + lid.y * 4u + i; let n = col0 + lid.x * 4u + j;
      if (m < M && n < N) { c[cbase + m * N + n] = select({{ZERO}}, c[cbase + m * N + n], U(3u) == 1u) + acc[i][j]; }
    }
  }
}
