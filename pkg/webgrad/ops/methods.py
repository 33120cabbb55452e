"""Method and operator forms of the ops on Tensor (t.log(), t + u, t @ u...)."""
from __future__ import annotations

import sys

from ..tensor import Tensor
from .indexing import getitem

_ops = sys.modules[__package__]

# Every public op whose first argument is the tensor becomes a method.
_NOT_METHODS = {"tensor", "scalar", "fill", "zeros", "ones", "arange", "linspace", "eye", "random_uniform",
                "random_normal", "truncated_normal", "where", "concat", "stack", "one_hot"}


def _method(fn):
    def m(self, *args, **kwargs):
        return fn(self, *args, **kwargs)
    m.__name__ = fn.__name__
    m.__doc__ = fn.__doc__
    return m


def attach() -> None:
    for name in _ops.__all__:
        if name in _NOT_METHODS or name in Tensor.__dict__:
            continue
        setattr(Tensor, name, _method(getattr(_ops, name)))
    o = _ops
    Tensor.__add__ = lambda a, b: o.add(a, b)
    Tensor.__radd__ = lambda a, b: o.add(b, a)
    Tensor.__sub__ = lambda a, b: o.sub(a, b)
    Tensor.__rsub__ = lambda a, b: o.sub(b, a)
    Tensor.__mul__ = lambda a, b: o.mul(a, b)
    Tensor.__rmul__ = lambda a, b: o.mul(b, a)
    Tensor.__truediv__ = lambda a, b: o.div(a, b)
    Tensor.__rtruediv__ = lambda a, b: o.div(b, a)
    Tensor.__floordiv__ = lambda a, b: o.floor_div(a, b)
    Tensor.__rfloordiv__ = lambda a, b: o.floor_div(b, a)
    Tensor.__mod__ = lambda a, b: o.mod(a, b)
    Tensor.__rmod__ = lambda a, b: o.mod(b, a)
    Tensor.__pow__ = lambda a, b: o.pow(a, b)
    Tensor.__rpow__ = lambda a, b: o.pow(b, a)
    Tensor.__neg__ = lambda a: o.neg(a)
    Tensor.__abs__ = lambda a: o.abs(a)
    Tensor.__round__ = _round
    Tensor.__lt__ = lambda a, b: o.less(a, b)
    Tensor.__le__ = lambda a, b: o.less_equal(a, b)
    Tensor.__gt__ = lambda a, b: o.greater(a, b)
    Tensor.__ge__ = lambda a, b: o.greater_equal(a, b)
    Tensor.__and__ = lambda a, b: o.logical_and(a, b)
    Tensor.__or__ = lambda a, b: o.logical_or(a, b)
    Tensor.__xor__ = lambda a, b: o.logical_xor(a, b)
    Tensor.__invert__ = lambda a: o.logical_not(a)
    if hasattr(o, "matmul"):
        Tensor.__matmul__ = lambda a, b: o.matmul(a, b)
        Tensor.__rmatmul__ = lambda a, b: o.matmul(b, a)
    Tensor.__eq__ = _comparison(o.equal)
    Tensor.__ne__ = _comparison(o.not_equal)
    Tensor.__hash__ = object.__hash__  # tensors stay usable as dict keys (by identity)
    Tensor.__getitem__ = lambda self, key: getitem(self, key)
    Tensor.__iter__ = _iter
    Tensor.reshape = _reshape
    Tensor.clone = lambda self: o.identity(self)
    Tensor.T = property(lambda self: o.transpose(self))


def _comparison(op):
    """Element-wise == / != (as NumPy and PyTorch); an operand that is no tensor value
    (None, a string, an object) compares by identity."""
    def cmp(a, b):
        if not isinstance(b, (Tensor, bool, int, float, list, tuple)) and not hasattr(b, "__array__"):
            return NotImplemented
        return op(a, b)
    return cmp


def _round(self, ndigits=None):
    """round(t): element-wise, half to even (ndigits is not supported)."""
    if ndigits is not None:
        raise TypeError("round(tensor, ndigits) is not supported; use wg.round(t * 10**n) / 10**n")
    return _ops.round(self)


def _iter(self):
    """The sub-tensors along axis 0 (``for row in t``)."""
    if not self.shape:
        raise TypeError(f"iteration over a scalar tensor (tensor {self.id})")
    return iter(_ops.unstack(self)) if self.shape[0] else iter(())


def _reshape(self, *shape):
    """t.reshape((2, 3)), t.reshape([2, 3]) or t.reshape(2, 3)."""
    if len(shape) == 1:
        shape = shape[0]
    return _ops.reshape(self, shape)


attach()
