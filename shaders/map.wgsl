// Element-wise map: y[i] = EXPR(x0[o0], x1[o1], ...) for every output index i.
// Each input is read flat (o = i), as a broadcast scalar (o = 0) or through strides
// (o = sum of coordinates * stride, stride 0 on broadcast dimensions).
// Uniform words: 0 = n, 1..3 = scalar attributes p0..p2, then the output shape
// (RANK words) and the strides of each strided input (RANK words each).
{{BINDINGS}}
@group(0) @binding({{UBIND}}) var<uniform> u: array<vec4<u32>, {{UVEC4}}>;

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, {{WG}}u);
  if (i >= U(0u)) { return; }
{{INDEX}}
  y[i] = {{EXPR}};
}
