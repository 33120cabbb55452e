"""Training callbacks: hooks per batch/epoch, early stopping, history, progress display."""
from __future__ import annotations

import math
import sys
from typing import Callable


class Callback:
    """Override any of the hooks; ``self.model`` is set by fit."""

    model = None

    def set_model(self, model) -> None:
        self.model = model

    def on_train_begin(self, logs: dict | None = None) -> None: ...
    def on_train_end(self, logs: dict | None = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None: ...
    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None: ...
    def on_batch_end(self, batch: int, logs: dict | None = None) -> None: ...


_HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_batch_begin", "on_batch_end")
_CAMEL = {"onTrainBegin": "on_train_begin", "onTrainEnd": "on_train_end", "onEpochBegin": "on_epoch_begin",
          "onEpochEnd": "on_epoch_end", "onBatchBegin": "on_batch_begin", "onBatchEnd": "on_batch_end"}


class LambdaCallback(Callback):
    """Plain functions as hooks: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``
    (tfjs's camelCase names are accepted too)."""

    def __init__(self, **hooks: Callable):
        for name, fn in hooks.items():
            name = _CAMEL.get(name, name)
            if name not in _HOOKS:
                raise ValueError(f"LambdaCallback: unknown hook {name!r}; known: {', '.join(_HOOKS)}")
            if not callable(fn):
                raise TypeError(f"LambdaCallback: {name} must be callable")
            setattr(self, name, fn)


class History(Callback):
    """Per-epoch logs: ``history.history["loss"]``, ``history.epoch``."""

    def __init__(self):
        self.epoch: list[int] = []
        self.history: dict[str, list[float]] = {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved by more than min_delta for `patience` epochs."""

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0, mode: str = "auto",
                 baseline: float | None = None, restore_best_weights: bool = False, verbose: int = 0):
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: mode must be auto, min or max, got {mode!r}")
        if mode == "auto":
            mode = "max" if ("acc" in monitor or "precision" in monitor or "recall" in monitor) else "min"
        self.monitor, self.min_delta, self.patience, self.mode = monitor, abs(min_delta), patience, mode
        self.baseline, self.restore_best_weights, self.verbose = baseline, restore_best_weights, verbose
        self.stopped_epoch = None

    def _better(self, current: float, best: float) -> bool:
        if self.mode == "min":
            return current < best - self.min_delta
        return current > best + self.min_delta

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.best = self.baseline if self.baseline is not None else (math.inf if self.mode == "min" else -math.inf)
        self.best_weights = None
        self.stopped_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if current is None:
            raise ValueError(f"EarlyStopping: monitor {self.monitor!r} is not among the logs "
                             f"{sorted(logs or {})}; pass validation data for val_* monitors")
        if self._better(current, self.best):
            self.best, self.wait = current, 0
            if self.restore_best_weights:
                self._free_best()
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait > self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.verbose:
                print(f"Epoch {epoch + 1}: early stopping ({self.monitor} best {self.best:.4g})")

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None and self.stopped_epoch is not None:
            self.model.set_weights(self.best_weights)
        self._free_best()

    def _free_best(self):
        if self.best_weights is not None:
            for t in self.best_weights:
                t.dispose()
            self.best_weights = None


def _fmt(logs: dict) -> str:
    return " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())


class ProgressBar(Callback):
    """Natively a tqdm bar per epoch (verbose=1); one line per epoch without tqdm or with verbose=2."""

    def __init__(self, epochs: int, steps: int, verbose: int = 1, file=None):
        self.epochs, self.steps, self.verbose = epochs, steps, verbose
        self.file = file or sys.stderr
        self.bar = None
        try:
            import tqdm  # noqa: F401
            self._tqdm = tqdm.tqdm if verbose == 1 else None
        except ImportError:
            self._tqdm = None

    def on_epoch_begin(self, epoch, logs=None):
        if self._tqdm is not None:
            self.bar = self._tqdm(total=self.steps, desc=f"Epoch {epoch + 1}/{self.epochs}", unit="batch",
                                  file=self.file, leave=True, dynamic_ncols=True)

    def on_batch_end(self, batch, logs=None):
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix({k: f"{v:.4f}" for k, v in (logs or {}).items() if k not in ("batch", "size")},
                                 refresh=False)

    def on_epoch_end(self, epoch, logs=None):
        if self.bar is not None:
            self.bar.set_postfix({k: f"{v:.4f}" for k, v in (logs or {}).items()}, refresh=False)
            self.bar.close()
            self.bar = None
        else:
            print(f"Epoch {epoch + 1}/{self.epochs} - {_fmt(logs or {})}", file=self.file, flush=True)

    def on_train_end(self, logs=None):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class CallbackList:
    def __init__(self, callbacks, model):
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            cb.set_model(model)

    def call(self, hook: str, *args) -> None:
        for cb in self.callbacks:
            getattr(cb, hook)(*args)

    def gen(self, hook: str, *args):
        """Generator form for the training loop: yields any awaitable a hook returns."""
        for cb in self.callbacks:
            res = getattr(cb, hook)(*args)
            if res is not None and hasattr(res, "__await__"):
                yield res


def normalize(callbacks) -> list[Callback]:
    """Callbacks from None, one Callback, a dict of hooks (tfjs style) or a list of those."""
    if callbacks is None:
        return []
    if isinstance(callbacks, (Callback, dict)):
        callbacks = [callbacks]
    out = []
    for cb in callbacks:
        if isinstance(cb, dict):
            cb = LambdaCallback(**cb)
        if not isinstance(cb, Callback):
            raise TypeError(f"fit: callbacks must be Callback objects or dicts of hooks, got {type(cb).__name__}")
        out.append(cb)
    return out
