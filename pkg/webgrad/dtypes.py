"""Data types: names, host formats, promotion and inference (tfjs rules)."""
from __future__ import annotations

FLOAT32, INT32, BOOL = "float32", "int32", "bool"
DTYPES = (FLOAT32, INT32, BOOL)

# array.array type codes for host data; bool travels as one byte per value.
ARRAY_CODE = {FLOAT32: "f", INT32: "i", BOOL: "B"}
HOST_ITEMSIZE = {FLOAT32: 4, INT32: 4, BOOL: 1}
_RANK = {BOOL: 0, INT32: 1, FLOAT32: 2}


def check_dtype(dtype: str | None, op: str = "tensor") -> str | None:
    """Normalise a dtype argument (accepts NumPy dtypes by name)."""
    if dtype is None:
        return None
    name = getattr(dtype, "name", None) or str(dtype)
    if name in ("float", "float64", "float16"):
        name = FLOAT32
    elif name in ("int", "int64", "int16", "int8", "uint8", "uint16"):
        name = INT32
    elif name == "bool_":
        name = BOOL
    if name not in DTYPES:
        raise TypeError(f"{op}: unsupported dtype {dtype!r}; expected one of {DTYPES}")
    return name


def upcast(a: str, b: str) -> str:
    """The wider of two dtypes: bool < int32 < float32."""
    return a if _RANK[a] >= _RANK[b] else b


def is_float(dtype: str) -> bool:
    return dtype == FLOAT32


def infer_scalar_dtype(v) -> str:
    if isinstance(v, bool):
        return BOOL
    if isinstance(v, int):
        return INT32
    if isinstance(v, float):
        return FLOAT32
    name = type(v).__name__
    if name.startswith("bool"):
        return BOOL
    if name.startswith(("int", "uint")):
        return INT32
    if name.startswith("float"):
        return FLOAT32
    hint = "; join tensors with wg.stack or wg.concat" if name in ("Tensor", "Variable") else ""
    raise TypeError(f"tensor: cannot make a tensor from a value of type {type(v).__name__}{hint}")
