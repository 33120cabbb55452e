// The graph panel: the demo model's traced loss, forward and backward, one cluster per layer.
// Clicking a layer's frame, its collapsed node or its button collapses or expands it: the
// worker writes the DOT again (Graph.to_dot(collapse=[...]) on the graph it traced once)
// and @hpcc-js/wasm-graphviz lays it out here.
import { showError } from "./page.js";
import { escapeHtml } from "./client.js";

let graphviz = null;
async function layout(dot) {
  graphviz ||= import("./dist/graphviz/index.js").then((m) => m.Graphviz.load());
  return (await graphviz).dot(dot);
}

// "scope:dense", "scope-backward:dense/inner" -> "dense"
const layerOf = (id) => id.slice(id.indexOf(":") + 1).split("/")[0];

export class GraphView {
  constructor(py, el, controls) {
    this.py = py;
    this.el = el;
    this.controls = controls;
    this.collapsed = new Set();
    this.layers = [];
    this.busy = null;
    this.dirty = false;
    el.addEventListener("click", (e) => {
      const g = e.target.closest('g[id^="scope:"], g[id^="scope-backward:"]');
      if (g) this.toggle(layerOf(g.id));
    });
    controls.addEventListener("click", (e) => {
      const b = e.target.closest("button[data-layer]");
      if (b) this.toggle(b.dataset.layer);
    });
  }

  toggle(layer) {
    if (this.collapsed.has(layer)) this.collapsed.delete(layer);
    else this.collapsed.add(layer);
    return this.refresh();
  }

  // Ask the worker for the DOT with the current collapse list and draw it; clicks that come
  // while a drawing is under way are folded into one more drawing after it.
  refresh() {
    if (this.busy) {
      this.dirty = true;
      return this.busy;
    }
    this.busy = (async () => {
      do {
        this.dirty = false;
        const names = JSON.stringify([...this.collapsed]);
        const { value } = await this.py.run(`import webgrad_demo\nwebgrad_demo.graph_view(${names})`);
        await this.draw(value.dot, value.layers);
      } while (this.dirty);
    })().finally(() => { this.busy = null; });
    return this.busy;
  }

  async draw(dot, layers) {
    try {
      this.el.innerHTML = await layout(dot);
    } catch (e) {
      this.el.innerHTML = `<pre>${escapeHtml(dot)}</pre>`;
      showError("could not draw the graph with graphviz: " + e.message);
    }
    this.layers = layers;
    this.controls.textContent = layers.length
      ? "Layers (click one, or its frame in the graph, to collapse or expand it): " : "";
    for (const name of layers) {
      const b = document.createElement("button");
      const shut = this.collapsed.has(name);
      b.dataset.layer = name;
      b.setAttribute("aria-pressed", String(shut));
      b.textContent = `${shut ? "▸" : "▾"} ${name}`;
      b.title = shut ? "expand this layer" : "collapse this layer into one node";
      this.controls.append(b, " ");
    }
    this.el.dataset.collapsed = [...this.collapsed].join(",");
    this.el.dataset.renders = String(Number(this.el.dataset.renders || 0) + 1);
    document.body.dataset.graph = "1";
  }
}
