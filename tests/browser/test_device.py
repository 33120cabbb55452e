"""The browser device layer (webgrad.gpu.browser) on the page's navigator.gpu."""
from __future__ import annotations

from .conftest import run_py

DOUBLE = """
@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x < arrayLength(&src)) { dst[id.x] = src[id.x] * 2.0 + 1.0; }
}
"""


def test_adapter_and_limits(repl_page):
    import json

    info = json.loads(run_py(repl_page, """
import json, js, webgrad.gpu as g
d = g.get_device()
a = await js.navigator.gpu.requestAdapter()
names = ("maxStorageBuffersPerShaderStage", "maxComputeWorkgroupStorageSize", "maxComputeInvocationsPerWorkgroup",
         "maxStorageBufferBindingSize", "maxBufferSize")
json.dumps({"cls": type(d).__name__, "info": d.adapter_info, "limits": d.limits,
            "adapter": {n: getattr(a.limits, n) for n in names}})
"""))
    assert info["cls"] == "BrowserDevice"
    assert info["info"]["name"]
    lim, adapter = info["limits"], info["adapter"]
    # The device gets the adapter's limits, not the (smaller) defaults of a plain requestDevice().
    assert lim["max_storage_buffers_per_shader_stage"] == adapter["maxStorageBuffersPerShaderStage"] > 8
    assert lim["max_compute_workgroup_storage_size"] == adapter["maxComputeWorkgroupStorageSize"] > 16384
    assert lim["max_compute_invocations_per_workgroup"] == adapter["maxComputeInvocationsPerWorkgroup"]
    assert lim["max_storage_buffer_binding_size"] == adapter["maxStorageBufferBindingSize"] > 128 << 20
    assert lim["max_buffer_size"] == adapter["maxBufferSize"]


def test_dispatch_and_read_back_sync_and_async(repl_page):
    out = run_py(repl_page, f"""
import array, webgrad.gpu as g
from webgrad.gpu.base import STORAGE
d = g.get_device()
n = 1000
src = d.create_buffer(4 * n, STORAGE)
dst = d.create_buffer(4 * n, STORAGE)
d.write_buffer(src, 0, array.array("f", range(n)))
p = d.create_pipeline("test_double", '''{DOUBLE}''')
d.dispatch(p, [src, dst], ((n + 63) // 64, 1, 1))
sync = array.array("f", d.read_sync(dst, 0, 4 * n))
d.dispatch(p, [dst, src], ((n + 63) // 64, 1, 1))
later = array.array("f", await d.read(src, 8, 12))   # sub-range, async
part = d.read_sync(dst, 4, 6)                          # unaligned size
for b in (src, dst):
    d.destroy_buffer(b)
[list(sync[:3]), sync[-1], list(later), len(part)]
""")
    assert out[0] == [1.0, 3.0, 5.0]
    assert out[1] == 1999.0
    assert out[2] == [11.0, 15.0, 19.0]  # (2*i+1)*2+1 at i = 2, 3, 4
    assert out[3] == 6


def test_bad_wgsl_is_a_shader_error_naming_the_kernel(repl_page):
    msg = run_py(repl_page, """
import webgrad.gpu as g
from webgrad.gpu import ShaderError
try:
    g.get_device().create_pipeline("MyBrokenKernel", "fn main( { nonsense")
    r = "no error"
except ShaderError as e:
    r = f"{e.key}|{e}"
r
""")
    key, text = msg.split("|", 1)
    assert key == "MyBrokenKernel"
    assert "MyBrokenKernel" in text and "line" in text


def test_device_created_on_first_use_under_jspi_and_late_shader_errors(repl_page):
    out = run_py(repl_page, """
import array, js
from pyodide.ffi import create_proxy
from webgrad.gpu.browser import BrowserDevice
from webgrad.gpu.base import STORAGE
d2 = BrowserDevice()   # no `await init()`: JSPI lets the constructor wait for the device
b = d2.create_buffer(16, STORAGE)
d2.write_buffer(b, 0, array.array("f", [1, 2, 3, 4]))
back = list(array.array("f", d2.read_sync(b, 0, 16)))
# Without JSPI (entered from JavaScript synchronously) compiles cannot wait: the
# failure must still come out as a ShaderError, at the next read-back.
f = create_proxy(lambda: d2.create_pipeline("LateBroken", "fn main( {"))
created = js.Function.new("f", "try { f(); return 'created'; } catch (e) { return 'raised'; }")(f)
f.destroy()
try:
    await d2.read(b, 0, 16)
    late = "no error"
except Exception as e:
    late = f"{type(e).__name__}|{getattr(e, 'key', '')}"
again = list(array.array("f", await d2.read(b, 0, 16)))   # the error was reported once
d2.destroy_buffer(b)
[back, created, late, again]
""")
    assert out == [[1.0, 2.0, 3.0, 4.0], "created", "ShaderError|LateBroken", [1.0, 2.0, 3.0, 4.0]]
