"""The computation graph: trace() records exactly what ran, forward and backward,
and the DOT/SVG drawing has one box per tensor and one ellipse per op."""
from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

import webgrad as wg
from webgrad.engine import ENGINE
from webgrad.graph import Graph, name_scope, trace
from webgrad.graph import model as m
from webgrad.graph import render

SVG = "{http://www.w3.org/2000/svg}"


def needs_dot():
    if shutil.which("dot") is None:
        pytest.skip("Graphviz `dot` is not installed (tools/setup.sh installs it)")


def kernels(ops) -> list[str]:
    return [o.kernel for o in ops]


# -- log(x): the seed's first example --------------------------------------------------------

def test_log_forward_and_backward_with_saved_x(backend):
    x = wg.tensor([1.0, 2.0, 4.0])
    dy = wg.tensor([1.0, 1.0, 1.0])
    g = trace(lambda x: wg.log(x), x, dy=dy)

    (log,) = g.forward_ops()
    assert log.kernel == "Log"
    xn, yn = g.tensor("x"), g.tensors[log.outputs[0]]
    assert log.inputs == [xn.key] and xn.kind == m.INPUT and yn.kind == m.OUTPUT
    assert g.outputs == [yn.key]
    # backward: dx = dy * (1 / x), both ops run by Log's rule, x read from its saved copy
    back = g.backward_ops(log)
    assert kernels(back) == ["Reciprocal", "Multiply"]
    assert all(o.forward_op == log.key and o.phase == m.BACKWARD for o in back)
    recip, mul = back
    seed = g.tensor("dy")
    grad = g.gradient_of(xn)
    assert seed.kind == m.SEED and grad.kind == m.GRADIENT and grad.name == "grad x"
    assert g.edge_set() == {
        (xn.key, log.key, m.DATA), (log.key, yn.key, m.DATA),
        (xn.key, recip.key, m.SAVED), (recip.key, recip.outputs[0], m.GRAD),
        (seed.key, mul.key, m.GRAD), (recip.outputs[0], mul.key, m.GRAD), (mul.key, grad.key, m.GRAD),
        (seed.key, yn.key, m.GRAD_OF), (grad.key, xn.key, m.GRAD_OF),
    }
    assert set(g.tensors) == {xn.key, yn.key, seed.key, recip.outputs[0], grad.key}
    assert len(g.ops) == 3


def test_values_summaries_and_gradient_value(backend):
    x = wg.tensor([1.0, 2.0, 4.0])
    g = trace(lambda x: wg.log(x).sum(), x, values=True)
    assert g.tensor("x").value == "[1, 2, 4]"
    assert g.tensor("grad x").value == "[1, 0.5, 0.25]"
    assert g.tensor("dy").value == "[1]"


def test_trace_disposes_what_it_made_and_detaches():
    x = wg.tensor([1.0, 2.0, 4.0])
    before = wg.memory()["num_tensors"]
    trace(lambda x: (wg.log(x) * x).sum(), x)
    assert wg.memory()["num_tensors"] == before
    assert ENGINE.observers == [] and ENGINE.current_backward_node is None
    assert not x.disposed


def test_forward_only():
    x = wg.tensor([1.0, 2.0])
    g = trace(lambda x: wg.exp(x) + 1.0, x, backward=False)
    assert kernels(g.ops.values()) == ["Exp", "Add"]
    assert not g.backward_ops()
    const = [t for t in g.tensors.values() if t.kind == m.CONSTANT]
    assert len(const) == 1 and const[0].shape == () and const[0].value == "[1]"


# -- a dense layer -> softmax -> cross-entropy --------------------------------------------

def dense_softmax_xent(x, labels, W, b):
    """A dense layer matmul(x, W) + b -> softmax -> cross-entropy."""
    p = wg.softmax(wg.matmul(x, W) + b)
    return -wg.sum(labels * wg.log(p)) / 2


