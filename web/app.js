// The demo page: start Python, train the digits classifier, draw loss, accuracy and graph.
import { $, startPage, showError } from "./page.js";
import { attachRepl } from "./repl.js";
import { LossChart } from "./chart.js";
import { GraphView } from "./graphview.js";

const py = startPage();
attachRepl(py);
const chart = new LossChart($("loss"));
const query = new URLSearchParams(location.search);
const epochs = parseInt(query.get("epochs") || "0", 10); // 0: the demo's default

const graph = new GraphView(py, $("graph"), $("graph-layers"));

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
}).on("error", ({ payload: p }) => showError(p.text))
  .on("done", ({ payload: p }) => {
    $("accuracy").textContent = `${(100 * p.accuracy).toFixed(1)} %`;
    $("accuracy").dataset.value = p.accuracy;
    $("timing").textContent = `(${p.epochs} epochs in ${p.seconds.toFixed(1)} s)`;
    if (!document.body.dataset.graph) document.body.dataset.graph = "none"; // (the error is shown)
  });

async function train() {
  $("train-btn").disabled = true;
  $("accuracy").textContent = "training…";
  try {
    if (graph.busy) await graph.busy.catch(() => {}); // the trace and training share the engine
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
// Draw the model's graph first (tracing and training share the engine, so not at once), then train.
py.ready.then(async (info) => {
  if (!info.backend) return;
  try {
    await graph.refresh();
  } catch (e) {
    showError("drawing the graph failed:\n" + e.message);
    document.body.dataset.graph = "none";
  }
  if (query.get("train") !== "0") train();
  else $("train-btn").disabled = false;
}, () => {});
