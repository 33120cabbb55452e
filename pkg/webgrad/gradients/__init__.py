"""Gradient rules, one per kernel name, written with ops so every backend has them.

A rule is ``fn(dy, ctx) -> [thunk | None per input]``; ``ctx.saved`` holds the
tensors named by ``inputs_to_save`` then ``outputs_to_save``, ``ctx.attrs`` the
kernel's attributes and ``ctx.input_shapes`` / ``input_dtypes`` what came in.
"""
from . import binary, reduction, shape, unary  # noqa: F401
from . import matmul, nn  # noqa: F401
