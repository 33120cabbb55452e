"""Each optimizer's first three updates against the tfjs rules computed by hand in float64."""
import math

import numpy as np
import pytest

import webgrad as wg
from webgrad import train

A = [0.5, 1.5, -2.0]
B = [0.3, -0.7, 1.1]
W0 = [1.0, -2.0, 0.5]
EPS = 1e-7


def loss_fn(w):
    a, b = wg.tensor(A), wg.tensor(B)
    return (a * w * w + b * w).sum()


def grad_of(w):
    return [2 * a * x + b for a, x, b in zip(A, w, B)]


def ref_sgd(lr):
    def step(w, g, s, t):
        return [x - lr * gi for x, gi in zip(w, g)]
    return step


def ref_momentum(lr, mu, nesterov):
    def step(w, g, s, t):
        acc = s.setdefault("acc", [0.0] * len(w))
        acc[:] = [mu * a + gi for a, gi in zip(acc, g)]
        upd = [gi + mu * a for gi, a in zip(g, acc)] if nesterov else acc
        return [x - lr * u for x, u in zip(w, upd)]
    return step


def ref_adam(lr, b1, b2, eps):
    def step(w, g, s, t):
        m = s.setdefault("m", [0.0] * len(w))
        v = s.setdefault("v", [0.0] * len(w))
        m[:] = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        v[:] = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, g)]
        return [x - lr * (mi / (1 - b1 ** t)) / (math.sqrt(vi / (1 - b2 ** t)) + eps) for x, mi, vi in zip(w, m, v)]
    return step


def ref_adamax(lr, b1, b2, eps, decay):
    def step(w, g, s, t):
        m = s.setdefault("m", [0.0] * len(w))
        u = s.setdefault("u", [0.0] * len(w))
        m[:] = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        u[:] = [max(b2 * ui, abs(gi)) for ui, gi in zip(u, g)]
        rate = lr / (1 + decay * (t - 1)) / (1 - b1 ** t)
        return [x - rate * mi / (ui + eps) for x, mi, ui in zip(w, m, u)]
    return step


def ref_adagrad(lr, init):
    def step(w, g, s, t):
        acc = s.setdefault("acc", [init] * len(w))
        acc[:] = [a + gi * gi for a, gi in zip(acc, g)]
        return [x - lr * gi / math.sqrt(a + EPS) for x, gi, a in zip(w, g, acc)]
    return step


def ref_adadelta(lr, rho, eps):
    def step(w, g, s, t):
        ag = s.setdefault("ag", [0.0] * len(w))
        av = s.setdefault("av", [0.0] * len(w))
        upd = [math.sqrt(v + eps) / math.sqrt(a + eps) * gi for v, a, gi in zip(av, ag, g)]
        ag[:] = [rho * a + (1 - rho) * gi * gi for a, gi in zip(ag, g)]
        av[:] = [rho * v + (1 - rho) * u * u for v, u in zip(av, upd)]
        return [x - lr * u for x, u in zip(w, upd)]
    return step


def ref_rmsprop(lr, decay, mu, eps, centered):
    def step(w, g, s, t):
        ms = s.setdefault("ms", [0.0] * len(w))
        mom = s.setdefault("mom", [0.0] * len(w))
        mg = s.setdefault("mg", [0.0] * len(w))
        ms[:] = [decay * a + (1 - decay) * gi * gi for a, gi in zip(ms, g)]
        mg[:] = [decay * a + (1 - decay) * gi for a, gi in zip(mg, g)]
        den = [math.sqrt(a - (c * c if centered else 0.0) + eps) for a, c in zip(ms, mg)]
        mom[:] = [mu * m + lr * gi / d for m, gi, d in zip(mom, g, den)]
        return [x - m for x, m in zip(w, mom)]
    return step


