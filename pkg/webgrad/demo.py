"""The demo: train a digits classifier (UCI handwritten digits, shipped in the package)
to >= 95 % held-out accuracy, with a progress bar.

    python -m webgrad.demo [--backend cpu|webgpu] [--epochs N] [--batch-size B]

Prints the model, per-epoch progress, the held-out accuracy and the W5 figures
(seconds and epochs until held-out accuracy first reached the target)."""
from __future__ import annotations

import argparse
import sys
import time

import webgrad as wg
from webgrad.layers import initializers

TARGET = 0.95


def build_model(seed: int = 0) -> "wg.layers.Sequential":
    """64 pixels -> 64 ReLU units -> 10 softmax classes."""
    return wg.sequential([
        wg.layers.dense(64, activation="relu", input_shape=(64,),
                        kernel_initializer=initializers.glorot_uniform(seed=seed + 1)),
        wg.layers.dense(10, activation="softmax", kernel_initializer=initializers.glorot_uniform(seed=seed + 2)),
    ])


class _Demo:
    """The demo's data, model and bookkeeping, shared by run and run_async."""

    def __init__(self, backend, epochs, batch_size, learning_rate, seed, verbose, out, callbacks):
        if backend is not None:
            wg.set_backend(backend)
        self.say = (lambda *a: print(*a, file=out, flush=True)) if verbose else (lambda *a: None)
        self.epochs, self.batch_size, self.seed, self.verbose = epochs, batch_size, seed, verbose
        self.say(f"webgrad {wg.__version__} demo: handwritten digits (UCI, 1,797 8x8 images), "
                 f"backend {wg.get_backend()!r}")
        x, y = wg.datasets.load_digits()
        self.data = wg.datasets.train_test_split(x, y, test_fraction=0.2, seed=seed)
        wg.dispose([x, y])
        self.say(f"train {self.data[0].shape[0]} images, held-out test {self.data[1].shape[0]} images")
        self.model = build_model(seed)
        if verbose:
            self.model.summary(print_fn=self.say)
        self.model.compile(optimizer=wg.train.adam(learning_rate), loss="sparse_categorical_crossentropy",
                           metrics=["accuracy"])
        self.reached: dict = {}
        self.callbacks = [{"on_epoch_end": self._on_epoch_end}] + list(callbacks or [])
        self.start = time.perf_counter()

    def _on_epoch_end(self, epoch, logs):
        if "epochs" not in self.reached and logs["val_accuracy"] >= TARGET:
            self.reached["epochs"] = epoch + 1
            self.reached["seconds"] = time.perf_counter() - self.start

    def fit_args(self) -> dict:
        x_train, x_test, y_train, y_test = self.data
        return dict(x=x_train, y=y_train, epochs=self.epochs, batch_size=self.batch_size,
                    validation_data=(x_test, y_test), callbacks=self.callbacks, seed=self.seed)

    def finish(self, seconds: float, loss: float, acc: float) -> dict:
        reached, say = self.reached, self.say
        result = {"accuracy": acc, "loss": loss, "seconds": seconds, "epochs": self.epochs,
                  "backend": wg.get_backend(), "w5_seconds": reached.get("seconds"), "w5_epochs": reached.get("epochs")}
        say(f"held-out accuracy {acc * 100:.2f} % (loss {loss:.4f}) after {self.epochs} epochs, {seconds:.2f} s")
        if reached:
            say(f"W5: {TARGET:.0%} held-out accuracy reached after {reached['epochs']} epochs, "
                f"{reached['seconds']:.2f} s (backend {wg.get_backend()})")
        else:
            say(f"W5: {TARGET:.0%} held-out accuracy NOT reached in {self.epochs} epochs")
        self.model.dispose()
        wg.dispose(list(self.data))
        return result


def run(backend: str | None = None, epochs: int = 15, batch_size: int = 32, learning_rate: float = 0.01,
        seed: int = 0, verbose: int = 1, out=sys.stdout, callbacks=None) -> dict:
    """Train and evaluate; returns {"accuracy", "loss", "seconds", "w5_seconds", "w5_epochs", "backend", ...}.

    verbose: 1 a progress bar, 2 a line per epoch, 0 silent; callbacks: extra fit callbacks."""
    demo = _Demo(backend, epochs, batch_size, learning_rate, seed, verbose, out, callbacks)
    demo.model.fit(**demo.fit_args(), verbose=verbose)
    seconds = time.perf_counter() - demo.start
    x_test, y_test = demo.data[1], demo.data[3]
    loss, acc = demo.model.evaluate(x_test, y_test, batch_size=256)
    return demo.finish(seconds, loss, acc)


async def run_async(backend: str | None = None, epochs: int = 15, batch_size: int = 32,
                    learning_rate: float = 0.01, seed: int = 0, verbose: int = 2, out=sys.stdout,
                    callbacks=None) -> dict:
    """run for the browser page: ``fit_async`` (values read with ``await``, the page repaints
    between batches); pass ``callbacks=[{"on_batch_end": ..., "on_epoch_end": ...}]`` to drive its bar."""
    demo = _Demo(backend, epochs, batch_size, learning_rate, seed, verbose, out, callbacks)
    await demo.model.fit_async(**demo.fit_args(), verbose=0 if verbose == 1 else verbose)
    seconds = time.perf_counter() - demo.start
    x_test, y_test = demo.data[1], demo.data[3]
    loss, acc = await demo.model.evaluate_async(x_test, y_test, batch_size=256)
    return demo.finish(seconds, loss, acc)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m webgrad.demo", description=__doc__.splitlines()[0])
    p.add_argument("--backend", choices=["cpu", "webgpu"], default=None, help="default: webgrad's default backend")
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--learning-rate", type=float, default=0.01)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    args = p.parse_args(argv)
    res = run(args.backend, args.epochs, args.batch_size, args.learning_rate, args.seed,
              verbose=2 if args.quiet else 1)
    return 0 if res["accuracy"] >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
