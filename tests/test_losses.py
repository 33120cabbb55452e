"""Losses and metrics against float64 formulas, tfjs reductions and weights."""
import math

import numpy as np
import pytest

import webgrad as wg
from webgrad import losses, metrics
from webgrad.losses import Reduction

Y = [[0.0, 1.0, 0.0], [1.0, 0.0, 1.0]]
P = [[0.2, 0.7, 0.4], [0.9, 0.3, 0.6]]
W = [[1.0, 0.0, 2.0], [0.5, 1.0, 0.0]]


def flat(x):
    return [v for row in x for v in row]


def reduce_ref(per, weights, reduction):
    w = flat(weights) if weights is not None else [1.0] * len(per)
    weighted = [a * b for a, b in zip(per, w)]
    if reduction is Reduction.NONE:
        return weighted
    if reduction is Reduction.SUM:
        return sum(weighted)
    if reduction is Reduction.MEAN:
        return sum(weighted) / sum(w)
    return sum(weighted) / sum(1 for v in w if v != 0)


def close(got, want, tol=1e-5):
    if isinstance(want, list):
        assert list(got.data_sync()) == pytest.approx(want, rel=tol, abs=tol)
    else:
        assert got.item() == pytest.approx(want, rel=tol, abs=tol)


ELEMENTWISE = {
    "mean_squared_error": (losses.mean_squared_error, lambda y, p: (y - p) ** 2),
    "absolute_difference": (losses.absolute_difference, lambda y, p: abs(y - p)),
    "huber_loss": (lambda y, p, **k: losses.huber_loss(y, p, delta=0.25, **k),
                   lambda y, p: 0.5 * min(abs(y - p), 0.25) ** 2 + 0.25 * (abs(y - p) - min(abs(y - p), 0.25))),
    "log_loss": (losses.log_loss, lambda y, p: -y * math.log(p + 1e-7) - (1 - y) * math.log(1 - p + 1e-7)),
    "hinge_loss": (losses.hinge_loss, lambda y, p: max(0.0, 1 - (2 * y - 1) * p)),
    "sigmoid_cross_entropy": (losses.sigmoid_cross_entropy,
                              lambda y, p: -y * math.log(1 / (1 + math.exp(-p))) - (1 - y) * math.log(1 - 1 / (1 + math.exp(-p)))),
}


@pytest.mark.parametrize("name", list(ELEMENTWISE))
@pytest.mark.parametrize("reduction", list(Reduction))
@pytest.mark.parametrize("weighted", [False, True])
def test_elementwise_losses(name, reduction, weighted):
    fn, ref = ELEMENTWISE[name]
    per = [ref(y, p) for y, p in zip(flat(Y), flat(P))]
    weights = W if weighted else None
    got = fn(wg.tensor(Y), wg.tensor(P), weights=None if weights is None else wg.tensor(weights), reduction=reduction)
    close(got, reduce_ref(per, weights, reduction))


def test_default_reduction_is_sum_by_nonzero_weights():
    got = losses.mean_squared_error(wg.tensor(Y), wg.tensor(P), wg.tensor(W))
    per = [(y - p) ** 2 for y, p in zip(flat(Y), flat(P))]
    close(got, reduce_ref(per, W, Reduction.SUM_BY_NONZERO_WEIGHTS))


