"""Backends: where tensor data lives and kernels run. Each registers itself with the engine."""
