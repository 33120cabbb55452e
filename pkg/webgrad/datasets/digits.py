"""The UCI handwritten digits (1,797 8x8 images, labels 0..9); see README.md."""
from __future__ import annotations

import array
import gzip
import random
from importlib import resources

N_SAMPLES = 1797
N_PIXELS = 64


def _raw() -> bytes:
    data = resources.files(__package__).joinpath("digits.u8.gz").read_bytes()
    raw = gzip.decompress(data)
    if len(raw) != N_SAMPLES * (N_PIXELS + 1):
        raise RuntimeError(f"load_digits: digits.u8.gz holds {len(raw)} bytes, expected {N_SAMPLES * (N_PIXELS + 1)}")
    return raw


def load_digits(as_tensors: bool = True, normalize: bool = True, image_shape: bool = False):
    """(x, y): pixels as float32 (divided by 16 when `normalize`) of shape [1797, 64]
    (or [1797, 8, 8, 1] with `image_shape`), labels as int32 of shape [1797].

    With ``as_tensors=False`` returns flat ``array.array`` buffers ('f' and 'i')."""
    raw = _raw()
    scale = 1.0 / 16.0 if normalize else 1.0
    x = array.array("f", bytes(4 * N_SAMPLES * N_PIXELS))
    y = array.array("i", bytes(4 * N_SAMPLES))
    row = N_PIXELS + 1
    for i in range(N_SAMPLES):
        base = i * row
        x[i * N_PIXELS:(i + 1) * N_PIXELS] = array.array("f", (v * scale for v in raw[base:base + N_PIXELS]))
        y[i] = raw[base + N_PIXELS]
    if not as_tensors:
        return x, y
    from ..ops import tensor

    shape = (N_SAMPLES, 8, 8, 1) if image_shape else (N_SAMPLES, N_PIXELS)
    return tensor(x, shape=shape), tensor(y, shape=(N_SAMPLES,))


def split_indices(n: int, test_fraction: float = 0.2, seed: int = 0) -> tuple[list[int], list[int]]:
    """A deterministic shuffled split of range(n) into (train, test) index lists."""
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"train_test_split: test_fraction must be in (0, 1), got {test_fraction}")
    order = list(range(n))
    random.Random(seed).shuffle(order)
    n_test = max(1, int(round(n * test_fraction)))
    return order[n_test:], order[:n_test]


def train_test_split(x, y, test_fraction: float = 0.2, seed: int = 0):
    """(x_train, x_test, y_train, y_test): rows of x and y split by a seeded shuffle.

    x and y are Tensors (or flat array.arrays with x holding len(y) equal rows)."""
    from ..tensor import Tensor

    if isinstance(x, Tensor):
        n = x.shape[0]
        if not isinstance(y, Tensor) or y.shape[0] != n:
            raise ValueError(f"train_test_split: x has {n} rows but y has shape {getattr(y, 'shape', None)}")
        from ..layers.data import take_rows

        train, test = split_indices(n, test_fraction, seed)
        return take_rows(x, train), take_rows(x, test), take_rows(y, train), take_rows(y, test)
    n = len(y)
    if len(x) % n:
        raise ValueError(f"train_test_split: x has {len(x)} values, not a multiple of len(y) = {n}")
    width = len(x) // n
    train, test = split_indices(n, test_fraction, seed)

    def rows(buf, idx, w):
        out = array.array(buf.typecode)
        for i in idx:
            out.extend(buf[i * w:(i + 1) * w])
        return out

    return rows(x, train, width), rows(x, test, width), rows(y, train, 1), rows(y, test, 1)
