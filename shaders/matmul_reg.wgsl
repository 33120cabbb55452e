// Batched matmul, register-blocked: each invocation computes a TM x TN block of
// C[z] = A[z] (M x K) @ B[z] (K x N) with operands read through strides (so the
// transposes and batch broadcasting cost nothing). No workgroup memory: the best
// choice on CPU drivers (lavapipe, SwiftShader); see matmul_tiled.wgsl for real GPUs.
// The body is generated (kernels/matmul.py): A as scalars, or as vec4 along k (then k
// steps by 4) or along m; B as scalars or vec4 along n (then C is vec4 too). Row and
// column indices are clamped once, outside the k loop; stores are guarded.
// Uniform words: 0 M, 1 N, 2 K, 3 accumulate into c (0/1), 4 a row stride (per m),
// 5 a col stride (per k), 6 b row stride (per k), 7 b col stride (per n), 8 a batch
// stride, 9 b batch stride, 10..11 the range of k this dispatch covers (long K is split
// across dispatches to stay within an invocation's loop budget).
@group(0) @binding(0) var<storage, read> a: array<{{AT}}>;
@group(0) @binding(1) var<storage, read> b: array<{{BT}}>;
@group(0) @binding(2) var<storage, read_write> c: array<{{BT}}>;
@group(0) @binding(3) var<uniform> u: array<vec4<u32>, 3>;

@compute @workgroup_size({{WX}}, {{WY}})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let M = U(0u); let N = U(1u);
  let m0 = gid.y * {{TM}}u;
  let n0 = gid.x * {{TN}}u;
  if (m0 >= M || n0 >= N) { return; }
  let sam = U(4u); let sak = U(5u); let sbk = U(6u); let sbn = U(7u);
  let abase = gid.z * U(8u);
  let bbase = gid.z * U(9u);
  let k0 = U(10u); let k1 = U(11u);
{{PRE}}
{{LOOP}}
  let cbase = gid.z * M * N;
  let acc = U(3u) == 1u;
{{STORES}}
}
