// Main-thread side: starts worker.js and talks to it.
//   const py = new WebgradClient();  await py.ready;  await py.run("1 + 1")
export class WebgradClient {
  constructor() {
    this.worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    this.pending = new Map();
    this.nextId = 1;
    this.listeners = {};
    this.ready = new Promise((resolve, reject) => { this._resolve = resolve; this._reject = reject; });
    this.worker.onmessage = (e) => this._message(e.data);
    this.worker.onerror = (e) => {
      const text = `the Python worker failed to start: ${e.message || "module load error"}`;
      this._emit("fatal", { text });
      this._reject(new Error(text));
    };
  }
  on(type, fn) { (this.listeners[type] ||= []).push(fn); return this; }
  _emit(type, msg) { for (const fn of this.listeners[type] || []) fn(msg); }
  _message(m) {
    if (m.type === "result") {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (p) (m.error !== undefined ? p.reject(Object.assign(new Error(m.error), { python: true })) : p.resolve(m));
      return;
    }
    if (m.type === "ready") this._resolve(m.info);
    if (m.type === "fatal") this._reject(new Error(m.text));
    this._emit(m.type, m);
  }
  // Run Python (top-level await allowed); resolves {value, repr}, rejects with the traceback.
  run(code) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type: "run", id, code });
    });
  }
}

export const NO_WEBGPU_HELP =
  "This page needs WebGPU. Use a recent Chrome or Edge (on Linux start Chromium with " +
  "--enable-unsafe-webgpu, or enable chrome://flags/#enable-unsafe-webgpu), Firefox 141+ or " +
  "Safari 26+, and open the page from 127.0.0.1/localhost or https (a secure context).";

export function escapeHtml(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}
