"""Every shared case (webgrad.testing.cases) on every backend: forward values against
float64 NumPy, gradients against central finite differences, and cpu vs other backends."""
from __future__ import annotations

import pytest
from conftest import BACKENDS
from reference import NO_REFERENCE, REF, as_outputs, reference

import webgrad as wg
from webgrad.testing import CASES, compare_gradients, compare_outputs, run_case
from webgrad.testing.cases import API_OPS
from webgrad.testing.runner import analytic_gradients, forward

# Forward tolerances: float32 kernels against a float64 reference. WGSL allows sin/cos an
# absolute error of 2^-11 and exp/log a few ulps, so GPU backends get a looser bound.
TOLERANCE = {"cpu": (1e-5, 1e-5)}
GPU_TOLERANCE = (1e-3, 1e-3)


def tolerance(case, backend: str) -> tuple[float, float]:
    rtol, atol = TOLERANCE.get(backend, GPU_TOLERANCE)
    return case.tol.get("rtol", rtol), case.tol.get("atol", atol)


def _marks(case):
    """A case whose op webgrad does not export yet is an expected failure (and
    test_api_complete fails for it), so the rest of the suite stays readable."""
    if hasattr(wg, case.op):
        return ()
    return (pytest.mark.xfail(reason=f"webgrad has no op {case.op!r} yet", raises=(NotImplementedError, TypeError,
                                                                                  AttributeError), strict=True),)


def _params(cases):
    return [pytest.param(c, id=c.name, marks=_marks(c)) for c in cases]


def test_api_complete():
    missing = [op for op in API_OPS if not callable(getattr(wg, op, None))]
    assert not missing, f"ops of DESIGN.md's API missing from webgrad: {missing}"


def test_every_case_has_a_reference():
    for c in CASES:
        if c.ref in NO_REFERENCE:
            assert c.check is not None, c.name
        else:
            assert c.ref in REF, f"case {c.name}: no reference for {c.ref!r}"


@pytest.mark.parametrize("case", _params(CASES))
def test_forward(case, backend):
    before = wg.memory()
    res = run_case(case, check_grads=False)
    after = wg.memory()
    assert (after["num_tensors"], after["num_bytes"]) == (before["num_tensors"], before["num_bytes"]), \
        f"{case.name} leaked: {before} -> {after}"
    if case.check is not None:
        assert res["check"] is None, res["check"]
    if case.ref in NO_REFERENCE:
        return
    want = as_outputs(reference(case))
    err = compare_outputs(res["outputs"], want, *tolerance(case, backend))
    assert err is None, f"{case.name}: {err}"


@pytest.mark.parametrize("case", _params([c for c in CASES if c.grad]))
def test_gradient(case, backend):
    res = run_case(case)
    check = res["grad_check"]
    assert check["ok"], f"{case.name}: {check['message']}"


OTHERS = [b for b in BACKENDS if b != "cpu"]


def _agree(case, other):
    """The same case gives the same outputs and analytic gradients on cpu and `other`."""
    previous = wg.engine._backend
    results = {}
    try:
        for name in ("cpu", other):
            wg.set_backend(name)
            outs = forward(case)
            grads = analytic_gradients(case, outs) if case.grad else []
            results[name] = (outs, grads)
    finally:
        wg.engine._backend = previous
    (outs_a, grads_a), (outs_b, grads_b) = results["cpu"], results[other]
    err = compare_outputs(outs_b, outs_a, *GPU_TOLERANCE)
    assert err is None, f"{case.name} forward, {other} vs cpu: {err}"
    for g_a, g_b in zip(grads_a, grads_b):
        err = compare_outputs([dict(g_b, dtype="float32")], [dict(g_a, dtype="float32")], *GPU_TOLERANCE)
        assert err is None, f"{case.name} gradient, {other} vs cpu: {err}"


if OTHERS:
    @pytest.mark.parametrize("other", OTHERS)
    @pytest.mark.parametrize("case", _params(CASES))
    def test_backends_agree(case, other):
        _agree(case, other)
else:
    def test_backends_agree():
        pytest.skip("only the cpu backend initialises here: nothing to compare it with")


