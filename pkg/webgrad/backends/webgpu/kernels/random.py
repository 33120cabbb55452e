"""RandomUniform and RandomNormal (Box-Muller, optional truncation by redraw) on the GPU,
with the NumPy backend's counter hash so a seed gives the same numbers everywhere."""
from __future__ import annotations

import struct

from ..shaders import render
from .util import WG, kernel, pack, size_of

SEED_MUL = 0x9E3779B9
TRUNC_ROUNDS = 8
ROUND_SEED_STEP = 0x632BE5AB

_UNIFORM_BODY = "  y[i] = F(2u) + hash_u(i, U(1u)) * (F(3u) - F(2u));"
_NORMAL_BODY = """  var z = normal_at(i, U(1u));
  if (U(4u) == 1u) {
    for (var k = 1u; k < 8u; k = k + 1u) {
      if (abs(z) <= 2.0) { break; }
      z = normal_at(i, U(4u + k));
    }
    z = clamp(z, -2.0, 2.0);
  }
  y[i] = F(2u) + F(3u) * z;"""


def _mul(seed: int) -> int:
    return (seed * SEED_MUL) & 0xFFFFFFFF


def _run(backend, key: str, body: str, shape, seed: int, p0: float, p1: float, truncated: bool):
    shape = tuple(shape)
    n = size_of(shape)
    out = backend.alloc(n)
    if n == 0:
        return out, shape, "float32"
    pipe = backend.pipeline(key, lambda: render("random", WG=WG, BODY=body))
    rounds = [_mul((seed + k * ROUND_SEED_STEP) & 0xFFFFFFFF) for k in range(1, TRUNC_ROUNDS)]
    ub = pack("IIffI" + "I" * len(rounds), n, _mul(seed), p0, p1, int(truncated), *rounds)
    backend.run(pipe, (out.buffer,), ub, -(-n // WG))
    return out, shape, "float32"


@kernel("RandomUniform")
def _random_uniform(inputs, attrs, backend):
    return _run(backend, "random:uniform", _UNIFORM_BODY, attrs["shape"], attrs["seed"],
                attrs["minval"], attrs["maxval"], False)


@kernel("RandomNormal")
def _random_normal(inputs, attrs, backend):
    return _run(backend, "random:normal", _NORMAL_BODY, attrs["shape"], attrs["seed"],
                attrs["mean"], attrs["stddev"], bool(attrs["truncated"]))
