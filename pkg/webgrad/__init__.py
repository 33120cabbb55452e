"""webgrad: tensors and automatic differentiation on WebGPU, natively and in the browser.

    import webgrad as wg
    x = wg.tensor([1.0, 2.0, 4.0])
    wg.grad(lambda x: wg.log(x).sum())(x)   # -> [1, 0.5, 0.25]
"""
from __future__ import annotations

from . import backends  # noqa: F401
from .autodiff import custom_grad, grad, grads, stop_gradient, value_and_grad, value_and_grads, variable_grads
from .engine import ENGINE as engine
from .graph import Graph, name_scope, trace, trace_model
from .memory import dispose, keep, memory, profile, tidy, time
from .printing import print_tensor as print  # noqa: A001  (tfjs's tf.print; not in __all__, so no star-import shadowing)
from .ops import *  # noqa: F401,F403
from .ops import __all__ as _ops_all
from .tensor import Tensor, Variable
from .variables import variable
from . import gradients  # noqa: F401  (registers the gradient rules)
from . import datasets, layers, losses, metrics, train  # noqa: F401  (training, issue 6)
from .layers import input, load_model, model, sequential  # noqa: F401,A004

__version__ = "0.1.0"

register_kernel = engine.register_kernel
register_gradient = engine.register_gradient


def set_backend(name: str) -> None:
    """Use backend `name` ("webgpu" or "cpu") for every following op."""
    engine.set_backend(name)


def get_backend() -> str:
    """The name of the current backend."""
    return engine.backend.name


def _register_backends() -> None:
    try:
        from .backends import cpu  # noqa: F401
    except ImportError:
        pass  # no NumPy (the browser): only the WebGPU backend
    try:
        from .backends import webgpu  # noqa: F401
    except ImportError:
        pass


_register_backends()

__all__ = list(_ops_all) + [
    "Tensor", "Variable", "variable", "engine", "tidy", "keep", "dispose", "memory", "profile", "time",
    "grad", "grads", "value_and_grad", "value_and_grads", "variable_grads", "custom_grad", "stop_gradient",
    "set_backend", "get_backend", "register_kernel", "register_gradient",
    "trace", "trace_model", "Graph", "name_scope",
]
__all__ += ["train", "losses", "metrics", "layers", "datasets", "sequential", "model", "input", "load_model"]
