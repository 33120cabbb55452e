"""Run a case on the current backend and check its gradient by central finite
differences, in pure Python (the same code runs natively and in the browser).

``run_case(case)`` returns plain data (lists, no tensors), so results from two
backends, or from the browser and from native Python, can be compared with
``compare_outputs`` and shipped as JSON (``jsonable``).
"""
from __future__ import annotations

import math

import webgrad as wg

from .data import f32, name_seed, u

EPS32 = 2.0 ** -24          # float32 unit roundoff
GRAD_RTOL = 1e-2            # relative error allowed between analytic and numeric gradients
GRAD_ATOL = 1e-3            # absolute error allowed, times max(1, largest |numeric gradient|)
NOISE_ULPS = 64             # roundoff allowance of one forward evaluation, in float32 ulps of sum |w*y|


# -- helpers ----------------------------------------------------------------------------

def make_tensor(inp, values=None):
    return wg.tensor(inp.values if values is None else values, shape=inp.shape, dtype=inp.dtype)


def output_list(result) -> list:
    """A case's result as a flat list of tensors (ops like moments/split return several)."""
    if isinstance(result, wg.Tensor):
        return [result]
    out = []
    for item in result:
        out.extend(output_list(item))
    return out


def read(t) -> dict:
    flat = t.data_sync()
    if t.dtype == "bool":
        vals = [bool(v) for v in flat]
    elif t.dtype == "int32":
        vals = [int(v) for v in flat]
    else:
        vals = [float(v) for v in flat]
    return {"shape": list(t.shape), "dtype": t.dtype, "values": vals}


def _weights(case, k: int, n: int) -> list[float]:
    """Fixed weights in ±[0.5, 1.5) for output k: the checked scalar is sum_k sum(w_k * y_k),
    so every output element (and any permutation mistake) reaches the check."""
    seed = (name_seed(case.name) + 101 * k) & 0xFFFFFFFF
    return f32([(0.5 + u(i, seed)) * (1 if u(i, seed ^ 0x2545F491) < 0.5 else -1) for i in range(n)])


# -- forward ----------------------------------------------------------------------------

def forward(case, values=None) -> list[dict]:
    """Outputs of the case (optionally with replaced input values) as plain data."""
    fn = case.func()
    values = values or [None] * len(case.inputs)

    def body():
        xs = [make_tensor(inp, v) for inp, v in zip(case.inputs, values)]
        return [read(t) for t in output_list(fn(*xs, **case.kwargs))]

    return wg.tidy(body)


# -- gradients ------------------------------------------------------------------------

def analytic_gradients(case, outs: list[dict]) -> list[dict]:
    """d(sum_k w_k * y_k)/dx for each input in case.wrt(), through wg.grads."""
    fn = case.func()
    wrt = case.wrt()
    float_outs = [k for k, o in enumerate(outs) if o["dtype"] == "float32"]

    def body():
        xs = [make_tensor(inp) for inp in case.inputs]
        ws = [wg.tensor(_weights(case, k, len(outs[k]["values"])), shape=tuple(outs[k]["shape"])) for k in float_outs]

        def f(*diff):
            args = list(xs)
            for i, d in zip(wrt, diff):
                args[i] = d
            ys = output_list(fn(*args, **case.kwargs))
            if len(ys) == 1:
                return ys[0]
            total = None
            for w, k in zip(ws, float_outs):
                term = wg.sum(wg.mul(ys[k], w))
                total = term if total is None else wg.add(total, term)
            return total

        dy = ws[0] if len(outs) == 1 else None
        gs = wg.grads(f)([xs[i] for i in wrt], dy)
        return [read(g) for g in gs]

    return wg.tidy(body)


def _objective(case, outs_ref: list[dict]):
    """L(values) = sum_k sum_j w_kj y_kj in double, and the sum of |w y| over the outputs
    that differ from outs_ref (their roundoff is what survives the central difference)."""
    weights = [_weights(case, k, len(o["values"])) if o["dtype"] == "float32" else None
               for k, o in enumerate(outs_ref)]

    def L(values):
        outs = forward(case, values)
        terms, changed = [], 0.0
        for k, (o, ref) in enumerate(zip(outs, outs_ref)):
            if weights[k] is None:
                continue
            for w, y, y0 in zip(weights[k], o["values"], ref["values"]):
                terms.append(w * y)
                if y != y0:
                    changed += abs(w * y)
        return math.fsum(terms), changed

    return L


def numeric_gradients(case, outs: list[dict]) -> list[dict]:
    """Central differences with one Richardson step: (4 D(h/2) - D(h)) / 3, error O(h^4).

    Each entry holds "values" and "noise": the roundoff bound of each value."""
    L = _objective(case, outs)
    h = case.h
    base = [list(inp.values) for inp in case.inputs]
    result = []
    for i in case.wrt():
        vals, noise = [], []
        for j, x in enumerate(base[i]):
            d, worst = [], 0.0
            for step in (h, h / 2):
                xp, xm = f32([x + step, x - step])
                pv = list(base)
                pv[i] = base[i][:j] + [xp] + base[i][j + 1:]
                lp, cp = L(pv)
                pv[i] = base[i][:j] + [xm] + base[i][j + 1:]
                lm, cm = L(pv)
                d.append((lp - lm) / (xp - xm))
                worst = max(worst, cp, cm)
            vals.append((4 * d[1] - d[0]) / 3)
            noise.append(NOISE_ULPS * EPS32 * worst / (h / 2))
        result.append({"shape": list(case.inputs[i].shape), "values": vals, "noise": noise})
    return result


