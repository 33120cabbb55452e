"""Reverse-mode autodiff over the engine's tape: grad, grads, value_and_grad(s),
variable_grads, custom_grad, stop_gradient."""
from __future__ import annotations

from typing import Callable, Sequence

from .engine import ENGINE, Tape, iter_tensors
from .tensor import Tensor, Variable


def _check_tensor(x, what: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{what}: expected a Tensor, got {type(x).__name__}")
    x._check_alive(what)


def _backprop(tape: Tape, xs: Sequence[Tensor], y: Tensor, dy: Tensor) -> list[Tensor | None]:
    """Run the gradient rules of the nodes on the path from xs to y, newest first."""
    from .ops import add, zeros

    sources = {x.id for x in xs}
    reach = set(sources)
    forward = []
    for node in tape.nodes:
        if any(i in reach for i in node.inputs):
            reach.update(node.outputs)
            forward.append(node)
    need = {y.id}
    path = []
    for node in reversed(forward):
        if any(o in need for o in node.outputs):
            need.update(i for i in node.inputs if i in reach)
            path.append(node)

    grads: dict[int, Tensor] = {y.id: dy}
    outer_node = ENGINE.current_backward_node
    try:
        for node in path:
            dys = [grads.get(o) for o in node.outputs]
            if all(g is None for g in dys):
                continue
            if node.rule is None:
                raise ValueError(f"grad: kernel {node.kernel} has no gradient rule, and it lies between x and y")
            ctx = node.ctx
            if len(dys) == 1:
                dy_arg = dys[0]
            else:
                dy_arg = [g if g is not None else zeros(s, d) for g, s, d in zip(dys, ctx.output_shapes, ctx.output_dtypes)]
            ENGINE.current_backward_node = node  # lets graph capture attribute the rule's kernels to node
            thunks = node.rule.fn(dy_arg, ctx)
            if len(thunks) != len(node.inputs):
                raise RuntimeError(f"grad: rule of {node.kernel} returned {len(thunks)} gradients for {len(node.inputs)} inputs")
            for i, (inp, thunk) in enumerate(zip(node.inputs, thunks)):
                if inp not in need or thunk is None:
                    continue
                g = thunk()
                if g.shape != ctx.input_shapes[i]:
                    raise RuntimeError(f"grad: rule of {node.kernel} gave shape {g.shape} for input {i} of shape {ctx.input_shapes[i]}")
                prev = grads.get(inp)
                if prev is not None:
                    ENGINE.current_backward_node = None  # summing contributions belongs to no rule
                    g = add(prev, g)
                    ENGINE.current_backward_node = node
                grads[inp] = g
            ENGINE.current_backward_node = None
    finally:
        ENGINE.current_backward_node = outer_node
    return [grads.get(x.id) for x in xs]


def _gradients(f: Callable, xs: Sequence[Tensor], args: Sequence, dy, what: str, allow_unused=False,
               keep_value=True):
    """Run f(*args) on a tape, backprop from its result; returns (y, grads).
    With keep_value=False, y is disposed with the other intermediates (grad, grads)."""
    from .ops import ones

    for x in xs:
        _check_tensor(x, what)
    if dy is not None:
        _check_tensor(dy, what)
    tape = Tape(x.id for x in xs)
    scope = ENGINE.start_scope(what)
    ENGINE.grad_depth += 1
    ENGINE.tapes.append(tape)
    result = None
    try:
        y = f(*args)
        ENGINE.tapes.remove(tape)
        if not isinstance(y, Tensor):
            raise TypeError(f"{what}: f must return a Tensor, got {type(y).__name__}")
        if dy is None:
            if y.size != 1:
                raise ValueError(f"{what}: f returned a tensor of shape {y.shape}; it must be a scalar unless dy is given")
            dy = ones(y.shape, y.dtype if y.dtype == "float32" else "float32")
        elif dy.shape != y.shape:
            raise ValueError(f"{what}: dy has shape {dy.shape} but f returned shape {y.shape}")
        grads = _backprop(tape, xs, y, dy)
        for x, g in zip(xs, grads):
            if g is None and not allow_unused:
                raise ValueError(
                    f"{what}: cannot compute the gradient of y=f(x) with respect to x (tensor {x.id}, shape {x.shape}): "
                    "y does not depend on x. Make sure f encloses all operations from x to y.")
        result = (y, grads)
    finally:
        if tape in ENGINE.tapes:
            ENGINE.tapes.remove(tape)
        ENGINE.end_scope(result if keep_value or result is None else result[1], scope)
        ENGINE.grad_depth -= 1
        if ENGINE.grad_depth == 0:
            ENGINE.release_saved()
    return result


def grad(f: Callable[[Tensor], Tensor]) -> Callable:
    """grad(f)(x, dy=None) -> df/dx."""
    def g(x: Tensor, dy: Tensor | None = None) -> Tensor:
        return _gradients(f, [x], [x], dy, "grad", keep_value=False)[1][0]
    return g


def grads(f: Callable[..., Tensor]) -> Callable:
    """grads(f)(args, dy=None) -> [df/darg for arg in args]."""
    def g(args: Sequence[Tensor], dy: Tensor | None = None) -> list[Tensor]:
        args = list(args)
        return _gradients(f, args, args, dy, "grads", keep_value=False)[1]
    return g


def value_and_grad(f: Callable[[Tensor], Tensor]) -> Callable:
    """value_and_grad(f)(x, dy=None) -> (f(x), df/dx)."""
    def g(x: Tensor, dy: Tensor | None = None):
        y, gs = _gradients(f, [x], [x], dy, "value_and_grad")
        return y, gs[0]
    return g


def value_and_grads(f: Callable[..., Tensor]) -> Callable:
    """value_and_grads(f)(args, dy=None) -> (f(*args), [grads])."""
    def g(args: Sequence[Tensor], dy: Tensor | None = None):
        args = list(args)
        return _gradients(f, args, args, dy, "value_and_grads")
    return g


def variable_grads(f: Callable[[], Tensor], var_list: Sequence[Variable] | None = None) -> dict:
    """Gradients of scalar f() w.r.t. trainable variables: {"value": y, "grads": {name: grad}}.

    With var_list=None every trainable variable that f used is included. As in tfjs,
    non-trainable variables in an explicit var_list are skipped (no gradient, so
    an optimizer leaves them alone); at least one listed variable must be trainable."""
    from .variables import trainable_variables

    if var_list is None:
        var_list = trainable_variables()
    else:
        for v in var_list:
            if not isinstance(v, Variable):
                raise TypeError(f"variable_grads: var_list must hold Variables, got {type(v).__name__}")
        given = list(var_list)
        var_list = [v for v in given if v.trainable]
        if given and not var_list:
            names = ", ".join(v.name for v in given)
            raise ValueError(f"variable_grads: none of the variables in var_list is trainable ({names})")
    var_list = list(var_list)
    y, gs = _gradients(f, var_list, [], None, "variable_grads", allow_unused=True)
    if all(g is None for g in gs) and var_list:
        y.dispose()
        raise ValueError("variable_grads: f does not depend on any of the variables; "
                         "check that f uses the variables (not copies of their values)")
    out = {}
    for v, g in zip(var_list, gs):
        if g is not None:
            out[v.name] = g
    return {"value": y, "grads": out}


def custom_grad(f: Callable) -> Callable:
    """Define an op with its own gradient.

    f(*inputs, save) returns ``{"value": y, "grad_func": grad_func}`` (or a pair);
    ``save([tensors])`` keeps tensors for the backward pass, and
    ``grad_func(dy, saved)`` returns one gradient per input.
    """
    from .ops import identity

    def wrapper(*inputs: Tensor):
        for x in inputs:
            _check_tensor(x, "custom_grad")
        saved_src: list[Tensor] = []

        def save(tensors):
            saved_src.extend(tensors)

        with ENGINE.no_tape():
            res = f(*inputs, save)
        if isinstance(res, dict):
            value, grad_func = res["value"], res.get("grad_func") or res.get("gradFunc")
        else:
            value, grad_func = res
        _check_tensor(value, "custom_grad")
        if not ENGINE.tapes:
            return value
        with ENGINE.no_tape():
            out = identity(value) if any(value is x for x in inputs) else value
        tapes = [t for t in ENGINE.tapes if any(x.id in t.reachable for x in inputs)]
        if tapes:
            saved = [ENGINE._save(t) for t in saved_src]

            def rule(dy, ctx, _gf=grad_func):
                gs = _gf(dy, ctx.saved)
                if isinstance(gs, Tensor):
                    gs = [gs]
                return [(lambda g=g: g) for g in gs]

            from .engine import GradientRule
            ENGINE.record_node("CustomGrad", list(inputs), [out], {}, GradientRule("CustomGrad", rule), saved, tapes)
        return out

    return wrapper


def stop_gradient(x: Tensor) -> Tensor:
    """x's value, cut from the tape: no gradient flows through it."""
    from .ops import identity

    with ENGINE.no_tape():
        return identity(x)


__all__ = ["grad", "grads", "value_and_grad", "value_and_grads", "variable_grads", "custom_grad", "stop_gradient"]
