"""The interface every backend implements. The engine talks to backends only through it.

A backend owns *handles*: opaque references to tensor data (a NumPy array, a GPU
buffer...). Work may be asynchronous: a handle can be disposed while commands that
use it are still pending, and the backend must keep the storage alive until they
finish. Host data crosses the boundary as bytes-like objects in the dtype's host
format (float32 / int32 little-endian, bool as one byte per value) and comes back
as ``array.array``.
"""
from __future__ import annotations

import array
from typing import Callable


class Backend:
    """Base class; subclasses override every method that raises NotImplementedError."""

    name: str = "abstract"
    # True when a kernel function returns only after its work is done (NumPy): the time
    # spent in it is the kernel's time. A GPU backend only records work there.
    synchronous_kernels: bool = False

    def write(self, data, shape: tuple[int, ...], dtype: str):
        """Store host data (bytes-like, host format, C order); return a handle."""
        raise NotImplementedError

    def read_sync(self, handle, shape: tuple[int, ...], dtype: str) -> array.array:
        """Block until the data is available and return it flat."""
        raise NotImplementedError

    async def read(self, handle, shape: tuple[int, ...], dtype: str) -> array.array:
        """Await the data without blocking the event loop (the browser's way)."""
        return self.read_sync(handle, shape, dtype)

    def read_numpy(self, handle, shape: tuple[int, ...], dtype: str):
        """The data as a NumPy array (natively only). Default goes through read_sync."""
        import numpy as np

        host = self.read_sync(handle, shape, dtype)
        np_dtype = {"float32": np.float32, "int32": np.int32, "bool": np.bool_}[dtype]
        return np.frombuffer(host, dtype=np.uint8 if dtype == "bool" else np_dtype).astype(np_dtype).reshape(shape)

    def dispose_data(self, handle) -> None:
        """Release a handle (storage may be recycled once pending work is done)."""
        raise NotImplementedError

    def nbytes(self, handle, shape: tuple[int, ...], dtype: str) -> int:
        """Bytes of backend storage this handle holds."""
        raise NotImplementedError

    def sync(self) -> None:
        """Wait until all submitted work is finished (used by profile/time)."""

    def memory(self) -> dict:
        """Backend-specific memory figures (pool sizes...)."""
        return {}


def kernel_registrar(backend: str) -> Callable:
    """The decorator a backend's kernel modules use: ``@kernel("Add", "Sub")`` registers
    the function under each kernel name for `backend`."""
    from ..engine import ENGINE

    def kernel(*names: str):
        def deco(fn):
            for n in names:
                ENGINE.register_kernel(n, backend, fn)
            return fn
        return deco
    return kernel


def register_sharing_kernels(kernel: Callable) -> None:
    """Identity and Reshape on any backend: the output shares the input's handle."""

    @kernel("Identity")
    def _identity(inputs, attrs, backend):
        x = inputs[0]
        return x.ref.handle, x.shape, x.dtype

    @kernel("Reshape")
    def _reshape(inputs, attrs, backend):
        x = inputs[0]
        return x.ref.handle, tuple(attrs["shape"]), x.dtype
