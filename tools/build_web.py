"""Lay out web/dist/ for the browser page: Pyodide, our wheel and a lock entry for it.

    python tools/build_web.py

web/dist/ (not committed) gets:
  pyodide/   the npm ``pyodide`` package's runtime files, our py3-none-any wheel and
             a pyodide-lock.json with a ``webgrad`` entry (sha256), so the page does
             ``pyodide.loadPackage("webgrad")`` and Pyodide checks the hash;
  graphviz/  ``@hpcc-js/wasm-graphviz`` (DOT -> SVG in the page);
  tfjs/      TensorFlow.js and its WebGPU backend (for tools/bench_browser.py).
Everything comes from node_modules/ (``npm install``, run by tools/setup.sh) and
this checkout; nothing is fetched from elsewhere.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
DIST = WEB / "dist"
NODE = ROOT / "node_modules"

_PYODIDE_FILES = ("pyodide.mjs", "pyodide.js", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
                  "pyodide.mjs.map", "pyodide.js.map", "package.json")
_OPTIONAL = {
    "graphviz": [("@hpcc-js/wasm-graphviz/dist", ("index.js",))],
    "tfjs": [("@tensorflow/tfjs/dist", ("tf.min.js",)),
             ("@tensorflow/tfjs-backend-webgpu/dist", ("tf-backend-webgpu.min.js",))],
}


def _ensure_node_modules() -> None:
    if (NODE / "pyodide" / "pyodide.mjs").exists():
        return
    if shutil.which("npm") is None:
        sys.exit("build_web: node_modules/pyodide is missing and npm is not installed; run `bash tools/setup.sh`")
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT, check=True)


def build_wheel(out: Path) -> Path:
    """Build the py3-none-any wheel of this checkout into `out`; return its path."""
    cmd = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(ROOT)]
    try:
        import hatchling  # noqa: F401
        cmd.insert(5, "--no-build-isolation")  # offline-friendly when the backend is installed
    except ImportError:
        pass
    subprocess.run(cmd, check=True)
    wheels = sorted(out.glob("webgrad-*-py3-none-any.whl"))
    if not wheels:
        sys.exit(f"build_web: no webgrad wheel produced in {out}")
    return wheels[-1]


def _lock_entry(wheel: Path, lock_info: dict) -> dict:
    """The pyodide-lock.json entry for our wheel (via the pyodide-lock package when present)."""
    try:
        from pyodide_lock.spec import InfoSpec
        from pyodide_lock.utils import package_spec_from_wheel

        info = InfoSpec(arch=lock_info["arch"], platform=lock_info["platform"], python=lock_info["python"],
                        version=lock_info.get("version", "0"))
        entry = package_spec_from_wheel(wheel, info).model_dump()
        entry["file_name"] = wheel.name
        entry.pop("shared_library", None)
    except ImportError:
        entry = {"name": "webgrad", "version": wheel.name.split("-")[1], "file_name": wheel.name,
                 "install_dir": "site", "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
                 "package_type": "package", "imports": ["webgrad"], "depends": [], "unvendored_tests": False}
    entry.setdefault("tool", {})
    return entry


def _copy(src: Path, dst: Path) -> None:
    if dst.exists() and dst.stat().st_size == src.stat().st_size and dst.stat().st_mtime >= src.stat().st_mtime:
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)


def build(quiet: bool = False) -> Path:
    """Build web/dist/ and return its path."""
    _ensure_node_modules()
    pyo = DIST / "pyodide"
    pyo.mkdir(parents=True, exist_ok=True)
    for name in _PYODIDE_FILES:
        src = NODE / "pyodide" / name
        if src.exists():
            _copy(src, pyo / name)
    for old in pyo.glob("webgrad-*.whl"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        wheel = build_wheel(Path(tmp))
        shutil.copy2(wheel, pyo / wheel.name)
    wheel = pyo / wheel.name
    lock = json.loads((NODE / "pyodide" / "pyodide-lock.json").read_text())
    entry = _lock_entry(wheel, lock["info"])
    lock["packages"]["webgrad"] = entry
    (pyo / "pyodide-lock.json").write_text(json.dumps(lock))
    for folder, sources in _OPTIONAL.items():
        for pkg_dir, names in sources:
            for name in names:
                src = NODE / pkg_dir / name
                if src.exists():
                    _copy(src, DIST / folder / name)
                elif not quiet:
                    print(f"build_web: {src.relative_to(ROOT)} missing (npm install?); {folder}/ incomplete")
    pyodide_version = json.loads((NODE / "pyodide" / "package.json").read_text())["version"]
    (DIST / "build.json").write_text(json.dumps(
        {"pyodide": pyodide_version, "wheel": wheel.name, "sha256": entry["sha256"]}, indent=1))
    if not quiet:
        print(f"build_web: {DIST.relative_to(ROOT)}/ ready: pyodide {pyodide_version}, {wheel.name} "
              f"(sha256 {entry['sha256'][:12]}...)")
    return DIST


if __name__ == "__main__":
    build()