def test_compare_outputs():
    def out(vals, shape=None, dtype="float32"):
        return [{"shape": list(shape or [len(vals)]), "dtype": dtype, "values": vals}]
    nan, inf = float("nan"), float("inf")
    assert compare_outputs(out([1.0, nan, -inf]), out([1.0 + 1e-7, nan, -inf])) is None
    assert compare_outputs(out([1.0, 2.0]), out([1.0, 2.001])) is not None
    assert compare_outputs(out([nan]), out([1.0])) is not None
    assert compare_outputs(out([inf]), out([-inf])) is not None
    assert compare_outputs(out([1.0]), out([nan])) is not None
    assert "shape" in compare_outputs(out([1.0, 2.0], [2, 1]), out([1.0, 2.0], [2]))
    assert "dtype" in compare_outputs(out([1, 2], dtype="int32"), out([1.0, 2.0]))
    assert compare_outputs(out([1, 2], dtype="int32"), out([1, 3], dtype="int32")) is not None


# Kernels whose gradient rule returns None for every input (nothing to check).
NOT_DIFFERENTIABLE = {"All", "Any", "ArgMax", "ArgMin", "Equal", "Greater", "GreaterEqual", "IsFinite", "IsInf",
                      "IsNan", "Less", "LessEqual", "LogicalAnd", "LogicalNot", "LogicalOr", "LogicalXor",
                      "NotEqual", "OneHot"}


def test_every_gradient_rule_is_checked():
    """Every registered gradient rule lies on some gradient case's path (so its
    result is compared with finite differences)."""
    seen = set()

    def observe(event, payload):
        if event == "kernel" and wg.engine.tapes:
            seen.add(payload[0])

    wg.engine.observers.append(observe)
    try:
        for case in CASES:
            if case.grad and hasattr(wg, case.op):
                analytic_gradients(case, forward(case))
    finally:
        wg.engine.observers.remove(observe)
    unchecked = set(wg.engine.gradients) - seen - NOT_DIFFERENTIABLE
    assert not unchecked, f"gradient rules no case checks: {sorted(unchecked)}"


# -- the gradient check itself must be able to fail ------------------------------------

def _scaled_sin(factor):
    """sin with a gradient rule off by `factor` (a wrong rule the check must catch)."""
    @wg.custom_grad
    def f(x, save):
        save([x])
        return {"value": wg.sin(x), "grad_func": lambda dy, saved: [wg.mul(dy, wg.mul(wg.cos(saved[0]), factor))]}
    return f


@pytest.mark.parametrize("factor,ok", [(1.0, True), (1.02, False), (0.97, False), (-1.0, False)])
def test_gradient_check_detects_wrong_rules(factor, ok):
    from webgrad.testing.cases import Case
    from webgrad.testing.data import uniform
    case = Case("scaled_sin", "sin", [uniform((2, 3), -3, 3)], grad=True, fn=_scaled_sin(factor))
    assert run_case(case)["grad_check"]["ok"] is ok


def _wrong_rule_case(name, inputs, value, grad_func):
    from webgrad.testing.cases import Case

    @wg.custom_grad
    def f(*args):
        *xs, save = args
        return {"value": value(*xs), "grad_func": grad_func}
    return Case(name, "add", inputs, grad=True, fn=f)


def test_gradient_check_detects_unsummed_broadcast():
    """A rule that reads one broadcast row instead of summing them is caught."""
    from webgrad.testing.data import uniform
    case = _wrong_rule_case("bad_bcast", [uniform((4, 3)), uniform((3,), seed=2)], wg.add,
                            lambda dy, saved: [dy, wg.reshape(wg.slice(dy, (0, 0), (1, 3)), (3,))])
    assert not run_case(case)["grad_check"]["ok"]


def test_gradient_check_detects_permuted_gradient():
    """A rule that returns the right values in the wrong places (a transpose mix-up) is caught."""
    from webgrad.testing.data import uniform
    case = _wrong_rule_case("bad_perm", [uniform((3, 3))], lambda x: wg.mul(x, 2.0),
                            lambda dy, saved: [wg.transpose(wg.mul(dy, 2.0))])
    assert not run_case(case)["grad_check"]["ok"]


def test_compare_gradients_reports_shape_mismatch():
    res = compare_gradients([{"shape": [2], "values": [1.0, 2.0]}], [{"shape": [1, 2], "values": [1.0, 2.0],
                                                                     "noise": [0.0, 0.0]}])
    assert not res["ok"] and "shape" in res["message"]
