// The Web Worker that runs Python: Pyodide + webgrad on the page's WebGPU.
// Protocol (postMessage): in  {type: "run", id, code}
//                         out {type: "result", id, value, repr, error}, and events
//                             {type: "status"|"stdout"|"stderr"|"nogpu"|"ready"|"fatal", ...}
//                             plus whatever Python posts through the `webgrad_page` module.
import { loadPyodide } from "./dist/pyodide/pyodide.mjs";

const post = (type, data = {}) => self.postMessage({ type, ...data });
let pyodide = null;
let replGlobals = null;

function plain(value, repr) {
  // PyProxy -> JS structure that postMessage can clone (else its repr).
  if (value && typeof value === "object" && typeof value.toJs === "function") {
    repr ??= value.toString();
    let out = repr;
    try {
      out = value.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
      structuredClone(out);
    } catch (e) {
      out = repr;
    }
    value.destroy();
    return { value: out, repr };
  }
  return { value, repr: value === undefined ? "" : String(value) };
}

const BOOT_PY = `
import json, sys
import webgrad as wg
from webgrad.gpu import GPUUnavailableError
import webgrad.gpu.browser as _browser
from pyodide.ffi import can_run_sync
_info = {"backends": sorted(wg.engine.backend_factories), "jspi": bool(can_run_sync()),
         "python": sys.version.split()[0], "webgrad": wg.__version__}
try:
    _dev = await _browser.init()
    _info["adapter"] = _dev.adapter_info
    _info["limits"] = {k: _dev.limits[k] for k in ("max_storage_buffer_binding_size", "max_buffer_size",
        "max_compute_invocations_per_workgroup", "max_compute_workgroup_storage_size",
        "max_storage_buffers_per_shader_stage") if k in _dev.limits}
    if "webgpu" in wg.engine.backend_factories:
        wg.set_backend("webgpu")
        _info["backend"] = wg.get_backend()
    else:
        _info["backend"] = None
except GPUUnavailableError as exc:
    _info["nogpu"] = str(exc)
json.dumps(_info)
`;

async function boot() {
  post("status", { text: "loading Python (Pyodide)…" });
  const indexURL = new URL("./dist/pyodide/", import.meta.url).href;
  pyodide = await loadPyodide({ indexURL });
  pyodide.setStdout({ batched: (text) => post("stdout", { text }) });
  pyodide.setStderr({ batched: (text) => post("stderr", { text }) });
  post("status", { text: "loading webgrad…" });
  await pyodide.loadPackage("webgrad", {
    messageCallback: () => {},
    errorCallback: (text) => post("stderr", { text }),
  });
  pyodide.registerJsModule("webgrad_page", {
    post: (type, payload) => post(type, { payload: plain(payload).value }),
  });
  const demo = await (await fetch(new URL("./demo.py", import.meta.url))).text();
  pyodide.FS.writeFile("/home/pyodide/webgrad_demo.py", demo);
  replGlobals = pyodide.globals.get("dict")();
  post("status", { text: "requesting a WebGPU device…" });
  const info = JSON.parse(await pyodide.runPythonAsync(BOOT_PY, { globals: replGlobals }));
  if (info.nogpu) post("nogpu", { text: info.nogpu });
  post("ready", { info });
}

const booted = boot().catch((e) => {
  post("fatal", { text: String(e && e.message ? e.message : e) });
  throw e;
});

async function run(msg) {
  try {
    await booted;
  } catch (e) {
    post("result", { id: msg.id, error: "Python did not start: " + String(e.message || e) });
    return;
  }
  try {
    const result = await pyodide.runPythonAsync(msg.code, { globals: replGlobals });
    let repr;
    if (result && typeof result === "object" && typeof result.toJs === "function") {
      // repr() from Python entered asynchronously, so a Tensor's repr may read back (JSPI).
      replGlobals.set("_", result);
      repr = await pyodide.runPythonAsync("repr(_)", { globals: replGlobals });
    }
    post("result", { id: msg.id, ...plain(result, repr) });
  } catch (e) {
    post("result", { id: msg.id, error: String(e && e.message ? e.message : e) });
  }
}

self.onmessage = (e) => {
  if (e.data && e.data.type === "run") run(e.data);
};
