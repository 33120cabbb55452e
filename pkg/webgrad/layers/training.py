"""compile / fit / evaluate / predict for models (Keras semantics, tfjs memory discipline)."""
from __future__ import annotations

import random
from typing import Sequence

from .. import losses as losses_mod
from .. import metrics as metrics_mod
from .. import ops
from .. import train as train_mod
from ..autodiff import stop_gradient
from ..engine import ENGINE
from ..memory import keep, tidy
from ..tensor import Tensor, Variable
from . import callbacks as cb_mod
from .base import shape_str
from .data import as_tensor, batches, slice_rows, take_rows


class Trainer:
    """Mixed into Model: the training loop and its checks."""

    def __init__(self):
        self.optimizer = None
        self.loss = None
        self._loss_fn = None
        self._loss_name = None
        self._metrics: list[tuple[str, object]] = []
        self.stop_training = False
        self.history = None

    # -- weights -----------------------------------------------------------------------
    @property
    def weights(self) -> list[Variable]:
        return [v for layer in self.layers for v in layer.weights]

    @property
    def trainable_weights(self) -> list[Variable]:
        return [v for layer in self.layers for v in layer.trainable_weights]

    def count_params(self) -> int:
        return sum(layer.count_params() for layer in self.layers)

    def get_weights(self) -> list[Tensor]:
        """Copies of every weight, in layer order."""
        return [v.clone() for v in self.weights]

    def set_weights(self, values: Sequence[Tensor]) -> None:
        values = list(values)
        ws = self.weights
        if len(values) != len(ws):
            raise ValueError(f"set_weights: the model has {len(ws)} weights, got {len(values)} tensors")
        for v, t in zip(ws, values):
            t = t if isinstance(t, Tensor) else ops.tensor(t)
            if t.shape != v.shape:
                raise ValueError(f"set_weights: weight {v.name} has shape {v.shape}, got {t.shape}")
        for v, t in zip(ws, values):
            v.assign(t if isinstance(t, Tensor) else ops.tensor(t))

    def dispose(self) -> None:
        """Free the weights (and the optimizer's slots)."""
        for layer in self.layers:
            layer.dispose()
        if self.optimizer is not None:
            self.optimizer.dispose()

    # -- compile -----------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None) -> None:
        """Choose the optimizer (object or name), the loss (function or name) and metrics."""
        if loss is None:
            raise ValueError("compile: a loss is required")
        opt = train_mod.get(optimizer)
        loss_fn = losses_mod.get(loss)
        loss_name = losses_mod.canonical_name(loss)
        if isinstance(metrics, (str,)) or callable(metrics):
            metrics = [metrics]
        ms = [metrics_mod.get(m, loss_name) for m in (metrics or [])]
        self.optimizer, self.loss, self._loss_fn, self._loss_name, self._metrics = opt, loss, loss_fn, loss_name, ms

    # -- checks ------------------------------------------------------------------------
    def _check_compiled(self, op: str) -> None:
        if self._loss_fn is None:
            raise RuntimeError(f"{op}: compile the model first (model.compile(optimizer=..., loss=...))")

    def _check_xy(self, x: Tensor, y: Tensor, op: str) -> Tensor:
        """Check x against the model and y against x and the loss; returns y (float32 or int labels)."""
        if hasattr(self, "_ensure_built"):
            self._ensure_built(x.shape)
        if x.rank == 0 or y.rank == 0:
            raise ValueError(f"{op}: x and y need a batch axis, got shapes {x.shape} and {y.shape}")
        if x.shape[0] != y.shape[0]:
            raise ValueError(f"{op}: x has {x.shape[0]} samples but y has {y.shape[0]}; they must match")
        self.check_input(x.shape, op)
        out = self.output_shape
        name = self._loss_name
        if name == "sparse_categorical_crossentropy":
            if not (y.rank == 1 or (y.rank == 2 and y.shape[1] == 1)):
                raise ValueError(f"{op}: loss {name} expects integer class labels of shape (n,) or (n, 1), "
                                 f"got {y.shape}; for one-hot labels use categorical_crossentropy")
            if len(out) != 2:
                raise ValueError(f"{op}: loss {name} expects a model output of shape (None, classes), "
                                 f"the model gives {shape_str(out)}")
            return y
        if isinstance(self.loss, str):
            want = tuple(out[1:])
            got = tuple(y.shape[1:])
            if got != want and not (got == () and want == (1,)):
                hint = ""
                if name == "categorical_crossentropy" and y.rank == 1:
                    hint = "; for integer class labels use sparse_categorical_crossentropy or one_hot(y)"
                raise ValueError(f"{op}: loss {name} needs labels shaped like the model output "
                                 f"{shape_str(out)}, got y of shape {y.shape}{hint}")
            if got == () and want == (1,):
                y = ops.reshape(y, (y.shape[0], 1))
            if y.dtype != "float32":
                y = ops.cast(y, "float32")
        return y

    # -- steps -------------------------------------------------------------------------
    def _regularization(self):
        terms = [t for layer in self.layers for t in layer.regularization_losses()]
        if not terms:
            return None
        total = terms[0]
        for t in terms[1:]:
            total = ops.add(total, t)
        return total

    def _metric_values(self, y: Tensor, pred: Tensor) -> list[Tensor]:
        return [ops.mean(fn(y, pred)) for _, fn in self._metrics]

    def _fused_softmax_loss(self) -> bool:
        """Cross-entropy after a final softmax is computed from the logits (one fused kernel
        pair, stable for tiny probabilities), as Keras does."""
        return self._loss_name in ("categorical_crossentropy", "sparse_categorical_crossentropy") \
            and isinstance(self.loss, str) and self.softmax_output

    def _forward(self, xb: Tensor, yb: Tensor, training: bool) -> tuple[Tensor, Tensor, bool]:
        """(per-sample loss, output for metrics, whether that output is logits)."""
        if self._fused_softmax_loss():
            logits = self.call(xb, training=training, logits=True)
            if self._loss_name == "sparse_categorical_crossentropy":
                idx = ops.reshape(yb, (yb.shape[0],))
                idx = idx if idx.dtype == "int32" else ops.cast(idx, "int32")
                labels = ops.cast(ops.one_hot(idx, logits.shape[-1]), "float32")
            else:
                labels = yb
            return losses_mod.softmax_cross_entropy_per_sample(labels, logits), logits, True
        pred = self.call(xb, training=training)
        return self._loss_fn(yb, pred), pred, False

    def _metrics_from(self, yb: Tensor, out: Tensor, is_logits: bool) -> list[Tensor]:
        if not self._metrics:
            return []
        return self._metric_values(yb, ops.softmax(out, -1) if is_logits else out)

    def _train_step(self, xb: Tensor, yb: Tensor) -> Tensor:
        """One optimizer step; returns [loss, *metrics] as a tensor (the caller reads and disposes it)."""
        holder: list[Tensor] = []

        def loss_fn():
            per_sample, out, is_logits = self._forward(xb, yb, training=True)
            loss = ops.mean(per_sample)
            reg = self._regularization()
            if reg is not None:
                loss = ops.add(loss, reg)
            if self._metrics:
                with ENGINE.no_tape():
                    holder.extend(keep(m) for m in self._metrics_from(yb, stop_gradient(out), is_logits))
            return loss

        try:
            with tidy() as scope:
                loss = self.optimizer.minimize(loss_fn, return_cost=True, var_list=self.trainable_weights)
                vals = scope.keep(ops.stack([loss] + holder) if holder else ops.reshape(loss, (1,)))
        finally:
            for t in holder:
                t.dispose()
        return vals

    def _eval_gen(self, x: Tensor, y: Tensor, batch_size: int):
        """Generator: yields one tensor to read, receives its values; returns the mean loss
        (with regularisation) and metrics over x, y."""
        n = x.shape[0]
        with tidy() as scope:
            acc = None
            for start, stop in batches(n, batch_size):
                xb, yb = slice_rows(x, start, stop), slice_rows(y, start, stop)
                per_sample, out, is_logits = self._forward(xb, yb, training=False)
                vals = [ops.mean(per_sample)] + self._metrics_from(yb, out, is_logits)
                part = ops.mul(ops.stack(vals), float(stop - start))
                acc = part if acc is None else ops.add(acc, part)
            totals = ops.div(acc, float(n))
            reg = self._regularization()
            if reg is not None:
                totals = ops.add(totals, ops.concat([ops.reshape(reg, (1,)), ops.zeros((len(vals) - 1,))], 0))
            scope.keep(totals)
        try:
            values = yield totals
        finally:
            totals.dispose()
        return values

    def _log_names(self) -> list[str]:
        return ["loss"] + [name for name, _ in self._metrics]

    # -- public ------------------------------------------------------------------------
    def fit(self, x, y, epochs: int = 1, batch_size: int = 32, validation_split: float = 0.0,
            validation_data=None, shuffle: bool = True, callbacks=None, verbose: int = 1,
            initial_epoch: int = 0, seed: int | None = None):
        """Train for `epochs`; returns a History (``.history["loss"]``, ``["val_loss"]``, ...).

        x, y: Tensors (or values ``wg.tensor`` accepts), samples along axis 0. Validation data is
        ``validation_data=(x_val, y_val)`` or the last ``validation_split`` fraction of x, y.
        callbacks: Callback objects or dicts of hooks (``{"on_epoch_end": fn(epoch, logs)}``).
        verbose: 1 a progress bar (tqdm), 2 a line per epoch, 0 silent. seed: the shuffle order.
        Every argument is checked before the first step, so a bad call leaves the weights as
        they were. Each batch step runs inside tidy: memory is flat across epochs."""
        return _run_sync(self._fit_gen(x, y, epochs, batch_size, validation_split, validation_data, shuffle,
                                       callbacks, verbose, initial_epoch, seed))

    async def fit_async(self, x, y, epochs: int = 1, batch_size: int = 32, validation_split: float = 0.0,
                        validation_data=None, shuffle: bool = True, callbacks=None, verbose: int = 0,
                        initial_epoch: int = 0, seed: int | None = None, yield_every: int = 1):
        """fit for the browser: reads values with ``await t.data()``, awaits hooks that return
        awaitables, and yields to the event loop every `yield_every` batches so a page can repaint."""
        return await _run_async(self._fit_gen(x, y, epochs, batch_size, validation_split, validation_data,
                                              shuffle, callbacks, verbose, initial_epoch, seed), yield_every)

    def _fit_gen(self, x, y, epochs, batch_size, validation_split, validation_data, shuffle, callbacks, verbose,
                 initial_epoch, seed):
        self._check_compiled("fit")
        if not isinstance(epochs, int) or epochs < 0:
            raise ValueError(f"fit: epochs must be a non-negative int, got {epochs!r}")
        if not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"fit: batch_size must be a positive int, got {batch_size!r}")
        if not 0.0 <= validation_split < 1.0:
            raise ValueError(f"fit: validation_split must be in [0, 1), got {validation_split}")
        cbs = cb_mod.normalize(callbacks)
        made: list[Tensor] = []

        def own(t, *origs):
            if all(t is not o for o in origs) and all(t is not m for m in made):
                made.append(t)
            return t

        try:
            x_all = own(as_tensor(x, "x", "fit"), x)
            y_in = own(as_tensor(y, "y", "fit"), y)
            y_all = own(self._check_xy(x_all, y_in, "fit"), y, y_in)
            if validation_data is not None:
                if not isinstance(validation_data, (list, tuple)) or len(validation_data) != 2:
                    raise ValueError("fit: validation_data must be a pair (x_val, y_val)")
                xv = own(as_tensor(validation_data[0], "x_val", "fit"), validation_data[0])
                yv_in = own(as_tensor(validation_data[1], "y_val", "fit"), validation_data[1])
                yv = own(self._check_xy(xv, yv_in, "fit (validation_data)"), validation_data[1], yv_in)
                x_tr, y_tr = x_all, y_all
            elif validation_split > 0:
                n = x_all.shape[0]
                split = int(n * (1.0 - validation_split))
                if split <= 0 or split >= n:
                    raise ValueError(f"fit: validation_split {validation_split} leaves no training or validation "
                                     f"samples out of {n}")
                x_tr, y_tr = own(slice_rows(x_all, 0, split)), own(slice_rows(y_all, 0, split))
                xv, yv = own(slice_rows(x_all, split, n)), own(slice_rows(y_all, split, n))
            else:
                x_tr, y_tr, xv, yv = x_all, y_all, None, None
            n = x_tr.shape[0]
            if n == 0:
                raise ValueError("fit: no training samples")
            steps = len(batches(n, batch_size))
            history = cb_mod.History()
            all_cbs = [history] + cbs
            if verbose:
                all_cbs.append(cb_mod.ProgressBar(epochs, steps, verbose))
            cb_list = cb_mod.CallbackList(all_cbs, self)
            rng = random.Random(seed)
            names = self._log_names()
            self.stop_training = False
            yield from cb_list.gen("on_train_begin", {})
            for epoch in range(initial_epoch, epochs):
                yield from cb_list.gen("on_epoch_begin", epoch, {})
                order = list(range(n))
                if shuffle:
                    rng.shuffle(order)
                sums, seen = [0.0] * len(names), 0
                for b, (start, stop) in enumerate(batches(n, batch_size)):
                    yield from cb_list.gen("on_batch_begin", b, {"batch": b, "size": stop - start})
                    with tidy() as scope:
                        if shuffle:
                            idx = order[start:stop]
                            xb, yb = take_rows(x_tr, idx), take_rows(y_tr, idx)
                        else:
                            xb, yb = slice_rows(x_tr, start, stop), slice_rows(y_tr, start, stop)
                        step = scope.keep(self._train_step(xb, yb))
                    try:
                        vals = yield step
                    finally:
                        step.dispose()
                    for i, v in enumerate(vals):
                        sums[i] += v * (stop - start)
                    seen += stop - start
                    yield from cb_list.gen("on_batch_end", b, dict(zip(names, vals), batch=b, size=stop - start))
                    if self.stop_training:
                        break
                logs = {k: s / max(seen, 1) for k, s in zip(names, sums)}
                if xv is not None:
                    for k, v in zip(names, (yield from self._eval_gen(xv, yv, batch_size))):
                        logs["val_" + k] = v
                yield from cb_list.gen("on_epoch_end", epoch, logs)
                if self.stop_training:
                    break
            yield from cb_list.gen("on_train_end", {})
        finally:
            for t in made:
                t.dispose()
        self.history = history
        return history

    def evaluate(self, x, y, batch_size: int = 32, verbose: int = 0):
        """Loss (and metrics) on x, y: a float, or [loss, *metrics] when metrics were compiled."""
        return _run_sync(self._evaluate_gen(x, y, batch_size, verbose))

    async def evaluate_async(self, x, y, batch_size: int = 32, verbose: int = 0):
        """evaluate, reading values with ``await t.data()`` (for the browser)."""
        return await _run_async(self._evaluate_gen(x, y, batch_size, verbose), 0)

    def _evaluate_gen(self, x, y, batch_size, verbose):
        self._check_compiled("evaluate")
        made: list[Tensor] = []
        try:
            x_t = as_tensor(x, "x", "evaluate")
            if x_t is not x:
                made.append(x_t)
            y_in = as_tensor(y, "y", "evaluate")
            if y_in is not y:
                made.append(y_in)
            y_t = self._check_xy(x_t, y_in, "evaluate")
            if y_t is not y_in and y_t is not y:
                made.append(y_t)
            vals = yield from self._eval_gen(x_t, y_t, batch_size)
        finally:
            for t in made:
                t.dispose()
        if verbose:
            print(" - ".join(f"{k}: {v:.4f}" for k, v in zip(self._log_names(), vals)))
        return vals[0] if len(vals) == 1 else vals

    def predict(self, x, batch_size: int = 32) -> Tensor:
        """The model's output for x (inference mode), computed batch by batch."""
        x_t = as_tensor(x, "x", "predict")
        if hasattr(self, "_ensure_built"):
            self._ensure_built(x_t.shape)
        self.check_input(x_t.shape, "predict")
        try:
            n = x_t.shape[0]
            if n <= batch_size:
                return tidy(lambda: self.call(x_t, training=False))
            parts = [tidy(lambda s=s, e=e: self.call(slice_rows(x_t, s, e), training=False))
                     for s, e in batches(n, batch_size)]
            out = ops.concat(parts, 0)
            for p in parts:
                p.dispose()
            return out
        finally:
            if x_t is not x:
                x_t.dispose()

    def save(self, path: str) -> None:
        """Write ``model.json`` and ``group1-shard1of1.bin`` (the TensorFlow.js layers format) into path."""
        from .saving import save_model

        save_model(self, path)


def _run_sync(gen):
    """Drive a training generator: read each yielded tensor with data_sync, run awaitables inline."""
    try:
        item = next(gen)
        while True:
            if isinstance(item, Tensor):
                item = gen.send(list(item.data_sync()))
            else:  # an awaitable returned by a hook: sync fit cannot wait for it
                if hasattr(item, "close"):
                    item.close()
                item = gen.throw(TypeError("fit: a callback returned an awaitable; use fit_async"))
    except StopIteration as stop:
        return stop.value
    finally:
        gen.close()  # an interrupt during a read (Ctrl-C) still frees the loop's tensors now


async def _run_async(gen, yield_every: int):
    """Drive a training generator with ``await t.data()``, awaiting hooks' awaitables."""
    import asyncio

    reads = 0
    try:
        item = next(gen)
        while True:
            if isinstance(item, Tensor):
                values = list(await item.data())
                reads += 1
                if yield_every and reads % yield_every == 0:
                    await asyncio.sleep(0)
                item = gen.send(values)
            else:
                item = gen.send(await item)
    except StopIteration as stop:
        return stop.value
    finally:
        gen.close()
