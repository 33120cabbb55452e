"""Losses: tfjs's ``tf.losses`` (labels first, weights, reductions) and the
Keras-style per-sample losses that ``model.compile(loss=...)`` takes by name."""
from __future__ import annotations

import enum
from typing import Callable

from . import ops
from .ops._base import cast_if, to_tensor
from .autodiff import custom_grad
from .tensor import Tensor


class Reduction(enum.Enum):
    """How a loss tensor becomes the returned value (tfjs's ``Reduction``)."""
    NONE = 0
    MEAN = 1
    SUM = 2
    SUM_BY_NONZERO_WEIGHTS = 3


SUM_BY_NONZERO = Reduction.SUM_BY_NONZERO_WEIGHTS


def _pair(labels, predictions, op: str, pred_name: str = "predictions") -> tuple[Tensor, Tensor]:
    labels = to_tensor(labels, "labels", op)
    predictions = to_tensor(predictions, pred_name, op)
    if labels.shape != predictions.shape:
        raise ValueError(f"{op}: labels have shape {labels.shape} but {pred_name} have shape {predictions.shape}")
    return cast_if(labels, "float32"), cast_if(predictions, "float32")


def compute_weighted_loss(losses, weights=None, reduction: Reduction = SUM_BY_NONZERO) -> Tensor:
    """Multiply losses by weights (broadcast) and reduce as tfjs does."""
    losses = to_tensor(losses, "losses", "compute_weighted_loss")
    if not isinstance(reduction, Reduction):
        raise ValueError(f"compute_weighted_loss: unknown reduction {reduction!r}")
    w = None if weights is None else cast_if(to_tensor(weights, "weights", "compute_weighted_loss"), "float32")
    weighted = losses if w is None else ops.mul(losses, w)
    if reduction is Reduction.NONE:
        return weighted
    if reduction is Reduction.SUM:
        return ops.sum(weighted)
    if reduction is Reduction.MEAN:
        if w is None:
            return ops.mean(weighted)
        result = ops.div(ops.sum(weighted), ops.sum(w))
        factor = losses.size / w.size
        return ops.div(result, float(factor)) if factor > 1 else result
    if w is None:
        return ops.div(ops.sum(weighted), float(losses.size))
    nonzero = ops.sum(ops.cast(ops.not_equal(ops.mul(w, ops.ones(losses.shape)), 0.0), "float32"))
    return ops.div(ops.sum(weighted), nonzero)


def mean_squared_error(labels, predictions, weights=None, reduction: Reduction = SUM_BY_NONZERO) -> Tensor:
    labels, predictions = _pair(labels, predictions, "mean_squared_error")
    return compute_weighted_loss(ops.squared_difference(labels, predictions), weights, reduction)


def absolute_difference(labels, predictions, weights=None, reduction: Reduction = SUM_BY_NONZERO) -> Tensor:
    labels, predictions = _pair(labels, predictions, "absolute_difference")
    return compute_weighted_loss(ops.abs(ops.sub(labels, predictions)), weights, reduction)


def huber_loss(labels, predictions, weights=None, delta: float = 1.0, reduction: Reduction = SUM_BY_NONZERO) -> Tensor:
    """0.5*e^2 where |e| <= delta, delta*(|e| - 0.5*delta) beyond."""
    labels, predictions = _pair(labels, predictions, "huber_loss")
    error = ops.abs(ops.sub(predictions, labels))
    quadratic = ops.minimum(error, float(delta))
    linear = ops.sub(error, quadratic)
    losses = ops.add(ops.mul(ops.square(quadratic), 0.5), ops.mul(linear, float(delta)))
    return compute_weighted_loss(losses, weights, reduction)


def log_loss(labels, predictions, weights=None, epsilon: float = 1e-7, reduction: Reduction = SUM_BY_NONZERO) -> Tensor:
    """-y*log(p + eps) - (1 - y)*log(1 - p + eps)."""
    labels, predictions = _pair(labels, predictions, "log_loss")
    l1 = ops.mul(labels, ops.log(ops.add(predictions, epsilon)))
    l2 = ops.mul(ops.sub(1.0, labels), ops.log(ops.add(ops.sub(1.0, predictions), epsilon)))
    return compute_weighted_loss(ops.neg(ops.add(l1, l2)), weights, reduction)


def hinge_loss(labels, predictions, weights=None, reduction: Reduction = SUM_BY_NONZERO) -> Tensor:
    """relu(1 - (2y - 1)*p) for labels y in {0, 1}."""
    labels, predictions = _pair(labels, predictions, "hinge_loss")
    signed = ops.sub(ops.mul(labels, 2.0), 1.0)
    return compute_weighted_loss(ops.relu(ops.sub(1.0, ops.mul(signed, predictions))), weights, reduction)


def _softmax_ce_with_logits(labels: Tensor, logits: Tensor) -> Tensor:
    """Per-row -sum(labels * log_softmax(logits)) with the fused gradient softmax - labels."""
    def fwd(lab, lg, save):
        log_p = ops.log_softmax(lg, -1)
        save([lab, log_p])
        value = ops.neg(ops.sum(ops.mul(log_p, lab), axis=-1))

        def grad_func(dy, saved):
            lab_s, log_p_s = saved
            dy_col = ops.expand_dims(dy, -1)
            p = ops.exp(log_p_s)
            return [ops.mul(dy_col, ops.sub(lab_s, p)), ops.mul(dy_col, ops.sub(p, lab_s))]
        return {"value": value, "grad_func": grad_func}
    return custom_grad(fwd)(labels, logits)


def softmax_cross_entropy_per_sample(labels: Tensor, logits: Tensor) -> Tensor:
    """-sum(labels * log_softmax(logits), -1) per row (no reduction), with the fused gradient."""
    labels, logits = _pair(labels, logits, "softmax_cross_entropy", "logits")
    return _softmax_ce_with_logits(labels, logits)


