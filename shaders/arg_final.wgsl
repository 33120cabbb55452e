// Final pass of a split ArgMax/ArgMin, one thread per output: p holds each chunk's
// winning position (relative to the chunk) for every output; the thread reloads those
// candidates' values from x and combines them in chunk order, so ties and NaNs keep
// the first occurrence. Uniform words: 0 = outputs O, 1 = chunks P, 2 = chunk length Q,
// 3 = reduced stride, then the kept shape and strides (KRANK words each).
@group(0) @binding(0) var<storage, read> x: array<{{IN}}>;
@group(0) @binding(1) var<storage, read> p: array<i32>;
@group(0) @binding(2) var<storage, read_write> y: array<i32>;
@group(0) @binding(3) var<uniform> u: array<vec4<u32>, {{UVEC4}}>;
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
    for (var c = 0u; c < n; c = c + 1u) {
      let r = c * U(2u) + u32(p[o * n + c]);
      acc = combine(acc, load(base + r * U(3u), r));
    }
  }
  y[o] = finish(acc);
}
