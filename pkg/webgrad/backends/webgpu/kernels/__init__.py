"""WebGPU kernels, registered under backend name "webgpu" on import."""
from . import elementwise, reduce, shape, random, matmul, nn  # noqa: F401
