// Seeded random numbers from BENCH.md's counter hash (the NumPy backend uses the same
// hash, so a seed gives the same values on every backend).
// Uniform words: 0 = n, 1 = seed * 0x9E3779B9, 2 = p0, 3 = p1 (f32 bits), 4 = truncated,
// then up to 8 per-round seeds for truncated redraws.
@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<uniform> u: array<vec4<u32>, 3>;

fn normal_at(i: u32, seed_mul: u32) -> f32 {
  let u1 = hash_u(2u * i, seed_mul);
  let u2 = hash_u(2u * i + 1u, seed_mul);
  return sqrt(-2.0 * log(1.0 - u1)) * cos(6.2831855 * u2);
}

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, {{WG}}u);
  if (i >= U(0u)) { return; }
{{BODY}}
}
