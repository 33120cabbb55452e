"""Build web/dist/ and serve web/ on 127.0.0.1, printing the page's address.

    python tools/serve_web.py [PORT]        # default 8765; 0 picks a free port
    python tools/serve_web.py --no-build 8765

Open the printed address in a browser with WebGPU (Chrome/Edge; Chromium on Linux
with --enable-unsafe-webgpu). index.html is the demo, repl.html the Python prompt.
"""
from __future__ import annotations

import argparse
import functools
import http.server
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_web  # noqa: E402

_TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm",
          ".json": "application/json", ".py": "text/plain; charset=utf-8", ".whl": "application/zip",
          ".zip": "application/zip", ".map": "application/json"}


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **_TYPES}

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, fmt, *args) -> None:  # quiet: errors only
        if args and str(args[1] if len(args) > 1 else "").startswith(("4", "5")):
            super().log_message(fmt, *args)


def serve(port: int = 0, directory: Path = build_web.WEB):
    """Start a threaded server for `directory` on 127.0.0.1; return (server, url)."""
    handler = functools.partial(_Handler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("port", nargs="?", type=int, default=8765)
    ap.add_argument("--no-build", action="store_true", help="serve web/ as it is")
    args = ap.parse_args(argv)
    if not args.no_build:
        build_web.build()
    server, url = serve(args.port)
    print(f"webgrad page: {url}  (REPL: {url}repl.html)  Ctrl-C stops", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()


if __name__ == "__main__":
    main()
