// Geometry uniforms shared by the conv/pool programs (NHWC; words):
// 0 = threads of this dispatch, 1 N, 2 H, 3 W, 4 C (input), 5 OH, 6 OW, 7 K (output
// channels; C for pools), 8 FH, 9 FW, 10 SH, 11 SW, 12 DH, 13 DW, 14 top, 15 left.
// Window (fi, fj) of output (r, c) reads input row r*SH - top + fi*DH, column c*SW - left + fj*DW.
struct Geo { n: u32, h: i32, w: i32, c: u32, oh: i32, ow: i32, k: u32, fh: u32, fw: u32,
             sh: i32, sw: i32, dh: i32, dw: i32, top: i32, left: i32 }

fn geo() -> Geo {
  return Geo(U(1u), I(2u), I(3u), U(4u), I(5u), I(6u), U(7u), U(8u), U(9u),
             I(10u), I(11u), I(12u), I(13u), I(14u), I(15u));
}

// The output index whose window tap `f` (stride s, dilation d, pad p) lands on input
// coordinate `at`, or -1 when none does.
fn tap_source(at: i32, f: u32, s: i32, d: i32, p: i32, limit: i32) -> i32 {
  let t = at + p - i32(f) * d;
  if (t < 0 || t % s != 0) { return -1; }
  let o = t / s;
  return select(-1, o, o < limit);
}