def softmax_cross_entropy(onehot_labels, logits, weights=None, label_smoothing: float = 0.0,
                          reduction: Reduction = SUM_BY_NONZERO) -> Tensor:
    """Cross-entropy of softmax(logits) along the last axis against one-hot labels."""
    labels, logits = _pair(onehot_labels, logits, "softmax_cross_entropy", "logits")
    if logits.rank < 1:
        raise ValueError("softmax_cross_entropy: logits must have at least one axis")
    if label_smoothing > 0:
        labels = ops.add(ops.mul(labels, 1.0 - label_smoothing), label_smoothing / logits.shape[-1])
    return compute_weighted_loss(_softmax_ce_with_logits(labels, logits), weights, reduction)


def sigmoid_cross_entropy(multi_class_labels, logits, weights=None, label_smoothing: float = 0.0,
                          reduction: Reduction = SUM_BY_NONZERO) -> Tensor:
    """max(x, 0) - x*z + log(1 + exp(-|x|)) for logits x and labels z."""
    labels, logits = _pair(multi_class_labels, logits, "sigmoid_cross_entropy", "logits")
    if label_smoothing > 0:
        labels = ops.add(ops.mul(labels, 1.0 - label_smoothing), 0.5 * label_smoothing)
    losses = ops.add(ops.sub(ops.relu(logits), ops.mul(logits, labels)), ops.log1p(ops.exp(ops.neg(ops.abs(logits)))))
    return compute_weighted_loss(losses, weights, reduction)


def cosine_distance(labels, predictions, axis: int, weights=None, reduction: Reduction = SUM_BY_NONZERO) -> Tensor:
    """1 - sum(labels * predictions, axis) (inputs expected unit-normalised)."""
    labels, predictions = _pair(labels, predictions, "cosine_distance")
    losses = ops.sub(1.0, ops.sum(ops.mul(labels, predictions), axis=axis, keepdims=True))
    return compute_weighted_loss(losses, weights, reduction)


# -- Keras-style losses for model.compile: fn(y_true, y_pred) -> per-sample loss [batch] -------------
_EPS = 1e-7


def _per_sample(x: Tensor) -> Tensor:
    return ops.mean(x, axis=tuple(range(1, x.rank))) if x.rank > 1 else x


def _one_hot_of(labels: Tensor, depth: int) -> Tensor:
    labels = cast_if(labels, "int32")
    return ops.cast(ops.equal(ops.expand_dims(labels, -1), ops.arange(0, depth, dtype="int32")), "float32")


def keras_mean_squared_error(y_true, y_pred):
    return _per_sample(ops.squared_difference(y_true, y_pred))


def keras_mean_absolute_error(y_true, y_pred):
    return _per_sample(ops.abs(ops.sub(y_true, y_pred)))


def keras_categorical_crossentropy(y_true, y_pred):
    """y_pred holds probabilities (after a softmax)."""
    p = ops.clip_by_value(y_pred, _EPS, 1.0 - _EPS)
    return ops.neg(ops.sum(ops.mul(y_true, ops.log(p)), axis=-1))


def keras_sparse_categorical_crossentropy(y_true, y_pred):
    """y_true holds class indices of shape [batch] or [batch, 1]."""
    if y_true.rank == y_pred.rank:
        y_true = ops.reshape(y_true, y_true.shape[:-1])
    return keras_categorical_crossentropy(_one_hot_of(y_true, y_pred.shape[-1]), y_pred)


def keras_binary_crossentropy(y_true, y_pred):
    p = ops.clip_by_value(y_pred, _EPS, 1.0 - _EPS)
    y = cast_if(y_true, "float32")
    return _per_sample(ops.neg(ops.add(ops.mul(y, ops.log(p)), ops.mul(ops.sub(1.0, y), ops.log(ops.sub(1.0, p))))))


def keras_hinge(y_true, y_pred):
    return _per_sample(ops.relu(ops.sub(1.0, ops.mul(y_true, y_pred))))


KERAS_LOSSES: dict[str, Callable] = {
    "mean_squared_error": keras_mean_squared_error, "mse": keras_mean_squared_error,
    "mean_absolute_error": keras_mean_absolute_error, "mae": keras_mean_absolute_error,
    "categorical_crossentropy": keras_categorical_crossentropy,
    "sparse_categorical_crossentropy": keras_sparse_categorical_crossentropy,
    "binary_crossentropy": keras_binary_crossentropy,
    "hinge": keras_hinge,
}
# what each named loss needs of the labels, checked by fit before training
SPARSE_LOSSES = {"sparse_categorical_crossentropy"}


def get(identifier) -> Callable:
    """A loss fn(y_true, y_pred) from a name (Keras's, or camelCase as in tfjs) or a callable."""
    if callable(identifier):
        return identifier
    if isinstance(identifier, str):
        key = "".join("_" + c.lower() if c.isupper() else c for c in identifier).lstrip("_")
        if key in KERAS_LOSSES:
            return KERAS_LOSSES[key]
        raise ValueError(f"unknown loss {identifier!r}; known: {', '.join(sorted(KERAS_LOSSES))}")
    raise TypeError(f"loss must be a function or a name, got {type(identifier).__name__}")


def canonical_name(identifier) -> str | None:
    if isinstance(identifier, str):
        return "".join("_" + c.lower() if c.isupper() else c for c in identifier).lstrip("_")
    return getattr(identifier, "__name__", None)


__all__ = ["Reduction", "compute_weighted_loss", "mean_squared_error", "absolute_difference", "huber_loss",
           "log_loss", "hinge_loss", "softmax_cross_entropy", "sigmoid_cross_entropy", "cosine_distance", "get"]
