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


def run(backend: str | None = None, epochs: int = 15, batch_size: int = 32, learning_rate: float = 0.01,
        seed: int = 0, verbose: int = 1, out=sys.stdout) -> dict:
    """Train and evaluate; returns {"accuracy", "w5_seconds", "w5_epochs", "seconds", "backend"}."""
    if backend is not None:
        wg.set_backend(backend)
    say = (lambda *a: print(*a, file=out, flush=True)) if verbose else (lambda *a: None)
    say(f"webgrad {wg.__version__} demo: handwritten digits (UCI, 1,797 8x8 images), backend {wg.get_backend()!r}")
    x, y = wg.datasets.load_digits()
    x_train, x_test, y_train, y_test = wg.datasets.train_test_split(x, y, test_fraction=0.2, seed=seed)
    wg.dispose([x, y])
    say(f"train {x_train.shape[0]} images, held-out test {x_test.shape[0]} images")
    model = build_model(seed)
    if verbose:
        model.summary(print_fn=say)
    model.compile(optimizer=wg.train.adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    reached: dict = {}
    start = time.perf_counter()

    def on_epoch_end(epoch, logs):
        if "epochs" not in reached and logs["val_accuracy"] >= TARGET:
            reached["epochs"] = epoch + 1
            reached["seconds"] = time.perf_counter() - start

    model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size, validation_data=(x_test, y_test),
              callbacks={"on_epoch_end": on_epoch_end}, verbose=verbose, seed=seed)
    seconds = time.perf_counter() - start
    loss, acc = model.evaluate(x_test, y_test, batch_size=256)
    result = {"accuracy": acc, "loss": loss, "seconds": seconds, "epochs": epochs, "backend": wg.get_backend(),
              "w5_seconds": reached.get("seconds"), "w5_epochs": reached.get("epochs")}
    say(f"held-out accuracy {acc * 100:.2f} % (loss {loss:.4f}) after {epochs} epochs, {seconds:.2f} s")
    if reached:
        say(f"W5: {TARGET:.0%} held-out accuracy reached after {reached['epochs']} epochs, "
            f"{reached['seconds']:.2f} s (backend {wg.get_backend()})")
    else:
        say(f"W5: {TARGET:.0%} held-out accuracy NOT reached in {epochs} epochs")
    model.dispose()
    wg.dispose([x_train, x_test, y_train, y_test])
    return result


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