def composed_softmax_xent(x, labels, W, b):
    """The same from elementary ops (the dense layer as mul + sum, softmax as exp / sum)."""
    z = wg.sum(wg.expand_dims(x, 2) * W, axis=1) + b
    e = wg.exp(z - wg.max(z, axis=1, keepdims=True))
    p = e / wg.sum(e, axis=1, keepdims=True)
    return -wg.sum(labels * wg.log(p)) / 2


@pytest.fixture
def dense(backend):
    x = wg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    labels = wg.tensor([[1.0, 0.0], [0.0, 1.0]])
    W = wg.variable(wg.tensor([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]))
    b = wg.variable(wg.tensor([0.1, -0.1]))
    yield x, labels, W, b
    W.dispose()
    b.dispose()


def test_dense_graph_is_exactly_what_ran(dense):
    x, labels, W, b = dense
    events = []

    def spy(event, payload):
        if event == "kernel":
            name, ins, outs, _ = payload
            events.append((name, [t.id for t in ins], [t.id for t in outs]))

    ENGINE.observers.append(spy)  # an independent record of the same run
    try:
        g = trace(lambda x: dense_softmax_xent(x, labels, W, b), x, wrt=[W, b])
    finally:
        ENGINE.observers.remove(spy)

    # matmul runs BatchMatMul on rank-3 views of x and W
    assert kernels(g.forward_ops()) == ["Reshape", "Reshape", "BatchMatMul", "Reshape", "Add", "Softmax",
                                        "Log", "Multiply", "Sum", "Neg", "RealDiv"]
    assert [(o.kernel, [int(k[1:]) for k in o.inputs], [int(k[1:]) for k in o.outputs])
            for o in g.ops.values()] == events
    expected_edges = set()
    for key, (name, ins, outs) in zip(g.ops, events):
        phase = g.ops[key].phase
        for i in ins:
            kind = m.DATA if phase == m.FORWARD else m.GRAD
            expected_edges.add((f"t{i}", key, kind))
        for o in outs:
            expected_edges.add((key, f"t{o}", m.DATA if phase == m.FORWARD else m.GRAD))
    flow = g.edge_set([m.DATA, m.GRAD, m.SAVED])
    relabelled = {(s, d, m.GRAD if k == m.SAVED else k) for s, d, k in flow}
    assert relabelled == expected_edges and len(flow) == len(expected_edges)

    fwd = g.forward_ops()
    x_view, w_view, mm, _, add_b, softmax, log, mul, _, _, div = fwd
    Wn, bn, xn = g.tensors[f"t{W.id}"], g.tensors[f"t{b.id}"], g.tensors[f"t{x.id}"]
    labn = g.tensors[f"t{labels.id}"]
    assert Wn.kind == bn.kind == m.PARAMETER and xn.kind == m.INPUT and xn.name == "x"
    assert w_view.inputs == [Wn.key] and x_view.inputs == [xn.key] and add_b.inputs[1] == bn.key
    assert mm.inputs == [x_view.outputs[0], w_view.outputs[0]]
    # every differentiable op on the path from W, b to the loss has backward ops
    for o in fwd[1:]:
        assert g.backward_ops(o), f"{o.kernel} has no backward ops"
    assert not g.backward_ops(x_view)  # x's reshape is not on a path from W or b
    assert kernels(g.backward_ops(mm)) == ["BatchMatMul"]
    assert kernels(g.backward_ops(softmax)) == ["Multiply", "Sum", "Sub", "Multiply"]
    assert kernels(g.backward_ops(log)) == ["Reciprocal", "Multiply"]
    # saved-tensor edges point at what each rule saved and used: dW = x^T dy reads the
    # saved view of x; softmax its output y; log its input (the same y); labels * log p
    # the labels; the division its divisor
    rules = ENGINE.gradients

    def saved_srcs(o):
        return {e.src for e in g.edges if e.kind == m.SAVED and e.dst in o.backward_ops}

    for o in fwd:
        rule = rules[o.kernel]
        allowed = {o.inputs[i] for i in rule.inputs_to_save} | {o.outputs[i] for i in rule.outputs_to_save}
        assert saved_srcs(o) <= allowed, o
    assert saved_srcs(mm) == {x_view.outputs[0]}
    assert saved_srcs(softmax) == {softmax.outputs[0]} == saved_srcs(log) == {log.inputs[0]}
    assert saved_srcs(mul) == {labn.key}
    assert saved_srcs(div) == {div.inputs[1]} and g.tensors[div.inputs[1]].kind == m.CONSTANT
    # the parameters show their gradients, with the right shapes
    gW, gb = g.gradient_of(Wn), g.gradient_of(bn)
    assert gW.shape == (3, 2) and gb.shape == (2,) and gW.kind == gb.kind == m.GRADIENT
    assert (gW.key, Wn.key, m.GRAD_OF) in g.edge_set()
    # no gradient was asked for x or the labels
    assert g.gradient_of(xn) is None and g.gradient_of(labn) is None


