// The Python prompt panel: a textarea, Run (or Ctrl+Enter), output with stdout and tracebacks.
import { $ } from "./page.js";

export function attachRepl(py) {
  const code = $("code"), button = $("run"), out = $("output");
  const append = (text, cls) => {
    const span = document.createElement("span");
    if (cls) span.className = cls;
    span.textContent = text.endsWith("\n") ? text : text + "\n";
    out.appendChild(span);
    out.scrollTop = out.scrollHeight;
  };
  py.on("stdout", (m) => append(m.text));
  py.ready.then(() => { button.disabled = false; }, () => {});
  async function runIt() {
    const src = code.value;
    append(src.split("\n").map((l, i) => (i ? "... " : ">>> ") + l).join("\n"), "in");
    button.disabled = true;
    try {
      const r = await py.run(src);
      if (r.repr) append(r.repr);
    } catch (e) {
      append(e.message, "err");
    } finally {
      button.disabled = false;
    }
  }
  button.addEventListener("click", runIt);
  code.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); runIt(); }
  });
}