def test_mean_with_broadcast_weights():
    # weights of shape [2, 1]: tfjs divides by sum(weights) and by the broadcast factor 3
    per = [(y - p) ** 2 for y, p in zip(flat(Y), flat(P))]
    w = [2.0, 0.5]
    want = sum(v * w[i // 3] for i, v in enumerate(per)) / sum(w) / 3
    close(losses.mean_squared_error(wg.tensor(Y), wg.tensor(P), wg.tensor([[2.0], [0.5]]), reduction=Reduction.MEAN), want)


def softmax_ce_ref(labels, logits, smoothing=0.0):
    out = []
    for y, x in zip(labels, logits):
        n = len(y)
        y = [v * (1 - smoothing) + smoothing / n for v in y]
        m = max(x)
        lse = m + math.log(sum(math.exp(v - m) for v in x))
        out.append(-sum(a * (b - lse) for a, b in zip(y, x)))
    return out


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_softmax_cross_entropy_value_and_gradient(smoothing, backend):
    labels = [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    logits = [[1.0, 2.0, 3.0], [0.5, -1.0, 40.0]]
    per = softmax_ce_ref(labels, logits, smoothing)
    close(losses.softmax_cross_entropy(wg.tensor(labels), wg.tensor(logits), label_smoothing=smoothing), sum(per) / 2)
    g = wg.grad(lambda x: losses.softmax_cross_entropy(wg.tensor(labels), x, label_smoothing=smoothing))(wg.tensor(logits))
    want = []
    for y, x in zip(labels, logits):
        n = len(y)
        y = [v * (1 - smoothing) + smoothing / n for v in y]
        m = max(x)
        z = sum(math.exp(v - m) for v in x)
        want.extend((math.exp(v - m) / z - a) / 2 for a, v in zip(y, x))
    close(g, want)


def test_sigmoid_cross_entropy_smoothing_and_stability():
    labels, logits = [[1.0, 0.0]], [[100.0, -100.0]]
    close(losses.sigmoid_cross_entropy(wg.tensor(labels), wg.tensor(logits)), 0.0)
    sm = 0.2
    z = [1 * (1 - sm) + 0.5 * sm, 0 * (1 - sm) + 0.5 * sm]
    want = sum(max(x, 0) - x * zz + math.log1p(math.exp(-abs(x))) for x, zz in zip([100.0, -100.0], z)) / 2
    close(losses.sigmoid_cross_entropy(wg.tensor(labels), wg.tensor(logits), label_smoothing=sm), want, 1e-4)


def test_cosine_distance():
    a = [[0.6, 0.8], [1.0, 0.0]]
    b = [[0.8, 0.6], [0.0, 1.0]]
    per = [1 - 0.96, 1 - 0.0]
    close(losses.cosine_distance(wg.tensor(a), wg.tensor(b), axis=1), sum(per) / 2)
    close(losses.cosine_distance(wg.tensor(a), wg.tensor(b), axis=1, reduction=Reduction.NONE), per)


def test_loss_shape_mismatch_is_clear():
    with pytest.raises(ValueError, match="mean_squared_error.*shape"):
        losses.mean_squared_error(wg.tensor([1.0, 2.0]), wg.tensor([1.0, 2.0, 3.0]))


def test_metrics(backend):
    y = wg.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    p = wg.tensor([[0.1, 0.8, 0.1], [0.2, 0.7, 0.1], [0.1, 0.2, 0.7]])
    close(metrics.categorical_accuracy(y, p), [1.0, 0.0, 1.0])
    close(metrics.sparse_categorical_accuracy(wg.tensor([1, 0, 2]), p), [1.0, 0.0, 1.0])
    close(metrics.sparse_categorical_accuracy(wg.tensor([[1], [1], [2]]), p), [1.0, 1.0, 1.0])
    close(metrics.binary_accuracy(wg.tensor([[1.0, 0.0], [0.0, 0.0]]), wg.tensor([[0.7, 0.6], [0.2, 0.4]])), [0.5, 1.0])
    yt, yp = wg.tensor([1.0, 0.0, 1.0, 1.0, 0.0]), wg.tensor([0.9, 0.8, 0.1, 0.7, 0.2])
    close(metrics.precision(yt, yp), 2 / 3)
    close(metrics.recall(yt, yp), 2 / 3)
    close(metrics.precision(wg.tensor([1.0]), wg.tensor([0.1])), 0.0)


def test_named_losses():
    with pytest.raises(ValueError, match="unknown loss"):
        losses.get("categorical_crossentropi")
    assert losses.get("categoricalCrossentropy") is losses.keras_categorical_crossentropy
    y = wg.tensor([2, 0])
    p = wg.tensor([[0.1, 0.2, 0.7], [0.6, 0.3, 0.1]])
    close(losses.get("sparse_categorical_crossentropy")(y, p), [-math.log(0.7), -math.log(0.6)])


def test_losses_match_tensorflow_js(tmp_path, backend):
    """Every loss, every reduction, with and without weights, against tf.losses in Node."""
    from tfjs_node import tfjs_reference

    def t(x):
        x = np.asarray(x, np.float32)
        return {"shape": list(x.shape), "data": x.ravel().tolist()}

    y, p, w = np.array(Y, np.float32), np.array(P, np.float32), np.array(W, np.float32)
    logits = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 4.0]], np.float32)
    cases = []   # (tfjs fn, tfjs args, webgrad call)
    for red in Reduction:
        for weights in (None, w):
            wt = None if weights is None else wg.tensor(weights)
            tw = None if weights is None else t(weights)
            cases += [
                ("meanSquaredError", [t(y), t(p), tw, red.name],
                 lambda wt=wt, red=red: losses.mean_squared_error(wg.tensor(Y), wg.tensor(P), wt, red)),
                ("absoluteDifference", [t(y), t(p), tw, red.name],
                 lambda wt=wt, red=red: losses.absolute_difference(wg.tensor(Y), wg.tensor(P), wt, red)),
                ("huberLoss", [t(y), t(p), tw, 0.3, red.name],
                 lambda wt=wt, red=red: losses.huber_loss(wg.tensor(Y), wg.tensor(P), wt, 0.3, red)),
                ("logLoss", [t(y), t(p), tw, 1e-7, red.name],
                 lambda wt=wt, red=red: losses.log_loss(wg.tensor(Y), wg.tensor(P), wt, 1e-7, red)),
                ("hingeLoss", [t(y), t(p), tw, red.name],
                 lambda wt=wt, red=red: losses.hinge_loss(wg.tensor(Y), wg.tensor(P), wt, red)),
                ("sigmoidCrossEntropy", [t(y), t(logits), tw, 0.1, red.name],
                 lambda wt=wt, red=red: losses.sigmoid_cross_entropy(wg.tensor(Y), wg.tensor(logits), wt, 0.1, red)),
            ]
        row_w = np.array([0.5, 2.0], np.float32)
        cases += [
            ("softmaxCrossEntropy", [t(y), t(logits), t(row_w), 0.2, red.name],
             lambda red=red: losses.softmax_cross_entropy(wg.tensor(Y), wg.tensor(logits), wg.tensor(row_w), 0.2, red)),
            ("cosineDistance", [t(y), t(p), 1, None, red.name],
             lambda red=red: losses.cosine_distance(wg.tensor(Y), wg.tensor(P), 1, None, red)),
        ]
    answer = tfjs_reference({"losses": [{"fn": fn, "args": args} for fn, args, _ in cases]}, tmp_path)
    for (fn, _, ours), theirs in zip(cases, answer["losses"]):
        got = ours()
        assert list(got.shape) == theirs["shape"], fn
        np.testing.assert_allclose(np.asarray(got.data_sync()), theirs["data"], rtol=1e-5, atol=1e-6, err_msg=fn)