def test_dense_default_sources_include_the_input(dense):
    x, labels, W, b = dense
    g = trace(lambda x, labels: dense_softmax_xent(x, labels, W, b), x, labels)
    mm = g.ops_by_kernel("BatchMatMul", m.FORWARD)[0]
    # with x a source too, both saved operands of the matmul feed its backward ops
    assert kernels(g.backward_ops(mm)) == ["BatchMatMul", "BatchMatMul"]
    srcs = {e.src for e in g.edges if e.kind == m.SAVED and e.dst in mm.backward_ops}
    assert srcs == set(mm.inputs)
    for name in ("x", "labels", f"{W.name}", f"{b.name}"):
        grad = g.gradient_of(g.tensor(name))
        assert grad is not None and grad.shape == g.tensor(name).shape and grad.name == f"grad {name}"


def test_backward_kernels_belong_to_their_forward_op(dense):
    x, labels, W, b = dense
    g = trace(lambda x: composed_softmax_xent(x, labels, W, b), x, wrt=[W, b])
    unattributed = [o for o in g.backward_ops() if o.forward_op is None]
    # only the seed (Fill) and the summing of two gradient contributions (Add) belong to no rule
    assert sorted(kernels(unattributed)) == ["Add", "Add", "Fill"]
    for o in g.backward_ops():
        if o.forward_op is not None:
            assert o.key in g.ops[o.forward_op].backward_ops


# -- rendering ---------------------------------------------------------------------------

def svg_counts(svg: str) -> dict[str, tuple[int, int]]:
    """node title -> (polygons, ellipses) in its SVG group."""
    root = ET.fromstring(svg)
    out = {}
    for grp in root.iter(SVG + "g"):
        if grp.get("class") != "node":
            continue
        title = grp.find(SVG + "title").text
        out[title] = (len(grp.findall(SVG + "polygon")), len(grp.findall(SVG + "ellipse")))
    return out


def test_dot_parses_and_svg_has_a_box_per_tensor_and_an_ellipse_per_op(dense):
    needs_dot()
    x, labels, W, b = dense
    g = trace(lambda x: dense_softmax_xent(x, labels, W, b), x, values=True)
    text = g.to_dot()
    proc = subprocess.run(["dot", "-Tsvg"], input=text.encode(), capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    counts = svg_counts(proc.stdout.decode())
    assert set(counts) == set(g.tensors) | set(g.ops) | {"legend"}
    for key in g.tensors:
        assert counts[key] == (1, 0), key
    for key in g.ops:
        assert counts[key] == (0, 1), key
    assert g.to_svg() == proc.stdout.decode()


def test_dot_marks_forward_and_backward_differently():
    x = wg.tensor([1.0, 2.0])
    text = trace(lambda x: wg.log(x).sum(), x).to_dot()
    fwd = [ln for ln in text.splitlines() if "shape=ellipse" in ln and "Log" in ln]
    bwd = [ln for ln in text.splitlines() if "shape=ellipse" in ln and "Reciprocal" in ln]
    assert "dashed" not in fwd[0] and "dashed" in bwd[0]
    assert "legend" in text and "arrowhead=odot" in text  # the saved-tensor edge style


def test_save_by_extension(tmp_path):
    needs_dot()
    x = wg.tensor([1.0, 2.0])
    g = trace(lambda x: wg.log(x).sum(), x)
    for ext in ("dot", "svg", "png"):
        g.save(str(tmp_path / f"g.{ext}"))
    assert (tmp_path / "g.dot").read_text().startswith("digraph")
    ET.parse(tmp_path / "g.svg")
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="format"):
        g.save(str(tmp_path / "g.txt"))


