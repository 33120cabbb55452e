// NHWC convolution family, one thread per output element. The body is one of the
// bodies in nn.py (Conv2D, its two backprops, pools and their gradients).
// Uniform words: 0 = n (outputs), 1 N, 2 H, 3 W, 4 C (input), 5 OH, 6 OW, 7 K (output
// channels; C for pools), 8 FH, 9 FW, 10 SH, 11 SW, 12 DH, 13 DW, 14 PT, 15 PL,
// 16..17 the range of (n, oh) rows a filter-gradient dispatch sums, 18 accumulate (0/1).
{{BINDINGS}}
@group(0) @binding({{UBIND}}) var<uniform> u: array<vec4<u32>, 5>;

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, {{WG}}u);
  if (i >= U(0u)) { return; }
  let N = U(1u); let H = i32(U(2u)); let W = i32(U(3u)); let C = U(4u);
  let OH = i32(U(5u)); let OW = i32(U(6u)); let K = U(7u);
  let FH = i32(U(8u)); let FW = i32(U(9u)); let SH = i32(U(10u)); let SW = i32(U(11u));
  let DH = i32(U(12u)); let DW = i32(U(13u)); let PT = i32(U(14u)); let PL = i32(U(15u));
{{BODY}}
}
