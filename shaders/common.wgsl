// Helpers shared by every webgrad kernel (prepended to each program).
// Uniforms are an array of vec4<u32>; U(k) reads word k, F(k) reads it as f32, I(k) as i32.
// NaN/Inf follow tfjs/NumPy: checks use the bit pattern, since the builtins may assume finite math.

var<private> NAN_BITS: u32 = 0x7fc00000u;
var<private> INF_BITS: u32 = 0x7f800000u;

fn U(k: u32) -> u32 { return u[k / 4u][k % 4u]; }
fn F(k: u32) -> f32 { return bitcast<f32>(U(k)); }
fn I(k: u32) -> i32 { return bitcast<i32>(U(k)); }
fn nan_f() -> f32 { return bitcast<f32>(NAN_BITS); }
fn inf_f() -> f32 { return bitcast<f32>(INF_BITS); }
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn is_inf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn is_finite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) < 0x7f800000u; }

// llvmpipe (lavapipe) silently ends an invocation's loops after 65535 iterations in
// total; kernels keep each invocation's loop work below that (the Python side splits
// longer work across invocations or dispatches, see LOOP_BUDGET in kernels/util.py).

// Global linear index for 1-D work laid out on a (possibly 2-D) grid of workgroups.
fn linear_index(wid: vec3<u32>, nwg: vec3<u32>, lid: u32, wg: u32) -> u32 {
  return (wid.y * nwg.x + wid.x) * wg + lid;
}

fn max_f(a: f32, b: f32) -> f32 { return select(select(max(a, b), b, is_nan(b)), a, is_nan(a)); }
fn min_f(a: f32, b: f32) -> f32 { return select(select(min(a, b), b, is_nan(b)), a, is_nan(a)); }

// Drivers' log/atan keep an absolute, not a relative, error near 0 (lavapipe's log(1 + 2e-7)
// is off by a third), so small arguments take short series, exact to float32 there.
// log(1 + x) for |x| < 0.1 (truncation below 2e-9 relative).
fn log1p_series(x: f32) -> f32 {
  return x * (1.0 - x * (0.5 - x * (0.33333334 - x * (0.25 - x * (0.2 - x * (0.16666667 - x * (0.14285715 - x * 0.125)))))));
}

// exp(x) - 1 for |x| < 0.1.
fn expm1_series(x: f32) -> f32 {
  return x * (1.0 + x * (0.5 + x * (0.16666667 + x * (0.041666668 + x * (0.008333334 + x * (0.0013888889 + x * 0.0001984127))))));
}

// atan in software: 1/x beyond 1, three argument halvings (atan(t) = 2 atan(t / (1 + sqrt(1 + t^2))))
// to below 0.1, then the series; relative error ~1e-7 everywhere (lavapipe's atan: 2e-5).
fn atan_f(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  let ax = abs(x);
  let inv = ax > 1.0;
  var t = select(ax, 1.0 / ax, inv);
  t = t / (1.0 + sqrt(1.0 + t * t));
  t = t / (1.0 + sqrt(1.0 + t * t));
  t = t / (1.0 + sqrt(1.0 + t * t));
  let t2 = t * t;
  let s = t * (1.0 - t2 * (0.33333334 - t2 * (0.2 - t2 * (0.14285715 - t2 * (0.11111111 - t2 * (0.09090909 - t2 * 0.07692308))))));
  let r = select(8.0 * s, 1.5707964 - 8.0 * s, inv);
  return select(r, -r, x < 0.0);
}

// Branch-free (select) forms: cheaper than divergent control flow on SIMD drivers.
fn log_f(x: f32) -> f32 {
  let r = select(select(log(x), log1p_series(x - 1.0), abs(x - 1.0) < 0.1), -inf_f(), x == 0.0);
  return select(select(r, x, !is_finite(x)), nan_f(), x < 0.0);
}

fn exp_f(x: f32) -> f32 {
  let r = select(select(exp(clamp(x, -103.97208, 88.72284)), inf_f(), x > 88.72284), 0.0, x < -103.97208);
  return select(r, x, is_nan(x));
}