def test_to_svg_without_graphviz_says_what_to_install(monkeypatch):
    x = wg.tensor([1.0, 2.0])
    g = trace(lambda x: wg.log(x).sum(), x)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert g.to_dot().startswith("digraph")
    with pytest.raises(render.GraphvizNotFound, match="apt-get install graphviz"):
        g.to_svg()


def test_registered_layout_function_is_used():
    x = wg.tensor([1.0, 2.0])
    g = trace(lambda x: wg.log(x), x, backward=False)
    seen = []
    render.set_layout(lambda text, fmt: seen.append((text, fmt)) or "<svg/>")
    try:
        assert g.to_svg() == "<svg/>"
    finally:
        render.set_layout(None)
    assert seen == [(g.to_dot(), "svg")]


# -- big graphs: scopes, collapsing, repeats ----------------------------------------------

def layered(x, Ws):
    for i, W in enumerate(Ws):
        with name_scope("dense"):
            x = wg.relu(wg.sum(wg.expand_dims(x, 2) * W, axis=1))
    return wg.sum(x)


def test_name_scopes_become_clusters_and_collapse():
    x = wg.tensor([[1.0, 2.0]])
    Ws = [wg.variable(wg.tensor([[0.5, -0.5], [0.25, 1.0]])) for _ in range(3)]
    try:
        g = trace(layered, x, Ws)
    finally:
        for W in Ws:
            W.dispose()
    assert g.scopes() == [("dense",), ("dense_1",), ("dense_2",)]
    for o in g.forward_ops()[:-1]:
        assert o.scope[0].startswith("dense")
    for o in g.backward_ops():
        if o.forward_op:
            assert o.scope == g.ops[o.forward_op].scope
    full = g.to_dot(collapse=False, group_repeats=False)
    assert full.count("subgraph cluster_") == 6  # three layers, forward and backward
    assert all(f"{k} [" in full for k in g.ops)
    # collapsed: each layer one node per direction, grouped because the layers are identical
    small = g.to_dot(collapse=True)
    assert "×3" in small and "subgraph cluster_" not in small
    assert sum(1 for ln in small.splitlines() if "shape=box3d" in ln) == 2
    assert not any(f"  {o.key} [" in small for o in g.ops.values() if o.scope)
    # collapsed without grouping: one node per layer and direction
    per_layer = g.to_dot(collapse=True, group_repeats=False)
    assert sum(1 for ln in per_layer.splitlines() if "shape=box3d" in ln) == 6
    # expanded with grouping: the first layer in full, the repeats as single nodes
    grouped = g.to_dot(collapse=False)
    assert "same ops as dense" in grouped and grouped.count("subgraph cluster_") == 2
    if shutil.which("dot"):
        for text in (full, small, per_layer, grouped):
            assert subprocess.run(["dot", "-Tsvg"], input=text.encode(), capture_output=True).returncode == 0


def test_name_scope_rejects_bad_names_and_nests():
    with pytest.raises(ValueError):
        with name_scope("a/b"):
            pass
    with name_scope("outer") as outer:
        with name_scope("inner") as inner:
            from webgrad.graph import current_scope
            assert current_scope() == (outer, inner)


