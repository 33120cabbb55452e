"""BENCH.md W1-W4 in headless Chromium: webgrad under Pyodide (the page's worker) and
TensorFlow.js 4.22 (webgpu backend; webgl too unless --no-webgl) on the same page and
adapter. Prints one table with webgrad/tfjs ratios and writes artifacts/bench_browser.json.

    python tools/bench_browser.py            # BENCH.md's sizes and repetitions
    python tools/bench_browser.py --quick    # N=256,512 and fewer W4 steps (a few minutes)

It is a benchmark, not a test. W4 checks its first loss (2.506832) so a wrong result
cannot pass as a fast one.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests" / "browser"))

W4_FIRST_LOSS = 2.506832


def _launch(url: str):
    from conftest import CHROMIUM_FLAGS, chromium_path
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS)
    page = browser.new_page()
    page.set_default_timeout(3_600_000)
    page.goto(url)
    page.wait_for_function("() => document.body.dataset.ready === '1' || !document.getElementById('errors').hidden",
                           timeout=300_000)
    errors = page.eval_on_selector("#errors", "el => el.hidden ? '' : el.textContent")
    if errors:
        sys.exit(f"bench_browser: the page failed to start:\n{errors}")
    return pw, browser, page


def _cell(r: dict | None) -> str:
    if not r:
        return "—"
    if "error" in r:
        return "error"
    s = f"{r['value']:.4g}"
    if "gflops" in r:
        s += f" ({r['gflops']:.3g} GF/s)"
    return s


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description="W1-W4 in the browser: webgrad vs TensorFlow.js")
    ap.add_argument("--quick", action="store_true", help="N=256,512 for W1, 10 W4 steps")
    ap.add_argument("--only", default="W1,W2,W3,W4", help="comma-separated workloads")
    ap.add_argument("--no-webgl", action="store_true", help="skip tfjs's webgl backend")
    ap.add_argument("--out", default=str(ROOT / "artifacts" / "bench_browser.json"))
    args = ap.parse_args(argv)
    import build_web
    import serve_web

    build_web.build(quiet=True)
    server, url = serve_web.serve(0)
    w1 = [[256, 7], [512, 5]] if args.quick else [[256, 7], [512, 5], [1024, 3]]
    spec = {"w1": w1, "w4_steps": 10 if args.quick else 30, "only": args.only.split(",")}
    pw, browser, page = _launch(url + "bench.html")
    try:
        info = page.evaluate("() => webgrad.ready")
        code = (ROOT / "web" / "bench_wg.py").read_text()
        code += f"\nimport json\njson.dumps(await run({json.dumps(spec)}))\n"
        results = {"adapter": info.get("adapter"), "spec": spec}
        print(f"adapter: {info.get('adapter', {}).get('name')}; running webgrad…", flush=True)
        results["webgrad"] = json.loads(page.evaluate("code => webgrad.run(code).then(r => r.value)", code))
        peers = ["webgpu"] + ([] if args.no_webgl else ["webgl"])
        for backend in peers:
            print(f"running tfjs {backend}…", flush=True)
            results[f"tfjs-{backend}"] = page.evaluate("spec => tfjsBench(spec)", dict(spec, backend=backend))
    finally:
        browser.close()
        pw.stop()
        server.shutdown()
    _print_table(results, ["webgrad"] + [f"tfjs-{b}" for b in peers])
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(f"wrote {out}")
    return results


def _print_table(results: dict, columns: list[str]) -> None:
    rows = [k for k in results["webgrad"] if k.startswith("W")]
    head = ["workload", "unit"] + columns + [f"webgrad/{c}" for c in columns[1:]]
    lines = [head]
    for row in rows:
        wgr = results["webgrad"].get(row, {})
        unit = next((results[c].get(row, {}).get("unit") for c in columns if results[c].get(row, {}).get("unit")), "")
        cells = [row, unit] + [_cell(results[c].get(row)) for c in columns]
        for c in columns[1:]:
            peer = results[c].get(row, {})
            ok = "value" in wgr and "value" in peer and peer["value"] > 0
            cells.append(f"{wgr['value'] / peer['value']:.2f}" if ok else "—")
        lines.append(cells)
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(head))]
    for i, line in enumerate(lines):
        print(" | ".join(str(c).ljust(w) for c, w in zip(line, widths)))
        if i == 0:
            print("-+-".join("-" * w for w in widths))
    for c in columns:
        r = results[c].get("W4", {})
        if "first_loss" in r:
            flag = "ok" if abs(r["first_loss"] - W4_FIRST_LOSS) < 1e-4 else "WRONG"
            print(f"{c}: W4 first loss {r['first_loss']:.6f} ({flag}, expected {W4_FIRST_LOSS})")
        for row, v in results[c].items():
            if isinstance(v, dict) and "error" in v:
                print(f"{c}: {row} failed: {v['error'][:300]}")
    print("(ratios < 1: webgrad faster)")


if __name__ == "__main__":
    main()