fn sqrt_f(x: f32) -> f32 {
  return select(select(sqrt(x), x, !is_finite(x)), nan_f(), x < 0.0);
}

fn log1p_f(x: f32) -> f32 {
  if (x < -1.0) { return nan_f(); }
  if (x == -1.0) { return -inf_f(); }
  if (is_inf(x) || is_nan(x)) { return x; }
  if (abs(x) < 0.1) { return log1p_series(x); }
  let w = 1.0 + x;
  return log(w) * x / (w - 1.0);
}

fn expm1_f(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (abs(x) < 0.1) { return expm1_series(x); }
  return exp_f(x) - 1.0;
}

fn sign_f(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  return select(select(0.0, -1.0, x < 0.0), 1.0, x > 0.0);
}

fn tanh_f(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  let ax = abs(x);
  if (ax < 0.1) {  // x - x^3/3 + 2x^5/15 - 17x^7/315 + 62x^9/2835
    let x2 = x * x;
    return x * (1.0 - x2 * (0.33333334 - x2 * (0.13333334 - x2 * (0.053968254 - x2 * 0.021869488))));
  }
  let e = exp(-2.0 * min(ax, 20.0));
  let t = (1.0 - e) / (1.0 + e);
  return select(t, -t, x < 0.0);
}

fn sinh_f(x: f32) -> f32 {
  if (abs(x) < 0.1) {
    let x2 = x * x;
    return x * (1.0 + x2 * (0.16666667 + x2 * (0.008333334 + x2 * 0.0001984127)));
  }
  return 0.5 * (exp_f(x) - exp_f(-x));
}

fn cosh_f(x: f32) -> f32 { return 0.5 * (exp_f(x) + exp_f(-x)); }

fn asinh_f(x: f32) -> f32 {
  let ax = abs(x);
  if (is_inf(x) || is_nan(x)) { return x; }
  var r: f32;
  if (ax > 1e18) { r = log(ax) + 0.6931472; } else { r = log1p_f(ax + ax * ax / (1.0 + sqrt(1.0 + ax * ax))); }
  return select(r, -r, x < 0.0);
}

fn acosh_f(x: f32) -> f32 {
  if (x < 1.0 || is_nan(x)) { return nan_f(); }
  if (is_inf(x)) { return x; }
  if (x > 1e18) { return log(x) + 0.6931472; }
  return log(x + sqrt(x * x - 1.0));
}

fn atanh_f(x: f32) -> f32 {
  let ax = abs(x);
  if (ax > 1.0 || is_nan(x)) { return nan_f(); }
  if (ax == 1.0) { return select(inf_f(), -inf_f(), x < 0.0); }
  let r = 0.5 * log1p_f(2.0 * ax / (1.0 - ax));
  return select(r, -r, x < 0.0);
}

// asin/acos through atan, which drivers compute more precisely.
fn asin_f(x: f32) -> f32 {
  if (abs(x) > 1.0 || is_nan(x)) { return nan_f(); }
  if (abs(x) == 1.0) { return x * 1.5707964; }
  return atan_f(x / sqrt((1.0 - x) * (1.0 + x)));
}
fn acos_f(x: f32) -> f32 {
  if (abs(x) > 1.0 || is_nan(x)) { return nan_f(); }
  if (x == -1.0) { return 3.1415927; }
  return 2.0 * atan_f(sqrt((1.0 - x) / (1.0 + x)));
}
fn neg_zero(x: f32) -> bool { return bitcast<u32>(x) == 0x80000000u; }
fn atan2_f(a: f32, b: f32) -> f32 {
  if (is_nan(a) || is_nan(b)) { return nan_f(); }
  let neg = a < 0.0 || neg_zero(a);
  if (a == 0.0) {
    let r = select(0.0, 3.1415927, b < 0.0 || neg_zero(b));
    return select(r, -r, neg);
  }
  if (is_inf(a) && is_inf(b)) {
    let r = select(0.7853982, 2.3561945, b < 0.0);
    return select(r, -r, neg);
  }
  if (b == 0.0) { return select(1.5707964, -1.5707964, neg); }
  let r = atan_f(a / b);
  if (b > 0.0) { return r; }
  return select(r + 3.1415927, r - 3.1415927, neg);
}

