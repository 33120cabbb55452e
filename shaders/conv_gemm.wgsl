// The matrix products of the convolution family: C[z] = A[z] (M x K) @ B[z] (K x N), with
// B and C contiguous along N (N % 4 == 0, read and written as vec4) and A read through
// strides (so patches^T costs nothing). Register-blocked: each invocation holds a
// TM x (4 * NV) block of C; the WX lanes of a workgroup row cover neighbouring column
// blocks, so for thin products (N = 16..64 output channels, the common convolution case)
// every lane of a CPU driver's SIMD group (lavapipe) has work and reads the same A values.
// Uniform words: 0 M, 1 N, 2 K, 3 accumulate into c (0/1), 4 a row stride (per m),
// 5 a col stride (per k), 6 a batch stride, 7 b batch stride (floats), 8 c batch stride,
// 9..10 the range of k this dispatch covers (long K is split across dispatches).
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> c: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> u: array<vec4<u32>, 3>;

@compute @workgroup_size({{WX}}, {{WY}})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let M = U(0u); let N4 = U(1u) / 4u; let acc = U(3u) == 1u;
  let m0 = gid.y * {{TM}}u;
  let n0 = gid.x * {{NV}}u;
  if (m0 >= M || n0 >= N4) { return; }
  let sam = U(4u); let sak = U(5u);
  let abase = gid.z * U(6u);
  let bbase = gid.z * U(7u) / 4u;
{{DECL}}
  for (var k = U(9u); k < U(10u); k = k + 1u) {
{{LOADS}}
{{FMAS}}
  }
  let cbase = gid.z * U(8u) / 4u;
{{STORES}}
}
