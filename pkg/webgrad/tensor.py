"""Tensor and Variable: shape, dtype and a reference-counted data id.

Math methods and operators are attached by ``webgrad.ops`` (see ops/methods.py), so
this module stays free of op logic.
"""
from __future__ import annotations

import array

from .shape_util import size_of


class DataRef:
    """Backend storage shared by tensors (clone, reshape, saved tensors) via a refcount."""

    __slots__ = ("backend", "handle", "refs", "nbytes", "shape", "dtype")

    def __init__(self, backend, handle, nbytes: int, shape, dtype: str):
        self.backend = backend
        self.handle = handle
        self.refs = 0
        self.nbytes = nbytes
        self.shape = shape
        self.dtype = dtype


class Tensor:
    """An immutable n-dimensional array living on a backend."""

    __slots__ = ("id", "shape", "dtype", "ref", "kept", "disposed", "scope", "__weakref__")
    __array_priority__ = 100  # NumPy defers to our operators

    def __init__(self, tensor_id: int, shape: tuple[int, ...], dtype: str, data: DataRef):
        self.id = tensor_id
        self.shape = shape
        self.dtype = dtype
        self.ref = data
        self.kept = False
        self.disposed = False
        self.scope = None

    # -- properties -----------------------------------------------------------------
    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return size_of(self.shape)

    @property
    def is_variable(self) -> bool:
        return False

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a scalar tensor")
        return self.shape[0]

    # -- reading --------------------------------------------------------------------
    def _check_alive(self, what: str) -> None:
        if self.disposed:
            raise ValueError(f"{what}: tensor {self.id} (shape {self.shape}, {self.dtype}) is disposed")

    def data_sync(self) -> array.array:
        """The values, flat, as array.array ('f', 'i' or 'B'); blocks until ready."""
        from .engine import ENGINE

        self._check_alive("data_sync")
        return ENGINE.read_sync(self)

    async def data(self) -> array.array:
        """The values, flat, without blocking (await it)."""
        from .engine import ENGINE

        self._check_alive("data")
        return await ENGINE.read(self)

    def array_sync(self):
        """The values as nested Python lists (a Python scalar for rank 0)."""
        return _nest(self.data_sync(), self.shape, self.dtype)

    tolist = array_sync

    async def array(self):
        return _nest(await self.data(), self.shape, self.dtype)

    def numpy(self):
        """A NumPy copy of the values (natively)."""
        from .engine import ENGINE

        self._check_alive("numpy")
        return ENGINE.read_numpy(self)

    def __array__(self, dtype=None, copy=None):
        out = self.numpy()
        return out if dtype is None else out.astype(dtype)

    def item(self):
        if self.size != 1:
            raise ValueError(f"item: tensor of shape {self.shape} has {self.size} elements, not 1")
        v = self.data_sync()[0]
        return bool(v) if self.dtype == "bool" else v

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.size != 1:
            raise ValueError(f"the truth value of a tensor with {self.size} elements (shape {self.shape}) is "
                             "ambiguous; use wg.any(t) or wg.all(t)")
        return bool(self.item())

    # -- lifetime -------------------------------------------------------------------
    def dispose(self) -> None:
        """Release this tensor (its data goes when the last sharer goes). Idempotent."""
        from .engine import ENGINE

        ENGINE.dispose_tensor(self)

    def __repr__(self) -> str:
        from .printing import tensor_repr

        return tensor_repr(self)

    def print(self, verbose: bool = False) -> None:  # noqa: A003 - tfjs name
        """Print the values (tfjs ``t.print()``); verbose adds dtype, rank and shape."""
        from .printing import print_tensor

        print_tensor(self, verbose)

    __hash__ = object.__hash__


class Variable(Tensor):
    """A mutable tensor: never disposed by tidy; ``assign`` swaps its data in place."""

    __slots__ = ("trainable", "name")

    @property
    def is_variable(self) -> bool:
        return True

    def assign(self, value: Tensor) -> "Variable":
        from .engine import ENGINE

        ENGINE.assign(self, value)
        return self


def _nest(flat, shape, dtype):
    conv = bool if dtype == "bool" else (float if dtype == "float32" else int)
    values = [conv(v) for v in flat]
    if not shape:
        return values[0]

    def build(offset: int, dim: int):
        n = shape[dim]
        if dim == len(shape) - 1:
            return values[offset:offset + n]
        step = size_of(shape[dim + 1:])
        return [build(offset + i * step, dim + 1) for i in range(n)]

    return build(0, 0)
