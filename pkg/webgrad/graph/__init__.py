"""The computation graph: capture what a function ran (forward and backward) and draw it.

    g = wg.trace(lambda x: wg.log(x).sum(), x)
    g.save("log.svg")          # tensors are boxes, ops ellipses
    wg.trace_model(model, x, y).save("model.svg", collapse=["dense"])  # one cluster per layer
"""
from .capture import trace
from .model import Graph, OpNode, TensorNode
from .model_graph import trace_model
from .scope import current_scope, name_scope

__all__ = ["trace", "trace_model", "Graph", "TensorNode", "OpNode", "name_scope", "current_scope"]
