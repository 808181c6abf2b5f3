"""`stance score --engine ray --workers 2` on a real Ray cluster of three nodes on this machine: a head
without CPUs and two worker nodes of one CPU each, so that the two scorer actors run one per worker."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from inference.batch import partial_path
from inference.writers import read_records
from stancetrace.cli import main
from tests.conftest import PAIRS, write_jsonl

pytest.importorskip("ray")

RAY = str(Path(sys.executable).with_name("ray"))
STARTED = "Ray runtime started"
# For every process of the cluster and its driver: no token to share between them, no 30 s drain of a
# node that is told to stop.
ENV = {
    "RAY_AUTH_MODE": "disabled",
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0",
}


# The node of each scorer actor the cluster ran, and the nodes with CPUs, from Ray's actor table (its
# state API needs the full dashboard).
PLACEMENT = """
import json, ray, ray._private.state as state
ray.init()
actors = [a["Address"]["NodeID"] for a in state.actors().values() if "_ScoreBatch" in a["ActorClassName"]]
print(json.dumps([actors, [n["NodeID"] for n in ray.nodes() if n["Resources"].get("CPU")]]))
"""


_HANDED_OUT: set[int] = set()


def free_ports(count: int) -> list[int]:
    """`count` ports that nothing listens on now and that no earlier call handed out: once a probe
    socket closes, the system may offer its port again, and two Ray components must not share one."""
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            ports.append(port)
    return ports


def node_options(number: int) -> list[str]:
    """Ports of its own for node `number`, as several nodes share this machine."""
    names = ("node-manager", "object-manager", "metrics-export", "dashboard-agent-listen")
    names += ("dashboard-agent-grpc", "runtime-env-agent")
    ports = [f"--{name}-port={port}" for name, port in zip(names, free_ports(len(names)))]
    workers = 23000 + 200 * number  # below the ephemeral ports that free_ports hands out
    return ports + [f"--min-worker-port={workers}", f"--max-worker-port={workers + 199}"]


def start_node(options: list[str], log: Path, env: dict) -> subprocess.Popen:
    """`ray start --block` with `options`, once it says the node runs (it stops the node when
    terminated)."""
    with open(log, "w") as sink:
        node = subprocess.Popen(
            [RAY, "start", "--block", "--disable-usage-stats", "--object-store-memory=100000000", *options],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    deadline = time.monotonic() + 90
    while STARTED not in log.read_text() and node.poll() is None and time.monotonic() < deadline:
        time.sleep(0.5)
    if STARTED not in log.read_text():
        stop_node(node)
        pytest.fail(f"ray start {' '.join(options)} did not start:\n{log.read_text()[-3000:]}")
    return node


def stop_node(node: subprocess.Popen) -> None:
    """Terminate a node (its `ray start --block` stops the node's processes), or kill its group."""
    node.terminate()
    try:
        node.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(node.pid, signal.SIGKILL)
        node.wait()


@pytest.fixture(scope="module")
def ray_cluster_env():
    """A head (no CPUs) and two worker nodes of one CPU, in a temporary folder of their own; yields the
    environment of a driver that joins them."""
    temp = Path(tempfile.mkdtemp(prefix="ray-"))  # short: Ray's socket paths must stay short
    env = {**os.environ, **ENV}
    port, dashboard = free_ports(2)
    head = ["--head", f"--port={port}", f"--temp-dir={temp}", "--num-cpus=0", "--include-dashboard=false"]
    head.append(f"--dashboard-port={dashboard}")
    nodes = []
    try:
        nodes.append(start_node(head + node_options(0), temp / "head.log", env))
        for number in (1, 2):  # one at a time: nodes that join together race for their file names
            worker = [f"--address=127.0.0.1:{port}", "--num-cpus=1", *node_options(number)]
            nodes.append(start_node(worker, temp / f"worker{number}.log", env))
        yield {**env, "RAY_ADDRESS": f"127.0.0.1:{port}"}
    finally:
        for node in reversed(nodes):
            stop_node(node)
        shutil.rmtree(temp, ignore_errors=True)


def numbers(records: list[dict]) -> list[float]:
    """The score and probabilities of every scored record, in order."""
    return [x for r in records if r["error"] is None for x in (r["score"], *r["probs"].values())]


def test_two_workers_on_a_cluster_resume_and_give_the_local_results(
    tiny_stance_model, ray_cluster_env, tmp_path
):
    """The ray run takes over from an interrupted one (10 rows done) and scores the rest on two nodes."""
    texts = [text for _, zh, en in PAIRS for text in (zh, en)] + [" ".join([PAIRS[3][2]] * 40), "  "]
    source = write_jsonl(tmp_path / "docs.jsonl", [{"n": i, "text": t} for i, t in enumerate(texts * 2)])
    options = ["--model", str(tiny_stance_model[0]), "--batch-size", "2"]
    local_out, ray_out = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    assert main(["score", str(source), "--out", str(local_out), *options]) == 1  # the two empty texts
    write_jsonl(partial_path(ray_out), read_records(local_out)[:10])
    started = time.monotonic()
    distributed = subprocess.run(
        [sys.executable, "-m", "stancetrace.cli", "score", str(source), "--out", str(ray_out), *options]
        + ["--engine", "ray", "--workers", "2"],
        env=ray_cluster_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    print(f"ray run: {time.monotonic() - started:.1f} s\n{distributed.stderr[-3000:]}")
    assert distributed.returncode == 1, distributed.stderr[-3000:]
    assert "24 rows: 12 scored now, 10 kept from the earlier output, 2 failed" in distributed.stderr
    placement = subprocess.run(
        [sys.executable, "-c", PLACEMENT], env=ray_cluster_env, capture_output=True, text=True, timeout=60
    )
    actor_nodes, worker_nodes = json.loads(placement.stdout.splitlines()[-1])
    assert sorted(actor_nodes) == sorted(worker_nodes)  # one actor on each worker node
    local, ray_records = read_records(local_out), read_records(ray_out)
    assert len(ray_records) == len(local) == 2 * len(texts)
    fields = ("n", "source_row", "label", "level", "chunks", "lang", "error")
    assert [[r[f] for f in fields] for r in ray_records] == [[r[f] for f in fields] for r in local]
    assert numbers(ray_records) == pytest.approx(numbers(local), abs=1e-6)
