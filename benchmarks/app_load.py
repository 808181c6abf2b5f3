"""The app under load: latency of /score with 8 concurrent clients, and of a short request while a
99,000-character request with evidence (the app's default) is being scored.

Starts the app on a free local port with the given model, then prints a table of p50 and p95 in
seconds. The bar: a short request stays under 2 s while the long one runs.

    .venv/bin/python benchmarks/app_load.py [--model DIR] [--requests 40]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from gradio_client import Client

from app import StanceApp
from corpus import load_all
from inference.paths import default_model_dir

CLIENTS = 8
LONG_CHARS = 99_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _timed(url: str, text: str, explain: bool) -> float:
    client = Client(url, verbose=False)
    started = time.perf_counter()
    client.predict(text, None, explain, api_name="/score")
    return time.perf_counter() - started


def _percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(default_model_dir()))
    parser.add_argument("--requests", type=int, default=40, help="short requests per measurement")
    args = parser.parse_args()

    texts = [r["text"] for r in load_all() if r["kind"] == "document"]
    short = texts[:50]
    long_text = "\n".join(texts)[:LONG_CHARS]
    with tempfile.TemporaryDirectory() as home:
        app = StanceApp(args.model, Path(home) / "timeline.sqlite")
        port = _free_port()
        blocks = app.launch(port, prevent_thread_lock=True)
        url = f"http://127.0.0.1:{port}/"
        try:
            _timed(url, short[0], True)  # warm up: model, ONNX session, tokenizer
            with ThreadPoolExecutor(CLIENTS) as pool:
                concurrent = list(
                    pool.map(lambda i: _timed(url, short[i % len(short)], True), range(args.requests))
                )
            long_done = []
            worker = threading.Thread(target=lambda: long_done.append(_timed(url, long_text, True)))
            worker.start()
            time.sleep(1.0)  # the long request is under way
            beside_long = []
            while worker.is_alive() and len(beside_long) < args.requests:
                beside_long.append(_timed(url, short[len(beside_long) % len(short)], True))
            worker.join()
        finally:
            blocks.close()

    print(f"model: {args.model}")
    print("| measurement | requests | p50 s | p95 s |")
    print("|---|---:|---:|---:|")
    p50, p95 = _percentiles(concurrent)
    print(
        f"| /score, {CLIENTS} concurrent clients, evidence on | {len(concurrent)} | {p50:.2f} | {p95:.2f} |"
    )
    p50, p95 = _percentiles(beside_long)
    name = f"short /score while a {LONG_CHARS:,}-character request runs"
    print(f"| {name} | {len(beside_long)} | {p50:.2f} | {p95:.2f} |")
    print(f"| the {LONG_CHARS:,}-character request itself, evidence on | 1 | {long_done[0]:.2f} | |")


if __name__ == "__main__":
    main()