CASES = [
    ("sgd", lambda: train.sgd(0.1), ref_sgd(0.1)),
    ("momentum", lambda: train.momentum(0.1, 0.9), ref_momentum(0.1, 0.9, False)),
    ("nesterov", lambda: train.momentum(0.1, 0.9, use_nesterov=True), ref_momentum(0.1, 0.9, True)),
    ("adam", lambda: train.adam(0.1), ref_adam(0.1, 0.9, 0.999, EPS)),
    ("adam_custom", lambda: train.adam(0.05, 0.8, 0.99, 1e-3), ref_adam(0.05, 0.8, 0.99, 1e-3)),
    ("adamax", lambda: train.adamax(0.1), ref_adamax(0.1, 0.9, 0.999, EPS, 0.0)),
    ("adamax_decay", lambda: train.adamax(0.1, decay=0.5), ref_adamax(0.1, 0.9, 0.999, EPS, 0.5)),
    ("adagrad", lambda: train.adagrad(0.1), ref_adagrad(0.1, 0.1)),
    ("adadelta", lambda: train.adadelta(1.0), ref_adadelta(1.0, 0.95, EPS)),
    ("rmsprop", lambda: train.rmsprop(0.01), ref_rmsprop(0.01, 0.9, 0.0, EPS, False)),
    ("rmsprop_momentum", lambda: train.rmsprop(0.01, momentum=0.5), ref_rmsprop(0.01, 0.9, 0.5, EPS, False)),
    ("rmsprop_centered", lambda: train.rmsprop(0.01, 0.8, 0.3, centered=True), ref_rmsprop(0.01, 0.8, 0.3, EPS, True)),
]


@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
def test_first_three_updates(name, make, ref, backend):
    w = wg.variable(wg.tensor(W0))
    opt = make()
    expected, state = list(W0), {}
    for t in (1, 2, 3):
        g = grad_of(expected)
        expected = ref(expected, g, state, t)
        cost = opt.minimize(lambda: loss_fn(w), return_cost=True, var_list=[w])
        assert cost.shape == ()
        got = w.data_sync()
        for gv, ev in zip(got, expected):
            assert gv == pytest.approx(ev, rel=2e-5, abs=1e-6), (name, t, list(got), expected)
        cost.dispose()
    assert opt.iterations == 3
    opt.dispose()
    w.dispose()


def test_apply_gradients_forms_and_slots_disposed():
    w = wg.variable(wg.tensor([1.0, 2.0]))
    opt = train.adam(0.1)
    before = wg.memory()["num_tensors"]
    opt.apply_gradients({w.name: wg.tensor([1.0, 1.0])})
    opt.apply_gradients([(w, wg.tensor([1.0, 1.0]))])
    weights = opt.get_weights()
    assert [x["name"] for x in weights] == ["iter", f"{w.name}/m", f"{w.name}/v"]
    assert weights[0]["tensor"].item() == 2
    opt2 = train.adam(0.1)
    opt2.set_weights(weights)
    assert opt2.iterations == 2
    assert opt2.slot(w, "m").data_sync().tolist() == weights[1]["tensor"].data_sync().tolist()
    wg.dispose([x["tensor"] for x in weights])
    opt.dispose()
    opt2.dispose()
    # only the two gradient tensors made above remain (the optimizer's slots are gone)
    assert wg.memory()["num_tensors"] - before == 2
    w.dispose()


def test_minimize_is_tidy(backend):
    w = wg.variable(wg.tensor([1.0, -1.0, 3.0]))
    opt = train.momentum(0.01, 0.9)
    opt.minimize(lambda: loss_fn(w), var_list=[w])
    start = wg.memory()["num_tensors"]
    for _ in range(5):
        opt.minimize(lambda: loss_fn(w), var_list=[w])
    assert wg.memory()["num_tensors"] == start
    opt.dispose()
    w.dispose()


def test_bad_arguments():
    w = wg.variable(wg.tensor([1.0, 2.0]))
    opt = train.sgd(0.1)
    with pytest.raises(ValueError, match="shape"):
        opt.apply_gradients([(w, wg.tensor([1.0, 2.0, 3.0]))])
    with pytest.raises(ValueError, match="no live variable"):
        opt.apply_gradients({"no-such-variable": wg.tensor([1.0])})
    with pytest.raises(TypeError):
        train.sgd("fast")
    with pytest.raises(ValueError, match="unknown optimizer"):
        train.get("adamw2")
    assert w.data_sync().tolist() == [1.0, 2.0]
    w.dispose()


