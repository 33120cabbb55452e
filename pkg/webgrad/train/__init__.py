"""Optimizers with tfjs's update rules: ``wg.train.adam(0.01).minimize(f)``."""
from __future__ import annotations

from .adam import Adam, Adamax
from .adaptive import Adadelta, Adagrad, RMSProp
from .optimizer import Optimizer
from .sgd import SGD, Momentum


def sgd(learning_rate: float) -> SGD:
    return SGD(learning_rate)


def momentum(learning_rate: float, momentum: float, use_nesterov: bool = False) -> Momentum:
    return Momentum(learning_rate, momentum, use_nesterov)


def adam(learning_rate: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, epsilon: float | None = None) -> Adam:
    return Adam(learning_rate, beta1, beta2, epsilon)


def adamax(learning_rate: float = 0.002, beta1: float = 0.9, beta2: float = 0.999, epsilon: float | None = None,
           decay: float = 0.0) -> Adamax:
    return Adamax(learning_rate, beta1, beta2, epsilon, decay)


def adagrad(learning_rate: float, initial_accumulator_value: float = 0.1) -> Adagrad:
    return Adagrad(learning_rate, initial_accumulator_value)


def adadelta(learning_rate: float = 0.001, rho: float = 0.95, epsilon: float | None = None) -> Adadelta:
    return Adadelta(learning_rate, rho, epsilon)


def rmsprop(learning_rate: float, decay: float = 0.9, momentum: float = 0.0, epsilon: float | None = None,
            centered: bool = False) -> RMSProp:
    return RMSProp(learning_rate, decay, momentum, epsilon, centered)


# Names model.compile accepts, with Keras's default learning rates.
_BY_NAME = {
    "sgd": lambda: SGD(0.01),
    "momentum": lambda: Momentum(0.01, 0.9),
    "adam": lambda: Adam(0.001),
    "adamax": lambda: Adamax(0.002),
    "adagrad": lambda: Adagrad(0.01),
    "adadelta": lambda: Adadelta(1.0),
    "rmsprop": lambda: RMSProp(0.001),
}


def get(identifier) -> Optimizer:
    """An Optimizer from an instance or a name ("adam", "sgd", ...)."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        key = identifier.lower()
        if key in _BY_NAME:
            return _BY_NAME[key]()
        raise ValueError(f"unknown optimizer {identifier!r}; known: {', '.join(sorted(_BY_NAME))}")
    raise TypeError(f"optimizer must be an Optimizer or a name, got {type(identifier).__name__}")


__all__ = ["Optimizer", "SGD", "Momentum", "Adam", "Adamax", "Adagrad", "Adadelta", "RMSProp",
           "sgd", "momentum", "adam", "adamax", "adagrad", "adadelta", "rmsprop", "get"]