def compare_gradients(analytic: list[dict], numeric: list[dict], rtol: float = GRAD_RTOL,
                      atol: float = GRAD_ATOL) -> dict:
    """Element-wise |g - n| <= rtol |n| + atol max(1, max|n|) + noise. Returns
    {"ok", "worst": ratio of error to allowance (<= 1 passes), "message"}."""
    worst, where = 0.0, None
    for idx, (a, n) in enumerate(zip(analytic, numeric)):
        if a["shape"] != n["shape"]:
            msg = f"input {idx}: gradient shape {a['shape']} != {n['shape']}"
            return {"ok": False, "worst": math.inf, "message": msg}
        scale = max([1.0] + [abs(v) for v in n["values"]])
        for j, (g, nv, noise) in enumerate(zip(a["values"], n["values"], n["noise"])):
            allow = rtol * abs(nv) + atol * scale + noise
            err = abs(g - nv) if not (math.isnan(g) or math.isnan(nv)) else math.inf
            ratio = err / allow
            if ratio > worst:
                worst, where = ratio, (idx, j, g, nv, allow)
    ok = worst <= 1.0
    msg = "" if ok else (f"input {where[0]} element {where[1]}: analytic {where[2]:.6g} vs numeric {where[3]:.6g} "
                         f"(allowed error {where[4]:.3g})")
    return {"ok": ok, "worst": worst, "message": msg}


# -- the runner -----------------------------------------------------------------------

def run_case(case, check_grads: bool = True) -> dict:
    """Forward outputs and, for gradient cases, analytic gradients plus their check
    against finite differences: {"name", "outputs", "grads", "grad_check", "check"}."""
    outs = forward(case)
    res = {"name": case.name, "outputs": outs, "grads": None, "grad_check": None, "check": None}
    if case.check is not None:
        res["check"] = case.check(outs)
    if case.grad and check_grads:
        res["grads"] = analytic_gradients(case, outs)
        res["grad_check"] = compare_gradients(res["grads"], numeric_gradients(case, outs))
    return res


# -- comparing results ----------------------------------------------------------------

def close(g, w, rtol: float, atol: float) -> bool:
    if isinstance(w, float) and (math.isnan(w) or math.isinf(w)):
        return (math.isnan(g) and math.isnan(w)) or g == w
    if isinstance(g, float) and (math.isnan(g) or math.isinf(g)):
        return False
    return abs(g - w) <= atol + rtol * abs(w)


def compare_outputs(got: list[dict], want: list[dict], rtol: float = 1e-5, atol: float = 1e-6) -> str | None:
    """None when got matches want (shapes, dtypes; floats within atol*max(1,max|want|) + rtol|want|,
    NaN matching NaN, infinities exact; ints and bools exact); else what differs."""
    if len(got) != len(want):
        return f"{len(got)} outputs, expected {len(want)}"
    for k, (g, w) in enumerate(zip(got, want)):
        if list(g["shape"]) != list(w["shape"]):
            return f"output {k}: shape {tuple(g['shape'])}, expected {tuple(w['shape'])}"
        if g["dtype"] != w["dtype"]:
            return f"output {k}: dtype {g['dtype']}, expected {w['dtype']}"
        if g["dtype"] != "float32":
            for j, (a, b) in enumerate(zip(g["values"], w["values"])):
                if a != b:
                    return f"output {k} element {j}: {a!r}, expected {b!r}"
            continue
        finite = [abs(v) for v in w["values"] if not (math.isnan(v) or math.isinf(v))]
        scaled = atol * max([1.0] + finite)
        for j, (a, b) in enumerate(zip(g["values"], w["values"])):
            if not close(a, b, rtol, scaled):
                return f"output {k} element {j}: {a!r}, expected {b!r} (rtol {rtol}, atol {scaled:.3g})"
    return None


def jsonable(obj):
    """Replace non-finite floats by "nan"/"inf"/"-inf" (JSON has no NaN); see from_jsonable."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return "nan" if math.isnan(obj) else ("inf" if obj > 0 else "-inf")
    if isinstance(obj, dict):
        return {k: jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    return obj


def from_jsonable(obj):
    if obj in ("nan", "inf", "-inf"):
        return float(obj)
    if isinstance(obj, dict):
        return {k: from_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [from_jsonable(v) for v in obj]
    return obj


__all__ = ["run_case", "forward", "analytic_gradients", "numeric_gradients", "compare_gradients",
           "compare_outputs", "jsonable", "from_jsonable", "read", "output_list"]
