"""The shared op/gradient test cases and their pure-Python runner (no NumPy, no pytest),
used by the native test suite and by the browser page alike."""
from .cases import CASES, Case, by_name
from .data import Input, u
from .runner import compare_gradients, compare_outputs, from_jsonable, jsonable, run_case

__all__ = ["CASES", "Case", "by_name", "Input", "u", "run_case", "compare_outputs", "compare_gradients",
           "jsonable", "from_jsonable"]
