"""Small real data sets carried inside the package (no download, no NumPy)."""
from .digits import load_digits, train_test_split

__all__ = ["load_digits", "train_test_split"]
