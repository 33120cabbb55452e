"""WebGPU kernels, registered under backend name "webgpu" on import."""
from . import elementwise, reduce, shape, random, matmul, nn  # noqa: F401
from . import shape_ops, nn_ops  # noqa: F401  (WGSL shape and nn kernels)
