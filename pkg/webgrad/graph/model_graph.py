"""The graph of a Keras-style model: trace its prediction, or its loss and backward pass on
one batch, with one cluster per layer (each Layer call runs in ``name_scope(layer.name)``).

    g = wg.graph.trace_model(model, x_batch, y_batch)      # loss, forward and backward
    g.save("model.svg", collapse=["dense_1"])              # that layer drawn as one node
"""
from __future__ import annotations

from . import model as m
from .capture import trace
from .scope import common_scope

LOSS_SCOPE = "loss"


def trace_model(model, x, y=None, loss=None, *, backward: bool | None = None, training: bool | None = None,
                values: bool = False) -> m.Graph:
    """Trace `model` on the batch `x`.

    Without `y`: the prediction ``model(x)``, forward only. With `y`: the mean loss of the
    batch and (backward=True, the default then) its gradients with respect to the model's
    trainable weights. `loss` is a loss name or function ``fn(y_true, y_pred)``; by default
    the compiled one, computed as ``fit`` computes it (a final softmax fused into the
    cross-entropy). The ops outside every layer (the loss) are drawn in a cluster "loss".
    """
    if y is None and backward:
        raise ValueError("trace_model: the backward pass needs labels y (it differentiates the loss)")
    from ..layers.data import as_tensor
    from ..memory import dispose
    from ..tensor import Tensor

    made = []  # tensors converted here, disposed at the end
    if not isinstance(x, Tensor):
        x = as_tensor(x, "x", "trace_model")
        made.append(x)
    if y is not None and not isinstance(y, Tensor):
        y = as_tensor(y, "y", "trace_model")
        made.append(y)
    if hasattr(model, "_ensure_built"):
        model._ensure_built(x.shape)
    try:
        if y is None:
            g = trace(lambda x: model(x, training=bool(training)), x, backward=False, values=values)
        else:
            fn = _loss_function(model, loss, training=True if training is None else training)
            g = trace(lambda x, y: fn(x, y), x, y, backward=True if backward is None else backward,
                      wrt=list(model.trainable_weights), values=values)
            scope_unscoped(g, (LOSS_SCOPE,))
    finally:
        dispose(made)
    return g


def _loss_function(model, loss, training: bool):
    """fn(x, y) -> the mean loss of the batch (a scalar)."""
    from .. import ops
    from .. import losses as losses_mod

    if loss is None:
        if getattr(model, "_loss_fn", None) is None:
            raise ValueError("trace_model: give loss= (a name or a function), or compile the model first")

        def compiled(x, y):
            y = model._check_xy(x, y, "trace_model")
            per_sample, _, _ = model._forward(x, y, training=training)
            out = ops.mean(per_sample)
            reg = model._regularization()
            return out if reg is None else ops.add(out, reg)
        return compiled
    loss_fn = losses_mod.get(loss)
    return lambda x, y: ops.mean(loss_fn(y, model(x, training=training)))


def scope_unscoped(g: m.Graph, scope: tuple) -> None:
    """Put the ops (and the tensors they made) that ran outside every name scope into `scope`;
    backward ops follow their forward op, gradient sums the scope their inputs share."""
    made_by: dict[str, m.OpNode] = {}
    for o in g.ops.values():
        for k in o.outputs:
            made_by[k] = o
        if o.scope:
            continue
        if o.phase == m.FORWARD:
            o.scope = scope
        elif o.forward_op is not None:
            o.scope = g.ops[o.forward_op].scope
        else:
            o.scope = common_scope([g.tensors[k].scope for k in o.inputs])
        for k in o.outputs:
            t = g.tensors[k]
            if not t.scope and t.kind != m.SEED:
                t.scope = o.scope
    used_in: dict[str, list[tuple]] = {}
    for o in g.ops.values():
        for k in o.inputs:
            used_in.setdefault(k, []).append(o.scope)
    for t in g.tensors.values():  # constants a gradient rule made: with the ops that read them
        if not t.scope and t.kind == m.CONSTANT and t.phase == m.BACKWARD and t.key not in made_by:
            t.scope = common_scope(used_in.get(t.key, []))

