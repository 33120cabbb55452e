// A live loss curve on a canvas (redrawn at most once per animation frame).
export class LossChart {
  constructor(canvas) { this.canvas = canvas; this.values = []; this.total = 0; this.queued = false; }
  reset(total) { this.values = []; this.total = total || 0; this.draw(); }
  add(v) {
    this.values.push(v);
    if (!this.queued) { this.queued = true; requestAnimationFrame(() => { this.queued = false; this.draw(); }); }
  }
  draw() {
    const c = this.canvas, g = c.getContext("2d"), w = c.width, h = c.height, pad = 36;
    g.clearRect(0, 0, w, h);
    g.strokeStyle = "#999"; g.lineWidth = 1;
    g.beginPath(); g.moveTo(pad, 8); g.lineTo(pad, h - pad); g.lineTo(w - 8, h - pad); g.stroke();
    g.fillStyle = "#555"; g.font = "12px sans-serif";
    g.fillText("loss", pad + 6, 14); g.fillText("step", w - 40, h - 8);
    const v = this.values;
    if (!v.length) return;
    const n = Math.max(this.total, v.length), hi = Math.max(...v), lo = 0;
    const x = (i) => pad + (i / Math.max(1, n - 1)) * (w - pad - 10);
    const y = (val) => h - pad - ((val - lo) / (hi - lo || 1)) * (h - pad - 12);
    g.fillText(hi.toFixed(2), 2, y(hi) + 4); g.fillText("0", 22, h - pad);
    g.fillText(`${v.length}/${n}`, pad + 4, h - 12);
    g.strokeStyle = "#1f5fbf"; g.lineWidth = 1.5; g.beginPath();
    v.forEach((val, i) => (i ? g.lineTo(x(i), y(val)) : g.moveTo(x(i), y(val))));
    g.stroke();
    g.fillStyle = "#1f5fbf"; g.fillText(`last ${v[v.length - 1].toFixed(4)}`, w - 110, 16);
  }
}
