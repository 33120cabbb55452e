"""Run a tools/*.mjs script under Node with the npm @tensorflow/tfjs that package.json lists.
A missing node or tfjs is a failure (tools/setup.sh installs both), never a skip."""
import json
import os
import shutil
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_node(script: str, *args) -> None:
    node = shutil.which("node")
    assert node, "node is required for the TensorFlow.js checks (tools/setup.sh installs nodejs)"
    assert os.path.isdir(os.path.join(ROOT, "node_modules", "@tensorflow", "tfjs")), \
        "@tensorflow/tfjs is missing: run `npm install` (tools/setup.sh does)"
    proc = subprocess.run([node, os.path.join(ROOT, "tools", script), *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]


def tfjs_reference(request: dict, tmp_path) -> dict:
    """Answers of tools/tfjs_reference.mjs for a request (see that script)."""
    req, out = tmp_path / "tfjs_request.json", tmp_path / "tfjs_answer.json"
    req.write_text(json.dumps(request))
    run_node("tfjs_reference.mjs", req, out)
    return json.loads(out.read_text())
