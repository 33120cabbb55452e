"""NumPy kernels. Each takes (inputs, attrs, backend) and returns (flat array, shape, dtype)."""
from __future__ import annotations

import math

import numpy as np

from ..base import kernel_registrar, register_sharing_kernels

NP = {"float32": np.float32, "int32": np.int32, "bool": np.bool_}


def arr(t) -> np.ndarray:
    """The input tensor's data in its shape (a view)."""
    return t.ref.handle.reshape(t.shape)


def out(a, dtype: str):
    a = np.asarray(a)
    return np.ascontiguousarray(a, dtype=NP[dtype]).reshape(-1), tuple(a.shape), dtype


kernel = kernel_registrar("cpu")


_ERR = dict(all="ignore")

# -- data movement and creation --------------------------------------------------------


register_sharing_kernels(kernel)


@kernel("Cast")
def _cast(inputs, attrs, backend):
    x = arr(inputs[0])
    dtype = attrs["dtype"]
    if dtype == "int32" and x.dtype == np.float32:
        with np.errstate(**_ERR):  # float64: 2**31 - 1 has no float32 (it rounds up to 2**31)
            t = np.trunc(x.astype(np.float64))
            t = np.where(np.isfinite(t), t, 0)
            x = np.clip(t, -2**31, 2**31 - 1).astype(np.int32)
    elif dtype == "bool":
        x = x != 0
    return out(x, dtype)


@kernel("Fill")
def _fill(inputs, attrs, backend):
    dtype = attrs["dtype"]
    return out(np.full(attrs["shape"], attrs["value"], dtype=NP[dtype]), dtype)


@kernel("Range")
def _range(inputs, attrs, backend):
    dtype = attrs["dtype"]
    a = attrs["start"] + attrs["step"] * np.arange(attrs["size"], dtype=np.float64)
    return out(a, dtype)


@kernel("LinSpace")
def _linspace(inputs, attrs, backend):
    a = attrs["start"] + attrs["step"] * np.arange(attrs["size"], dtype=np.float64)
    if attrs["size"] > 1:
        a[-1] = attrs["stop"]
    return out(a, "float32")


@kernel("Eye")
def _eye(inputs, attrs, backend):
    shape = attrs["shape"]
    e = np.eye(shape[-2], shape[-1], dtype=NP[attrs["dtype"]])
    return out(np.broadcast_to(e, shape), attrs["dtype"])


