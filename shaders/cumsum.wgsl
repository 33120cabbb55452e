// Cumulative sum along one axis, one thread per line, over positions [k0, k1) of the
// axis (longer axes take several dispatches, each continuing from the last output).
// The tensor is viewed as [outer, R, inner]; uniform words: 0 = lines (outer*inner),
// 1 = R, 2 = inner, 3 = exclusive (0/1), 4 = reverse (0/1), 5 = k0, 6 = k1.
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
  let rev = U(4u) == 1u;
  let excl = U(3u) == 1u;
  let base = (line / inner) * n * inner + line % inner;
  var acc: {{T}} = {{T}}(0);
  if (U(5u) > 0u) {  // carry on from the previous chunk
    let p = select(U(5u) - 1u, n - U(5u), rev);
    acc = y[base + p * inner];
    if (excl) { acc = acc + x[base + p * inner]; }
  }
  for (var k = U(5u); k < U(6u); k = k + 1u) {
    let r = select(k, n - 1u - k, rev);
    let v = x[base + r * inner];
    if (excl) { y[base + r * inner] = acc; acc = acc + v; }
    else { acc = acc + v; y[base + r * inner] = acc; }
  }
}
