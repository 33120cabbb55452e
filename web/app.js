// The demo page: start Python, train the digits classifier, draw loss, accuracy and graph.
import { $, startPage, showError } from "./page.js";
import { attachRepl } from "./repl.js";
import { LossChart } from "./chart.js";
import { escapeHtml } from "./client.js";

const py = startPage();
attachRepl(py);
const chart = new LossChart($("loss"));
const query = new URLSearchParams(location.search);
const epochs = parseInt(query.get("epochs") || "0", 10); // 0: the demo's default

let graphviz = null;
async function renderGraph(dot) {
  try {
    graphviz ||= import("./dist/graphviz/index.js").then((m) => m.Graphviz.load());
    $("graph").innerHTML = (await graphviz).dot(dot);
  } catch (e) {
    $("graph").innerHTML = `<pre>${escapeHtml(dot)}</pre>`;
    showError("could not draw the graph with graphviz: " + e.message);
  }
  document.body.dataset.graph = "1";
}

py.on("start", ({ payload: p }) => {
  chart.reset(p.steps);
  $("progress").max = p.steps;
  $("progress").value = 0;
  $("progress-text").textContent = `backend ${p.backend}: ${p.train} training / ${p.test} held-out images`;
}).on("step", ({ payload: p }) => {
  chart.add(p.loss);
  $("progress").value = p.step;
}).on("epoch", ({ payload: p }) => {
  $("progress-text").textContent =
    `epoch ${p.epoch}/${p.epochs} · loss ${p.loss.toFixed(4)} · held-out accuracy ${(100 * p.accuracy).toFixed(1)} %`;
}).on("graph", ({ payload: p }) => { document.body.dataset.graph = "pending"; renderGraph(p.dot); })
  .on("error", ({ payload: p }) => showError(p.text))
  .on("done", ({ payload: p }) => {
    $("accuracy").textContent = `${(100 * p.accuracy).toFixed(1)} %`;
    $("accuracy").dataset.value = p.accuracy;
    $("timing").textContent = `(${p.epochs} epochs in ${p.seconds.toFixed(1)} s)`;
    if (!document.body.dataset.graph) document.body.dataset.graph = "none"; // (the error is shown)
  });

async function train() {
  $("train-btn").disabled = true;
  $("accuracy").textContent = "training…";
  delete document.body.dataset.graph;
  try {
    await py.run(`import webgrad_demo\nawait webgrad_demo.main(${epochs > 0 ? `epochs=${epochs}` : ""})`);
    document.body.dataset.trained = "1";
  } catch (e) {
    $("accuracy").textContent = "failed";
    showError(e.message);
    document.body.dataset.trained = "error";
  } finally {
    $("train-btn").disabled = false;
  }
}

$("train-btn").addEventListener("click", train);
py.ready.then((info) => {
  if (info.backend && query.get("train") !== "0") train();
}, () => {});
