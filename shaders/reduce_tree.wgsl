// Reduction, one workgroup per output: each thread folds a strided share of the
// reduced elements, then a tree in workgroup memory combines the partial results.
// Same uniforms and program functions as reduce_rows.wgsl.
@group(0) @binding(0) var<storage, read> x: array<{{IN}}>;
@group(0) @binding(1) var<storage, read_write> y: array<{{OUT}}>;
@group(0) @binding(2) var<uniform> u: array<vec4<u32>, {{UVEC4}}>;
{{DEFS}}

var<workgroup> part: array<Acc, {{WG}}>;

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let o = wid.y * nwg.x + wid.x;
  let live = o < U(0u);
  let oo = select(0u, o, live);
{{KEPT_INDEX}}
  var acc = init();
  let n = select(0u, U(1u), live);
  {
    for (var r = lid; r < n; r = r + {{WG}}u) {
{{RED_INDEX}}
      acc = combine(acc, load(base + off, r));
    }
  }
  part[lid] = acc;
  workgroupBarrier();
  for (var s = {{WG}}u / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { part[lid] = combine(part[lid], part[lid + s]); }
    workgroupBarrier();
  }
  if (lid == 0u && live) { y[o * U(4u) + U(5u)] = finish(part[0]); }
}
