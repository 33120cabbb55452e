"""(a) The shared op and gradient cases (webgrad.testing) run inside the page on the
browser device; results must match the native NumPy ("cpu") backend's, case by case,
and at least as many cases must run in the page as natively."""
from __future__ import annotations

import inspect
import json

from .conftest import run_py


def run_all_cases() -> dict:
    """Forward outputs and analytic gradients of every case, as plain data (runs on either side)."""
    from webgrad.testing import CASES
    from webgrad.testing.runner import analytic_gradients, forward

    results = {}
    for case in CASES:
        try:
            outs = forward(case)
            grads = analytic_gradients(case, outs) if case.grad else None
            check = case.check(outs) if case.check is not None else None
            results[case.name] = {"outputs": outs, "grads": grads, "check": check}
        except Exception as exc:  # noqa: BLE001 - reported per case
            results[case.name] = {"error": f"{type(exc).__name__}: {exc}"}
    return results


def _native_results() -> dict:
    import webgrad as wg

    before = wg.get_backend()
    wg.set_backend("cpu")
    try:
        return run_all_cases()
    finally:
        wg.set_backend(before)


def _page_results(page) -> dict:
    from webgrad.testing import from_jsonable

    src = inspect.getsource(run_all_cases)
    code = src + "\nimport json\nfrom webgrad.testing import jsonable\njson.dumps(jsonable(run_all_cases()))\n"
    return from_jsonable(json.loads(run_py(page, code)))


def _tolerance(case) -> tuple[float, float]:
    rtol = max(2e-4, case.tol.get("rtol", 0.0))
    atol = max(2e-5, case.tol.get("atol", 0.0))
    return rtol, atol


def test_cases_in_page_match_native(repl_page):
    from webgrad.testing import by_name, compare_outputs

    native = _native_results()
    page = _page_results(repl_page)
    ran_native = [n for n, r in native.items() if "error" not in r]
    assert ran_native, "no case ran natively"
    failures = []
    for name in ran_native:
        want, got = native[name], page.get(name)
        if got is None:
            failures.append(f"{name}: not run in the page")
            continue
        if "error" in got:
            failures.append(f"{name}: {got['error']}")
            continue
        case = by_name(name)
        if got["check"] and not want["check"]:  # (a check that fails natively too is the native suite's)
            failures.append(f"{name}: check failed in the page: {got['check']}")
            continue
        if case.check is None:  # random ops have no reference values, only their check
            rtol, atol = _tolerance(case)
            diff = compare_outputs(got["outputs"], want["outputs"], rtol=rtol, atol=atol)
            if diff:
                failures.append(f"{name}: outputs differ from native: {diff}")
                continue
        if want["grads"] is not None:
            diff = compare_outputs([dict(g, dtype="float32") for g in got["grads"]],
                                   [dict(g, dtype="float32") for g in want["grads"]], rtol=1e-3, atol=1e-4)
            if diff:
                failures.append(f"{name}: gradients differ from native: {diff}")
    ran_page = [n for n, r in page.items() if "error" not in r]
    summary = f"{len(ran_page)} cases ran in the page, {len(ran_native)} natively, of {len(native)}"
    assert not failures, summary + "; failures:\n" + "\n".join(failures[:60])
    assert len(ran_page) >= len(ran_native), summary
