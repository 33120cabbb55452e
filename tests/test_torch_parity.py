"""The same MLP, initial weights and batches trained 50 steps in webgrad (model.fit) and in
PyTorch on the CPU: the per-step losses agree within 1e-4 relative (SGD and Adam)."""
import numpy as np
import pytest

import webgrad as wg
from webgrad import layers
from webgrad.losses import Reduction, softmax_cross_entropy

import torch  # noqa: E402  (the "peers" extra; a missing peer fails, it is not skipped)

STEPS, BATCH, HIDDEN = 50, 16, 32


def data():
    x, y = wg.datasets.load_digits(as_tensors=False)
    x = np.frombuffer(x, np.float32).reshape(-1, 64)[:STEPS * BATCH].copy()
    y = np.frombuffer(y, np.int32)[:STEPS * BATCH].copy()
    return x, y


def initial_weights():
    rng = np.random.default_rng(42)
    w1 = rng.uniform(-0.25, 0.25, (64, HIDDEN)).astype(np.float32)
    b1 = rng.uniform(-0.1, 0.1, HIDDEN).astype(np.float32)
    w2 = rng.uniform(-0.3, 0.3, (HIDDEN, 10)).astype(np.float32)
    b2 = rng.uniform(-0.1, 0.1, 10).astype(np.float32)
    return [w1, b1, w2, b2]


def webgrad_losses(optimizer):
    x, y = data()
    model = wg.sequential([layers.dense(HIDDEN, activation="relu", input_shape=(64,)), layers.dense(10)])
    model.set_weights([wg.tensor(w) for w in initial_weights()])

    def loss(y_true, logits):
        return softmax_cross_entropy(y_true, logits, reduction=Reduction.NONE)

    model.compile(optimizer, loss)
    losses = []
    model.fit(wg.tensor(x), wg.one_hot(wg.tensor(y), 10).cast("float32"), epochs=1, batch_size=BATCH,
              shuffle=False, verbose=0, callbacks={"on_batch_end": lambda b, logs: losses.append(logs["loss"])})
    model.dispose()
    return losses


def torch_losses(make_opt):
    x, y = data()
    w1, b1, w2, b2 = initial_weights()
    lin1, lin2 = torch.nn.Linear(64, HIDDEN), torch.nn.Linear(HIDDEN, 10)
    with torch.no_grad():
        lin1.weight.copy_(torch.from_numpy(w1.T.copy()))
        lin1.bias.copy_(torch.from_numpy(b1))
        lin2.weight.copy_(torch.from_numpy(w2.T.copy()))
        lin2.bias.copy_(torch.from_numpy(b2))
    net = torch.nn.Sequential(lin1, torch.nn.ReLU(), lin2)
    opt = make_opt(net.parameters())
    losses = []
    for s in range(STEPS):
        xb = torch.from_numpy(x[s * BATCH:(s + 1) * BATCH])
        yb = torch.from_numpy(y[s * BATCH:(s + 1) * BATCH]).long()
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_losses_match_pytorch(name, backend):
    if name == "sgd":
        ours = webgrad_losses(wg.train.sgd(0.1))
        theirs = torch_losses(lambda p: torch.optim.SGD(p, lr=0.1))
    else:
        ours = webgrad_losses(wg.train.adam(0.01))
        theirs = torch_losses(lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.9, 0.999), eps=1e-7))
    assert len(ours) == len(theirs) == STEPS
    assert np.mean(theirs[-10:]) < 0.75 * theirs[0]   # it really trained
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)