def synthetic_graph(n_ops: int, per_scope: int = 10) -> Graph:
    """A chain of n_ops forward ops in scopes of per_scope ops (no engine involved)."""
    g = Graph()
    g.tensors["t0"] = m.TensorNode(0, "x", (8, 8), "float32", m.INPUT, m.FORWARD)
    prev = "t0"
    for i in range(1, n_ops + 1):
        scope = (f"block_{(i - 1) // per_scope}",)
        t = m.TensorNode(i, f"t{i}", (8, 8), "float32", m.INTERMEDIATE, m.FORWARD, scope)
        g.tensors[t.key] = t
        op = m.OpNode(f"o{i}", "Relu" if i % 2 else "Exp", {}, m.FORWARD, scope, [prev], [t.key])
        g.ops[op.key] = op
        g.edges += [m.Edge(prev, op.key, m.DATA), m.Edge(op.key, t.key, m.DATA)]
        prev = t.key
    return g


def test_huge_graph_is_collapsed_by_default():
    g = synthetic_graph(2000)
    text = g.to_dot()
    assert "nslimit" in text  # the cheap layout settings
    # 200 identical blocks: collapsed and grouped into one node
    assert "×200" in text and sum(1 for ln in text.splitlines() if "shape=box3d" in ln) == 1
    per_block = g.to_dot(group_repeats=False)
    assert sum(1 for ln in per_block.splitlines() if "shape=box3d" in ln) == 200
    full = g.to_dot(collapse=False, group_repeats=False)
    assert sum(1 for ln in full.splitlines() if "shape=ellipse" in ln) == 2000


# -- the demo command and the browser constraints -------------------------------------------

def test_demo_command_writes_the_demo_models_graph(tmp_path, capsys):
    from webgrad.graph import demo

    before = wg.memory()["num_tensors"]
    g = demo.demo_graph()
    layers = [s[0] for s in g.scopes()]
    assert len(layers) == 3 and layers[-1] == "loss"  # webgrad.demo's two dense layers, then the loss
    names = {t.name for t in g.tensors.values()}
    for layer in layers[:2]:
        assert {f"{layer}/kernel", f"{layer}/bias", f"grad {layer}/kernel", f"grad {layer}/bias"} <= names
    assert {"x", "y", "output", "dy"} <= names
    assert wg.memory()["num_tensors"] == before
    out = tmp_path / "mlp.dot"
    assert demo.main([str(out), "--collapse"]) == 0
    printed = capsys.readouterr().out
    text = out.read_text()
    drawn = printed.rsplit("layers ", 1)[1].split()
    drawn = [n.rstrip(",") for n in drawn]
    assert len(drawn) == 3
    for layer in drawn:
        assert f'label="{layer}\\n' in text and f'label="∇ {layer}\\n' in text
    assert "subgraph cluster_" not in text
    expanded = tmp_path / "one.dot"
    assert demo.main([str(expanded), "--collapse", "loss"]) == 0  # (layer names differ per process)
    text = expanded.read_text()
    assert text.count("shape=box3d") == 2 and text.count("subgraph cluster_") == 4
    assert 'id="scope:loss"' in text and 'label="∇ loss\\n' in text
    with pytest.raises(SystemExit):
        demo.main([str(expanded), "--collapse", "no_such_layer"])
    assert wg.memory()["num_tensors"] == before
    if shutil.which("dot"):
        svg = tmp_path / "mlp.svg"
        assert demo.main([str(svg)]) == 0
        counts = svg_counts(svg.read_text())
        assert sum(1 for k in counts if k.startswith("o")) == len(g.ops)


# -- Keras-style models: one cluster per layer -------------------------------------------------

