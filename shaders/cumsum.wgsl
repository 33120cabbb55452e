// Cumulative sum along one axis, one thread per line. The tensor is viewed as
// [outer, R, inner]; uniform words: 0 = lines (outer*inner), 1 = R, 2 = inner,
// 3 = exclusive (0/1), 4 = reverse (0/1).
@group(0) @binding(0) var<storage, read> x: array<{{T}}>;
@group(0) @binding(1) var<storage, read_write> y: array<{{T}}>;
@group(0) @binding(2) var<uniform> u: array<vec4<u32>, 2>;

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let line = linear_index(wid, nwg, lid, {{WG}}u);
  if (line >= U(0u)) { return; }
  let n = U(1u);
  let inner = U(2u);
  let base = (line / inner) * n * inner + line % inner;
  var acc: {{T}} = {{T}}(0);
  for (var k = 0u; k < n; k = k + 1u) {
    let r = select(k, n - 1u - k, U(4u) == 1u);
    let v = x[base + r * inner];
    if (U(3u) == 1u) { y[base + r * inner] = acc; acc = acc + v; }
    else { acc = acc + v; y[base + r * inner] = acc; }
  }
}
