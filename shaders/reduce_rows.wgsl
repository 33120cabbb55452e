// Reduction, one thread per output: y[o] = finish(combine over r of load(x[base(o) + off(r)])).
// Uniform words: 0 = outputs O, 1 = reduced length R, then the kept shape and strides
// (KRANK words each) and the reduced shape and strides (RRANK words each).
// The program defines alias Acc and fns init, load, combine, finish (see reduce.py).
@group(0) @binding(0) var<storage, read> x: array<{{IN}}>;
@group(0) @binding(1) var<storage, read_write> y: array<{{OUT}}>;
@group(0) @binding(2) var<uniform> u: array<vec4<u32>, {{UVEC4}}>;
{{DEFS}}

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let o = linear_index(wid, nwg, lid, {{WG}}u);
  if (o >= U(0u)) { return; }
{{KEPT_INDEX}}
  var acc = init();
  let n = U(1u);
  {
    for (var r = 0u; r < n; r = r + 1u) {
{{RED_INDEX}}
      acc = combine(acc, load(base + off, r));
    }
  }
  y[o * U(4u) + U(5u)] = finish(acc);
}
