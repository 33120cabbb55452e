"""Weight initializers (Keras/tfjs semantics), serialisable to Keras JSON."""
from __future__ import annotations

import math

from .. import ops
from ..tensor import Tensor


def compute_fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out): dense [in, out]; conv [kh, kw, in, out] counts the receptive field."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    class_name = "Initializer"

    def __call__(self, shape, dtype: str = "float32") -> Tensor:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    def to_json(self) -> dict:
        return {"class_name": self.class_name, "config": self.get_config()}


class Zeros(Initializer):
    class_name = "Zeros"

    def __call__(self, shape, dtype="float32"):
        return ops.zeros(tuple(shape), dtype)


class Ones(Initializer):
    class_name = "Ones"

    def __call__(self, shape, dtype="float32"):
        return ops.ones(tuple(shape), dtype)


class Constant(Initializer):
    class_name = "Constant"

    def __init__(self, value: float = 0.0):
        self.value = float(value)

    def __call__(self, shape, dtype="float32"):
        return ops.fill(tuple(shape), self.value, dtype)

    def get_config(self):
        return {"value": self.value}


class RandomUniform(Initializer):
    class_name = "RandomUniform"

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None):
        self.minval, self.maxval, self.seed = float(minval), float(maxval), seed

    def __call__(self, shape, dtype="float32"):
        return ops.random_uniform(tuple(shape), self.minval, self.maxval, seed=self.seed)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class RandomNormal(Initializer):
    class_name = "RandomNormal"

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None):
        self.mean, self.stddev, self.seed = float(mean), float(stddev), seed

    def __call__(self, shape, dtype="float32"):
        return ops.random_normal(tuple(shape), self.mean, self.stddev, seed=self.seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(Initializer):
    """Uniform in ±sqrt(3*scale/n) or truncated normal with stddev sqrt(scale/n), n from mode."""
    class_name = "VarianceScaling"

    def __init__(self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "normal", seed: int | None = None):
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling: mode must be fan_in, fan_out or fan_avg, got {mode!r}")
        if distribution not in ("normal", "uniform", "truncated_normal"):
            raise ValueError(f"VarianceScaling: distribution must be normal or uniform, got {distribution!r}")
        self.scale, self.mode, self.distribution, self.seed = float(scale), mode, distribution, seed

    def __call__(self, shape, dtype="float32"):
        fan_in, fan_out = compute_fans(tuple(shape))
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        scale = self.scale / max(1.0, n)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * scale)
            return ops.random_uniform(tuple(shape), -limit, limit, seed=self.seed)
        return ops.truncated_normal(tuple(shape), 0.0, math.sqrt(scale), seed=self.seed)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


def glorot_uniform(seed: int | None = None) -> VarianceScaling:
    return VarianceScaling(1.0, "fan_avg", "uniform", seed)


def glorot_normal(seed: int | None = None) -> VarianceScaling:
    return VarianceScaling(1.0, "fan_avg", "normal", seed)


def he_uniform(seed: int | None = None) -> VarianceScaling:
    return VarianceScaling(2.0, "fan_in", "uniform", seed)


def he_normal(seed: int | None = None) -> VarianceScaling:
    return VarianceScaling(2.0, "fan_in", "normal", seed)


def zeros() -> Zeros:
    return Zeros()


def ones() -> Ones:
    return Ones()


_BY_NAME = {"glorot_uniform": glorot_uniform, "glorot_normal": glorot_normal, "he_uniform": he_uniform,
            "he_normal": he_normal, "zeros": zeros, "ones": ones, "random_uniform": RandomUniform,
            "random_normal": RandomNormal}
_CLASSES = {c.class_name: c for c in (Zeros, Ones, Constant, RandomUniform, RandomNormal, VarianceScaling)}


def get(identifier) -> Initializer:
    """An Initializer from an instance, a name ("glorot_uniform", "glorotUniform") or Keras JSON."""
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, str):
        key = "".join("_" + c.lower() if c.isupper() else c for c in identifier).lstrip("_")
        if key in _BY_NAME:
            return _BY_NAME[key]()
        raise ValueError(f"unknown initializer {identifier!r}; known: {', '.join(sorted(_BY_NAME))}")
    if isinstance(identifier, dict) and identifier.get("class_name") in _CLASSES:
        cfg = {k: v for k, v in (identifier.get("config") or {}).items()}
        return _CLASSES[identifier["class_name"]](**cfg)
    if isinstance(identifier, dict):
        raise ValueError(f"unknown initializer {identifier.get('class_name')!r}")
    raise TypeError(f"initializer must be an Initializer, a name or a config, got {type(identifier).__name__}")


__all__ = ["Initializer", "Zeros", "Ones", "Constant", "RandomUniform", "RandomNormal", "VarianceScaling",
           "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "zeros", "ones", "get", "compute_fans"]