def hash_uniform(n: int, seed: int, offset: int = 0) -> np.ndarray:
    """BENCH.md's u(i, seed) for i in [offset, offset+n): uint32 hash -> [0, 1) float32."""
    i = np.arange(offset, offset + n, dtype=np.uint64)
    x = ((i + np.uint64((seed * 0x9E3779B9) & 0xFFFFFFFF)) & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    x ^= x >> np.uint32(16)
    x *= np.uint32(0x7FEB352D)
    x ^= x >> np.uint32(15)
    x *= np.uint32(0x846CA68B)
    x ^= x >> np.uint32(16)
    return (x >> np.uint32(8)).astype(np.float32) / np.float32(2**24)


@kernel("RandomUniform")
def _random_uniform(inputs, attrs, backend):
    n = math.prod(attrs["shape"])
    u = hash_uniform(n, attrs["seed"])
    lo, hi = np.float32(attrs["minval"]), np.float32(attrs["maxval"])
    return out((lo + u * (hi - lo)).reshape(attrs["shape"]), "float32")


TRUNC_ROUNDS = 8
ROUND_SEED_STEP = 0x632BE5AB


def normal_round(n: int, seed: int) -> np.ndarray:
    """Box-Muller on two hash streams (even and odd counters), float32 math."""
    u1 = hash_uniform(2 * n, seed)[0::2]
    u2 = hash_uniform(2 * n, seed)[1::2]
    r = np.sqrt(np.float32(-2.0) * np.log(np.float32(1.0) - u1))
    return (r * np.cos(np.float32(2 * math.pi) * u2)).astype(np.float32)


@kernel("RandomNormal")
def _random_normal(inputs, attrs, backend):
    n = math.prod(attrs["shape"])
    seed = attrs["seed"]
    z = normal_round(n, seed)
    if attrs["truncated"]:
        for k in range(1, TRUNC_ROUNDS):
            bad = np.abs(z) > 2
            if not bad.any():
                break
            z = np.where(bad, normal_round(n, (seed + k * ROUND_SEED_STEP) & 0xFFFFFFFF), z)
        z = np.clip(z, -2, 2)
    res = np.float32(attrs["mean"]) + np.float32(attrs["stddev"]) * z
    return out(res.reshape(attrs["shape"]), "float32")


# -- unary ------------------------------------------------------------------------------


def _erf(x):
    # Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), the formula tfjs uses.
    p, a1, a2, a3, a4, a5 = 0.3275911, 0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429
    s = np.sign(x)
    ax = np.abs(x).astype(np.float64)
    t = 1.0 / (1.0 + p * ax)
    y = 1.0 - (((((a5 * t + a4) * t) + a3) * t + a2) * t + a1) * t * np.exp(-ax * ax)
    return s * y


_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772, 1.0507009873554805

UNARY = {
    "Abs": np.abs, "Neg": np.negative, "Square": np.square, "Sign": np.sign,
    "Relu": lambda x: np.where(np.isnan(x), x, np.maximum(x, 0)).astype(x.dtype),
    "Relu6": lambda x: np.where(np.isnan(x), x, np.clip(x, 0, 6)).astype(x.dtype),
    "Exp": np.exp, "Expm1": np.expm1, "Log": np.log, "Log1p": np.log1p, "Sqrt": np.sqrt,
    "Rsqrt": lambda x: 1 / np.sqrt(x), "Reciprocal": lambda x: 1 / x,
    "Sin": np.sin, "Cos": np.cos, "Tan": np.tan, "Asin": np.arcsin, "Acos": np.arccos, "Atan": np.arctan,
    "Sinh": np.sinh, "Cosh": np.cosh, "Tanh": np.tanh, "Asinh": np.arcsinh, "Acosh": np.arccosh,
    "Atanh": np.arctanh,
    "Sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "Softplus": lambda x: np.logaddexp(x, 0),
    "Elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
    "Selu": lambda x: _SELU_SCALE * np.where(x > 0, x, _SELU_ALPHA * np.expm1(np.minimum(x, 0))),
    "Floor": np.floor, "Ceil": np.ceil, "Round": np.round, "Erf": _erf,
    "IsNan": np.isnan, "IsInf": np.isinf, "IsFinite": np.isfinite, "LogicalNot": np.logical_not,
}

_BOOL_OUT = {"IsNan", "IsInf", "IsFinite", "LogicalNot"}


def _unary_kernel(name, fn):
    def k(inputs, attrs, backend):
        x = arr(inputs[0])
        with np.errstate(**_ERR):
            y = fn(x)
        return out(y, "bool" if name in _BOOL_OUT else inputs[0].dtype)
    kernel(name)(k)


for _name, _fn in UNARY.items():
    _unary_kernel(_name, _fn)


@kernel("LeakyRelu")
def _leaky_relu(inputs, attrs, backend):
    x = arr(inputs[0])
    return out(np.where(x < 0, np.float32(attrs["alpha"]) * x, x), inputs[0].dtype)


@kernel("Prelu")
def _prelu(inputs, attrs, backend):
    x, a = arr(inputs[0]), arr(inputs[1])
    return out(np.where(x < 0, a * x, x), "float32")


@kernel("Step")
def _step(inputs, attrs, backend):
    x = arr(inputs[0])
    return out(np.where(np.isnan(x), x, np.where(x > 0, 1, np.float32(attrs["alpha"]))), "float32")


@kernel("ClipByValue")
def _clip(inputs, attrs, backend):
    x = arr(inputs[0])
    y = np.where(np.isnan(x), x, np.clip(x, attrs["min"], attrs["max"])) if x.dtype == np.float32 \
        else np.clip(x, attrs["min"], attrs["max"])
    return out(y, inputs[0].dtype)


# -- binary -----------------------------------------------------------------------------


def _floordiv(a, b):
    if a.dtype == np.int32:
        safe = np.where(b == 0, 1, b)
        return np.where(b == 0, 0, np.floor_divide(a, safe))
    return np.floor(a / b)


def _mod(a, b):
    if a.dtype == np.int32:
        safe = np.where(b == 0, 1, b)
        return np.where(b == 0, 0, np.mod(a, safe))
    return np.mod(a, b)


def _pow(a, b):
    if a.dtype == np.int32:
        return np.power(a.astype(np.float64), b).astype(np.int64).astype(np.int32)
    return np.power(a, b)


BINARY = {
    "Add": np.add, "Sub": np.subtract, "Multiply": np.multiply, "RealDiv": np.divide,
    "FloorDiv": _floordiv, "Mod": _mod, "Pow": _pow, "Maximum": np.maximum, "Minimum": np.minimum,
    "SquaredDifference": lambda a, b: np.square(a - b), "Atan2": np.arctan2,
    "Equal": np.equal, "NotEqual": np.not_equal, "Less": np.less, "LessEqual": np.less_equal,
    "Greater": np.greater, "GreaterEqual": np.greater_equal,
    "LogicalAnd": np.logical_and, "LogicalOr": np.logical_or, "LogicalXor": np.logical_xor,
}
_COMPARE = {"Equal", "NotEqual", "Less", "LessEqual", "Greater", "GreaterEqual", "LogicalAnd", "LogicalOr", "LogicalXor"}


def _binary_kernel(name, fn):
    def k(inputs, attrs, backend):
        a, b = arr(inputs[0]), arr(inputs[1])
        with np.errstate(**_ERR):
            y = fn(a, b)
        return out(y, "bool" if name in _COMPARE else inputs[0].dtype)
    kernel(name)(k)


for _name, _fn in BINARY.items():
    _binary_kernel(_name, _fn)


@kernel("Select")
def _select(inputs, attrs, backend):
    c, a, b = (arr(t) for t in inputs)
    return out(np.where(c, a, b), inputs[1].dtype)


# -- reductions -------------------------------------------------------------------------

def _mean(x, axis, keepdims):
    """sum / count, so an empty reduction gives NaN without NumPy's 'Mean of empty slice' warning."""
    n = math.prod(x.shape[a] for a in axis)
    return np.sum(x, axis=axis, keepdims=keepdims) / x.dtype.type(n)


REDUCE = {"Sum": np.sum, "Mean": _mean, "Prod": np.prod, "Max": np.max, "Min": np.min, "Any": np.any, "All": np.all}


def _reduce_kernel(name, fn):
    def k(inputs, attrs, backend):
        x = arr(inputs[0])
        dtype = inputs[0].dtype
        with np.errstate(**_ERR):
            y = fn(x, axis=tuple(attrs["axis"]), keepdims=attrs["keepdims"],
                   **({"dtype": NP[dtype]} if name in ("Sum", "Prod") else {}))
        return out(y, dtype)
    kernel(name)(k)


for _name, _fn in REDUCE.items():
    _reduce_kernel(_name, _fn)


def _arg_kernel(name, fn):
    def k(inputs, attrs, backend):
        x = arr(inputs[0])
        return out(fn(x, axis=attrs["axis"]), "int32")
    kernel(name)(k)


_arg_kernel("ArgMax", np.argmax)
_arg_kernel("ArgMin", np.argmin)


@kernel("Cumsum")
def _cumsum(inputs, attrs, backend):
    x = arr(inputs[0])
    ax = attrs["axis"]
    if attrs["reverse"]:
        x = np.flip(x, ax)
    y = np.cumsum(x, axis=ax, dtype=x.dtype)
    if attrs["exclusive"]:
        y = y - x
    if attrs["reverse"]:
        y = np.flip(y, ax)
    return out(y, inputs[0].dtype)


# -- shape --------------------------------------------------------------------------------


@kernel("Transpose")
def _transpose(inputs, attrs, backend):
    return out(np.transpose(arr(inputs[0]), attrs["perm"]), inputs[0].dtype)


@kernel("BroadcastTo")
def _broadcast_to(inputs, attrs, backend):
    return out(np.broadcast_to(arr(inputs[0]), attrs["shape"]), inputs[0].dtype)
