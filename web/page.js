// Shared page start-up: the worker, status/adapter lines, no-WebGPU notice, errors on the page.
import { WebgradClient, NO_WEBGPU_HELP } from "./client.js";

export const $ = (id) => document.getElementById(id);

export function showError(text) {
  // The exception line first (a Python traceback ends with it), then the full text.
  const el = $("errors");
  const lines = String(text).trimEnd().split("\n");
  const last = lines[lines.length - 1];
  el.hidden = false;
  el.textContent += (lines.length > 1 ? `${last}\n\n` : "") + lines.join("\n") + "\n\n";
}

function describe(info) {
  if (!info.adapter) return "none";
  const a = info.adapter;
  const kind = [a.vendor, a.adapter_type].filter(Boolean).join(", ");
  return `${a.name}${kind ? ` (${kind})` : ""} · backend: ${info.backend || "none"} · ` +
         `blocking reads (JSPI): ${info.jspi ? "yes" : "no — use await t.data()"} · Python ${info.python}`;
}

export function startPage() {
  const py = new WebgradClient();
  window.webgrad = py; // for tests and the console: await webgrad.run("...")
  if (!("gpu" in navigator)) {
    $("nogpu").hidden = false;
    $("nogpu").textContent = NO_WEBGPU_HELP;
  }
  py.on("status", (m) => { $("status").textContent = m.text; })
    .on("fatal", (m) => { $("status").textContent = "failed to start"; showError(m.text); })
    .on("stderr", (m) => console.warn(m.text))
    .on("nogpu", (m) => {
      $("nogpu").hidden = false;
      $("nogpu").textContent = NO_WEBGPU_HELP + "\n\nDetails: " + m.text;
    })
    .on("ready", (m) => {
      const info = m.info;
      $("status").textContent = "ready";
      $("adapter").textContent = describe(info);
      document.body.dataset.ready = "1";
      if (info.adapter && !info.backend) {
        showError("webgrad was built without its 'webgpu' backend (backends: " + info.backends.join(", ") + ")");
      }
    });
  window.addEventListener("unhandledrejection", (e) => showError(String(e.reason && e.reason.message || e.reason)));
  window.addEventListener("error", (e) => showError(e.message));
  return py;
}
