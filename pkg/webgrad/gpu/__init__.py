"""The GPU device layer: the one interface the WebGPU backend talks to.

``get_device()`` returns the process-wide device: the browser implementation
(``pyodide.ffi`` to ``navigator.gpu``) under Pyodide, the native one (the ``wgpu``
package) elsewhere.
"""
from __future__ import annotations

import sys

from .base import GPUDevice, GPUUnavailableError, ShaderError

_DEVICE: GPUDevice | None = None


def get_device() -> GPUDevice:
    global _DEVICE
    if _DEVICE is None:
        if sys.platform == "emscripten":
            from .browser import BrowserDevice as Impl
        else:
            from .native import NativeDevice as Impl
        _DEVICE = Impl()
    return _DEVICE


__all__ = ["GPUDevice", "GPUUnavailableError", "ShaderError", "get_device"]