def test_trajectories_match_tensorflow_js(tmp_path, backend):
    """Five steps of each optimizer, default and custom settings, against tf.train in Node."""
    from tfjs_node import tfjs_reference

    cases = [("sgd", [0.1]), ("momentum", [0.1, 0.9]), ("momentum", [0.05, 0.8, True]),
             ("adam", [0.1]), ("adam", [0.05, 0.8, 0.99, 1e-3]), ("adamax", [0.1]), ("adamax", [0.1, 0.8, 0.9, None, 0.3]),
             ("adagrad", [0.1]), ("adagrad", [0.2, 0.5]), ("adadelta", [1.0]), ("adadelta", [0.5, 0.9, 1e-4]),
             ("rmsprop", [0.01]), ("rmsprop", [0.01, 0.8, 0.5]), ("rmsprop", [0.01, 0.8, 0.3, None, True])]
    steps = 5
    answer = tfjs_reference({"optimizers": [{"name": n, "args": a, "w0": W0, "a": A, "b": B, "steps": steps}
                                            for n, a in cases]}, tmp_path)
    for (name, args), theirs in zip(cases, answer["optimizers"]):
        w = wg.variable(wg.tensor(W0))
        opt = getattr(train, name)(*args)
        for s in range(steps):
            opt.minimize(lambda: loss_fn(w), var_list=[w])
            np.testing.assert_allclose(w.data_sync(), theirs[s], rtol=1e-5, atol=1e-6, err_msg=f"{name}{args} step {s + 1}")
        opt.dispose()
        w.dispose()


def test_slots_follow_the_variable_not_its_name(backend):
    """A new variable reusing a disposed one's name starts from fresh optimizer state."""
    opt = train.momentum(0.1, 0.9)
    w = wg.variable(W0, name="optfix_reused")
    for _ in range(2):
        opt.minimize(lambda: loss_fn(w), var_list=[w])
    w.dispose()
    w2 = wg.variable(W0, name="optfix_reused")
    opt.minimize(lambda: loss_fn(w2), var_list=[w2])
    # a first momentum step: accum = grad, w -= lr * grad
    expected = [x - 0.1 * g for x, g in zip(W0, grad_of(W0))]
    assert w2.data_sync().tolist() == pytest.approx(expected, rel=1e-6)
    w2.dispose()
    # a different shape under the same name works too
    w3 = wg.variable([1.0, 2.0], name="optfix_reused")
    opt.minimize(lambda: (w3 * w3).sum(), var_list=[w3])
    assert w3.data_sync().tolist() == pytest.approx([0.8, 1.6], rel=1e-6)
    weights = opt.get_weights()
    assert [x["name"] for x in weights] == ["iter", "optfix_reused/momentum"]
    assert list(weights[1]["tensor"].shape) == [2]
    wg.dispose([x["tensor"] for x in weights])
    opt.dispose()
    w3.dispose()


def test_slots_of_disposed_variables_are_freed(backend):
    opt = train.adam(0.01)
    base = wg.memory()["num_tensors"]
    counts = []
    for i in range(4):
        v = wg.variable([1.0, -1.0], name=f"optfix_come_and_go_{i}")
        opt.minimize(lambda: (v * v).sum(), var_list=[v])
        counts.append(wg.memory()["num_tensors"])
        v.dispose()
    assert len(set(counts)) == 1, counts  # the old variables' m and v went
    opt.dispose()
    assert wg.memory()["num_tensors"] == base


def test_minimize_explicit_var_list_with_non_trainable(backend):
    """tfjs semantics: listed non-trainable variables get no gradient and are left alone;
    a list with no trainable variable is an error naming them."""
    w = wg.variable([1.0, 2.0], name="optfix_w")
    frozen = wg.variable([3.0, 4.0], trainable=False, name="optfix_frozen")
    f = lambda: (w * frozen).sum()  # noqa: E731
    opt = train.sgd(0.1)
    base = wg.memory()["num_tensors"]
    opt.minimize(f, var_list=[w, frozen])
    assert w.data_sync().tolist() == pytest.approx([0.7, 1.6], rel=1e-6)
    assert frozen.data_sync().tolist() == [3.0, 4.0]
    res = wg.variable_grads(f, var_list=[frozen, w])
    assert list(res["grads"]) == ["optfix_w"]
    wg.dispose(res)
    with pytest.raises(ValueError, match="optfix_frozen"):
        opt.minimize(f, var_list=[frozen])
    opt.dispose()
    assert wg.memory()["num_tensors"] == base
    w.dispose(), frozen.dispose()