@pytest.fixture
def mlp(backend):
    model = wg.sequential([wg.layers.dense(5, activation="relu", input_shape=(3,)),
                           wg.layers.dense(4, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    x = wg.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
    y = wg.tensor([1, 3], dtype="int32")
    yield model, x, y
    model.dispose()


def test_sequential_models_trace_has_a_cluster_per_layer(mlp):
    model, x, y = mlp
    d1, d2 = (layer.name for layer in model.layers)
    before = wg.memory()["num_tensors"]
    g = wg.trace_model(model, x, y)
    assert wg.memory()["num_tensors"] == before
    assert g.scopes() == [(d1,), (d2,), ("loss",)]
    fwd = {s: kernels(o for o in g.forward_ops() if o.scope == (s,)) for s in (d1, d2, "loss")}
    assert "BatchMatMul" in fwd[d1] and fwd[d1][-1] == "Relu"
    assert "BatchMatMul" in fwd[d2] and "Softmax" not in fwd[d2]  # fused into the loss, as fit runs it
    assert "Mean" in fwd["loss"] and "BatchMatMul" not in fwd["loss"]
    # every backward op sits in its forward op's layer; each layer has backward ops
    for o in g.backward_ops():
        if o.forward_op is not None:
            assert o.scope == g.ops[o.forward_op].scope, o
    for s in (d1, d2, "loss"):
        assert any(o.scope == (s,) for o in g.backward_ops()), s
    # the weights' gradients are made inside their layer's backward cluster
    for layer in model.layers:
        for w in layer.trainable_weights:
            grad = g.gradient_of(g.tensor(w.name))
            assert grad is not None and grad.scope == (layer.name,) and grad.phase == m.BACKWARD
    # the DOT: one forward and one backward cluster per layer, parameters inside theirs
    dot = g.to_dot(collapse=False)
    for s in (d1, d2, "loss"):
        assert f'id="scope:{s}"' in dot and f'id="scope-backward:{s}"' in dot
    assert dot.count("subgraph cluster_") == 6
    kernel = g.tensor(f"{d1}/kernel")
    block = dot.split(f'id="scope:{d1}"', 1)[1].split("}", 1)[0]
    assert f"  {kernel.key} [" in block


def test_collapsing_one_layer(mlp):
    model, x, y = mlp
    d1, d2 = (layer.name for layer in model.layers)
    g = wg.trace_model(model, x, y)
    dot = g.to_dot(collapse=[d1])
    nodes = [ln for ln in dot.splitlines() if "shape=box3d" in ln]
    assert len(nodes) == 2 and any(f'id="scope:{d1}"' in ln for ln in nodes) \
        and any(f'id="scope-backward:{d1}"' in ln for ln in nodes)
    assert f'id="scope:{d2}"' in dot and "subgraph cluster_" in dot and dot.count("subgraph cluster_") == 4
    for o in g.ops.values():
        drawn = f"  {o.key} [" in dot
        assert drawn == (o.scope != (d1,)), o
    if shutil.which("dot"):
        assert subprocess.run(["dot", "-Tsvg"], input=dot.encode(), capture_output=True).returncode == 0


def test_functional_model_prediction_and_a_layer_called_twice(backend):
    inp = wg.input(shape=(3,))
    hidden = wg.layers.dense(3, activation="tanh")
    out = wg.layers.dense(2)(hidden(inp))
    model = wg.model(inputs=inp, outputs=out)
    x = [[1.0, 2.0, 3.0]]  # converted (and disposed) by trace_model
    try:
        before = wg.memory()["num_tensors"]
        g = wg.trace_model(model, x)
        assert wg.memory()["num_tensors"] == before
        assert g.scopes() == [(hidden.name,), (model.layers[-1].name,)] and not g.backward_ops()
        assert all(o.scope for o in g.forward_ops())
        with pytest.raises(ValueError, match="labels y"):
            wg.trace_model(model, x, backward=True)
        with pytest.raises(ValueError, match="compile"):
            wg.trace_model(model, x, [[1.0, 0.0]])
        g = wg.trace_model(model, x, [[1.0, 0.0]], loss="mean_squared_error")
        assert [s[0] for s in g.scopes()] == [hidden.name, model.layers[-1].name, "loss"]
        # the same layer called twice in one trace: two clusters
        g = trace(lambda x: hidden(hidden(x)).sum(), wg.tensor([[1.0, 2.0, 3.0]]), backward=False)
        assert g.scopes() == [(hidden.name,), (hidden.name + "_1",)]
    finally:
        model.dispose()


def test_gradient_sums_are_drawn_in_the_layer_that_needs_them():
    x = wg.tensor([[1.0, 2.0]])

    def f(x):
        with name_scope("block"):
            h = wg.exp(x)
            y = h * h + h  # h's gradient is a sum of three contributions
        return wg.sum(y)

    g = trace(f, x)
    sums = [o for o in g.backward_ops() if o.forward_op is None and o.inputs]
    assert sums and all(o.scope == ("block",) for o in sums)
    assert all(g.tensors[k].scope == ("block",) for o in sums for k in o.outputs)


def test_layer_scopes_leave_no_state_behind_and_names_stay_unique(backend):
    from webgrad.graph import scope

    layer = wg.layers.dense(2, name="odd/name")  # a '/' is not a scope separator
    x = wg.tensor([[1.0, 2.0]])
    try:
        for _ in range(50):
            wg.dispose(layer(x))
        assert scope.current_scope() == () and len(scope._USED[0]) < 5
    finally:
        layer.dispose()
    got = []
    with name_scope("outer"):  # a fresh level of names
        for name in ["dense", "dense", "dense_1", "dense"]:
            with name_scope(name) as unique:
                got.append(unique)
    assert got == ["dense", "dense_1", "dense_1_1", "dense_2"]


def test_graph_package_imports_without_numpy_or_subprocess():
    code = (
        "import builtins, sys\n"
        "real = builtins.__import__\n"
        "def guard(name, *a, **k):\n"
        "    if name.split('.')[0] in ('numpy', 'subprocess'):\n"
        "        raise ImportError('blocked: ' + name)\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = guard\n"
        "import webgrad.graph.capture, webgrad.graph.dot, webgrad.graph.model, webgrad.graph.render\n"
        "from webgrad.graph import trace, Graph, name_scope\n"
        "print('ok')\n"
    )
    import os
    import sys
    env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(os.path.dirname(__file__)), "pkg"))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.stdout.strip() == "ok", proc.stderr


def test_backward_node_hook_is_reset_after_a_failing_rule():
    x = wg.tensor([1.0, 2.0])

    def failing(x, save):
        def grad_func(dy, saved):
            raise RuntimeError("rule failed")
        return {"value": wg.exp(x), "grad_func": grad_func}

    f = wg.custom_grad(failing)
    with pytest.raises(RuntimeError, match="rule failed"):
        trace(lambda x: f(x).sum(), x)
    assert ENGINE.current_backward_node is None and ENGINE.observers == []
    with pytest.raises(RuntimeError, match="rule failed"):
        wg.grad(lambda x: f(x).sum())(x)
    assert ENGINE.current_backward_node is None


def test_trace_of_a_function_that_takes_a_gradient():
    x = wg.tensor([1.0, 2.0, 4.0])
    g = trace(lambda x: wg.grad(lambda x: wg.log(x).sum())(x).sum(), x)
    # the inner gradient's kernels are forward ops of the traced function
    fwd = kernels(g.forward_ops())
    assert fwd[:2] == ["Log", "Sum"] and "Reciprocal" in fwd
    recip = g.ops_by_kernel("Reciprocal", m.FORWARD)[0]
    assert recip.inputs == [g.tensor("x").key]
    # and the outer backward pass differentiates through them: d/dx sum(1/x) = -1/x^2
    assert g.backward_ops(recip)
    gx = g.gradient_of(g.tensor("x"))
    assert gx is not None and gx.shape == (3,)


def test_cluster_ids_let_a_page_toggle_layers():
    x = wg.tensor([[1.0, 2.0]])
    Ws = [wg.variable(wg.tensor([[0.5, -0.5], [0.25, 1.0]])) for _ in range(2)]
    try:
        g = trace(layered, x, Ws)
    finally:
        for W in Ws:
            W.dispose()
    full = g.to_dot(collapse=False, group_repeats=False)
    assert 'id="scope:dense"' in full and 'id="scope-backward:dense_1"' in full
    part = g.to_dot(collapse=["dense_1"], group_repeats=False)
    assert part.count("shape=box3d") == 2 and 'id="scope:dense_1"' in part and 'id="scope:dense"' in part
