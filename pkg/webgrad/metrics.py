"""Metrics (tfjs/Keras semantics): per-sample accuracies and batch precision/recall."""
from __future__ import annotations

from typing import Callable

from . import ops
from .ops._base import cast_if, to_tensor
from .tensor import Tensor


def _t(x, name: str, op: str) -> Tensor:
    return to_tensor(x, name, op)


def binary_accuracy(y_true, y_pred, threshold: float = 0.5) -> Tensor:
    """mean over the last axis of (y_pred > threshold) == y_true."""
    y_true, y_pred = _t(y_true, "y_true", "binary_accuracy"), _t(y_pred, "y_pred", "binary_accuracy")
    hit = ops.equal(cast_if(y_true, "float32"), ops.cast(ops.greater(y_pred, threshold), "float32"))
    return ops.mean(ops.cast(hit, "float32"), axis=-1)


def categorical_accuracy(y_true, y_pred) -> Tensor:
    """1.0 where argmax(y_true) == argmax(y_pred) along the last axis."""
    y_true, y_pred = _t(y_true, "y_true", "categorical_accuracy"), _t(y_pred, "y_pred", "categorical_accuracy")
    return ops.cast(ops.equal(ops.argmax(y_true, -1), ops.argmax(y_pred, -1)), "float32")


def sparse_categorical_accuracy(y_true, y_pred) -> Tensor:
    """1.0 where the integer label equals argmax(y_pred); y_true of shape [n] or [n, 1]."""
    y_true = _t(y_true, "y_true", "sparse_categorical_accuracy")
    y_pred = _t(y_pred, "y_pred", "sparse_categorical_accuracy")
    if y_true.rank == y_pred.rank:
        y_true = ops.reshape(y_true, y_true.shape[:-1])
    return ops.cast(ops.equal(cast_if(y_true, "int32"), ops.argmax(y_pred, -1)), "float32")


def _counts(y_true, y_pred, op: str, threshold: float):
    y_true, y_pred = _t(y_true, "y_true", op), _t(y_pred, "y_pred", op)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{op}: y_true has shape {y_true.shape} but y_pred has shape {y_pred.shape}")
    t = ops.greater(cast_if(y_true, "float32"), 0.5)
    p = ops.greater(y_pred, threshold)
    tp = ops.sum(ops.cast(ops.logical_and(t, p), "float32"))
    return tp, t, p


def precision(y_true, y_pred, threshold: float = 0.5) -> Tensor:
    """tp / (tp + fp) for binary labels (predictions above threshold count as 1); 0 when nothing is predicted."""
    tp, _, p = _counts(y_true, y_pred, "precision", threshold)
    denom = ops.sum(ops.cast(p, "float32"))
    return ops.where(ops.greater(denom, 0.0), ops.div(tp, ops.maximum(denom, 1.0)), ops.zeros(()))


def recall(y_true, y_pred, threshold: float = 0.5) -> Tensor:
    """tp / (tp + fn) for binary labels; 0 when there are no positives."""
    tp, t, _ = _counts(y_true, y_pred, "recall", threshold)
    denom = ops.sum(ops.cast(t, "float32"))
    return ops.where(ops.greater(denom, 0.0), ops.div(tp, ops.maximum(denom, 1.0)), ops.zeros(()))


_BY_NAME: dict[str, Callable] = {
    "binary_accuracy": binary_accuracy, "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy, "precision": precision, "recall": recall,
}


def get(identifier, loss_name: str | None = None) -> tuple[str, Callable]:
    """(display name, fn) from a name or callable; "accuracy"/"acc" picks the variant matching the loss."""
    if callable(identifier):
        return getattr(identifier, "__name__", "metric"), identifier
    if not isinstance(identifier, str):
        raise TypeError(f"metric must be a function or a name, got {type(identifier).__name__}")
    key = "".join("_" + c.lower() if c.isupper() else c for c in identifier).lstrip("_")
    if key in ("accuracy", "acc"):
        if loss_name == "sparse_categorical_crossentropy":
            return identifier, sparse_categorical_accuracy
        if loss_name == "binary_crossentropy":
            return identifier, binary_accuracy
        return identifier, categorical_accuracy
    if key in _BY_NAME:
        return identifier, _BY_NAME[key]
    raise ValueError(f"unknown metric {identifier!r}; known: accuracy, {', '.join(sorted(_BY_NAME))}")


__all__ = ["binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy", "precision", "recall", "get"]