// Abramowitz & Stegun 7.1.26, as tfjs (and the NumPy backend) compute it.
fn erf_f(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  let ax = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * ax);
  let y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-ax * ax);
  return select(y, -y, x < 0.0);
}

fn softplus_f(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  return max(x, 0.0) + log1p_f(exp(-abs(x)));
}

fn sigmoid_f(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  return 1.0 / (1.0 + exp_f(-x));
}

fn is_int_f(x: f32) -> bool { return is_finite(x) && floor(x) == x; }

fn pow_f(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (a == 1.0) { return 1.0; }
  if (is_nan(a) || is_nan(b)) { return nan_f(); }
  if (a == 0.0) {
    if (b > 0.0) { return select(0.0, a, is_int_f(b) && abs(b % 2.0) == 1.0); }
    return select(inf_f(), select(inf_f(), -inf_f(), bitcast<u32>(a) != 0u), is_int_f(b) && abs(b % 2.0) == 1.0);
  }
  if (is_inf(b)) {
    let aa = abs(a);
    if (aa == 1.0) { return 1.0; }
    if ((aa > 1.0) == (b > 0.0)) { return inf_f(); }
    return 0.0;
  }
  if (is_inf(a)) {
    if (a > 0.0) { return select(0.0, inf_f(), b > 0.0); }
    let odd = is_int_f(b) && abs(b % 2.0) == 1.0;
    if (b > 0.0) { return select(inf_f(), -inf_f(), odd); }
    return select(0.0, -0.0, odd);
  }
  if (a < 0.0) {
    if (!is_int_f(b)) { return nan_f(); }
    let m = exp2(b * log2(-a));
    return select(m, -m, abs(b % 2.0) == 1.0);
  }
  return exp2(b * log2(a));
}

fn mod_f(a: f32, b: f32) -> f32 {
  if (b == 0.0 || is_nan(a) || is_nan(b) || is_inf(a)) { return nan_f(); }
  if (is_inf(b)) { return select(b, a, (a >= 0.0) == (b > 0.0)); }
  var r = a - b * trunc(a / b);
  if (abs(r) >= abs(b)) { r = 0.0; }
  if (r != 0.0 && ((r < 0.0) != (b < 0.0))) { r = r + b; }
  return r;
}

fn floordiv_f(a: f32, b: f32) -> f32 { return floor(a / b); }

fn floordiv_i(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  var q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) { q = q - 1; }
  return q;
}

fn mod_i(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  var r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) { r = r + b; }
  return r;
}

fn pow_i(a: i32, b: i32) -> i32 {
  if (b < 0) {
    if (a == 1) { return 1; }
    if (a == -1) { return select(1, -1, (b & 1) == 1); }
    return 0;
  }
  var r = 1;
  var base = a;
  var e = u32(b);
  loop {
    if (e == 0u) { break; }
    if ((e & 1u) == 1u) { r = r * base; }
    base = base * base;
    e = e >> 1u;
  }
  return r;
}

// float32 -> int32 (ops.cast): truncate; NaN and ±Inf -> 0; saturate beyond the int32 range.
fn f2i(x: f32) -> i32 {
  if (!is_finite(x)) { return 0; }
  if (x >= 2147483648.0) { return 2147483647; }
  if (x <= -2147483648.0) { return -2147483647 - 1; }
  return i32(trunc(x));
}

// BENCH.md's u(i, seed): a uint32 hash of the counter, 24 bits -> [0, 1).
fn hash_u(i: u32, seed_mul: u32) -> f32 {
  var x = i + seed_mul;
  x = x ^ (x >> 16u);
  x = x * 0x7FEB352Du;
  x = x ^ (x >> 15u);
  x = x * 0x846CA68Bu;
  x = x ^ (x >> 16u);
  return f32(x >> 8u) / 16777216.0;
}
