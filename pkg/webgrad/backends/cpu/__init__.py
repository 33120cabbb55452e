"""The NumPy reference backend: handles are flat, contiguous NumPy arrays."""
from __future__ import annotations

import array

from ...engine import ENGINE
from ..base import Backend

_ARRAY_CODE = {"float32": "f", "int32": "i", "bool": "B"}


class CPUBackend(Backend):
    name = "cpu"
    synchronous_kernels = True

    def __init__(self) -> None:
        import numpy as np  # noqa: F401  (raises ImportError where NumPy is absent)

        from . import kernels  # noqa: F401  registers the kernels
        from . import kernels_nn  # noqa: F401  matmul, shape copies, nn

    def write(self, data, shape, dtype):
        import numpy as np

        if dtype == "bool":
            return np.frombuffer(data, dtype=np.uint8).astype(np.bool_)
        return np.frombuffer(data, dtype=np.float32 if dtype == "float32" else np.int32).copy()

    def read_sync(self, handle, shape, dtype) -> array.array:
        out = array.array(_ARRAY_CODE[dtype])
        out.frombytes(handle.astype("uint8").tobytes() if dtype == "bool" else handle.tobytes())
        return out

    def read_numpy(self, handle, shape, dtype):
        return handle.reshape(shape).copy()

    def dispose_data(self, handle) -> None:
        pass  # NumPy frees the array with its last reference

    def nbytes(self, handle, shape, dtype) -> int:
        return int(handle.nbytes)


ENGINE.register_backend("cpu", CPUBackend, priority=1)
