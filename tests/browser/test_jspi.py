"""(c) Blocking read-back in the page: data_sync() works under JSPI (Python entered
through runPythonAsync); where it cannot block, the error points to `await t.data()`."""
from __future__ import annotations

from .conftest import run_py


def test_data_sync_blocks_under_jspi(repl_page):
    out = run_py(repl_page, """
import webgrad as wg
from pyodide.ffi import can_run_sync
x = wg.tensor([[1.0, 2.0], [3.0, 4.0]])
y = wg.exp(x).sum(axis=1)
[wg.get_backend(), can_run_sync(), list((x * 2).data_sync()), (x + 1).array_sync(), round(float(y.sum()), 3),
 list(await (x - 1).data())]
""")
    backend, jspi, doubled, nested, total, awaited = out
    assert backend == "webgpu"
    assert jspi is True
    assert doubled == [2.0, 4.0, 6.0, 8.0]
    assert nested == [[2.0, 3.0], [4.0, 5.0]]
    assert abs(total - 84.791) < 1e-2  # e + e^2 + e^3 + e^4
    assert awaited == [0.0, 1.0, 2.0, 3.0]


def test_data_sync_where_it_cannot_block_says_await(repl_page):
    msg = run_py(repl_page, """
import js, webgrad as wg
from pyodide.ffi import create_proxy
t = wg.tensor([1.0, 2.0]) + 1
# Entered from JavaScript synchronously: no JSPI suspension is possible on this stack.
fn = create_proxy(lambda: list(t.data_sync()))
call = js.Function.new("f", "try { return 'no error: ' + f(); } catch (e) { return String(e.message || e); }")
msg = call(fn)
fn.destroy()
msg
""")
    assert "await t.data()" in msg, msg
    assert "JSPI" in msg
