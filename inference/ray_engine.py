"""Score through Ray Data: the same `Scorer` in each of a pool of actors, fed batches by `map_batches`.

Ray joins the instance this process already started, else the cluster that `RAY_ADDRESS` names, else
starts one on this machine for the run; on a cluster the model folder must be readable at the same
path on every node. Each row travels with its index, so the order in which the actors finish does not
matter, and a row Ray gives back no result for gets an error.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import ray

from inference.readers import Row
from inference.scorer import Scored, Scorer

NO_RESULT = "Ray gave back no result for this row; run the command again to score it"
CPUS_PER_WORKER = 1  # what Ray Data reserves for an actor unless told otherwise

log = logging.getLogger(__name__)


class _ScoreBatch:
    """A Ray Data actor: loads the model once, scores each batch it is given."""

    def __init__(self, model: str | None, batch_size: int, explain: bool, max_chars: int):
        if not ray.get_gpu_ids():  # Ray leaves a node's GPUs visible to a worker that holds none
            os.environ["CUDA_VISIBLE_DEVICES"] = ""
        self.explain, self.problem = explain, ""
        try:
            self.scorer = Scorer(model, batch_size=batch_size, max_chars=max_chars)
        except (ValueError, OSError) as err:
            self.problem = f"{err} (on the node at {ray.util.get_node_ip_address()})"

    def __call__(self, batch: dict) -> dict:
        """Each row's result as JSON; or, where the model did not load, why, for the caller to raise
        (an error raised in an actor reaches the caller only as text inside Ray's own)."""
        count = len(batch["index"])
        if self.problem:
            results = [""] * count
        else:
            scored = self.scorer.score(list(batch["text"]), self.explain)
            results = [json.dumps(r.to_dict(), ensure_ascii=False) for r in scored]
        return {"index": batch["index"], "result": results, "problem": [self.problem] * count}


@contextmanager
def _ray_session() -> Iterator[bool]:
    """Join the Ray instance this process uses, else the one in RAY_ADDRESS, else start one for the
    run and stop it afterwards; yields whether it was started here (so no node can join it)."""
    if ray.is_initialized():
        yield False
        return
    address = os.environ.get("RAY_ADDRESS")
    ray.init(address=address or "local")
    try:
        yield not address
    finally:
        ray.shutdown()


def _check_room(workers: int, gpus_per_worker: float, started_here: bool) -> None:
    """Say so when the cluster cannot hold every worker at once (Ray runs those that fit): a note, or
    an error where none fits and no node can join (Ray would wait for ever)."""
    have = ray.cluster_resources()
    room = int(have.get("CPU", 0) // CPUS_PER_WORKER)
    if gpus_per_worker:
        room = min(room, int(have.get("GPU", 0) / gpus_per_worker + 1e-9))  # 0.3 / 0.1 is 2.999...
    if room >= workers:
        return
    problem = (
        f"Ray has {have.get('CPU', 0):g} CPUs and {have.get('GPU', 0):g} GPUs: {room} of the {workers} "
        f"workers fit at once (each holds {CPUS_PER_WORKER} CPU and {gpus_per_worker:g} GPU)"
    )
    if room == 0 and started_here:
        raise ValueError(f"{problem}; lower --gpus-per-worker, or name a cluster with GPUs in RAY_ADDRESS")
    log.warning("stance: note: %s; Ray runs those that fit (on a cluster, more as nodes join)", problem)


def score_rows(
    rows: list[Row],
    model: str | Path | None,
    batch_size: int,
    explain: bool,
    max_chars: int,
    workers: int = 1,
    gpus_per_worker: float = 0,
) -> Iterator[tuple[list[Row], list[Scored]]]:
    """(rows, results) batch by batch, as `workers` scorer actors (each holding `gpus_per_worker`
    GPUs) finish them; then every row without a result, with an error."""
    with _ray_session() as started_here:
        _check_room(workers, gpus_per_worker, started_here)
        dataset = ray.data.from_items([{"index": i, "text": row.text} for i, row in enumerate(rows)])
        scored = dataset.map_batches(
            _ScoreBatch,
            fn_constructor_args=(str(model) if model else None, batch_size, explain, max_chars),
            batch_size=batch_size,
            compute=ray.data.ActorPoolStrategy(size=workers),
            num_gpus=gpus_per_worker,
            batch_format="numpy",
        )
        scored.context.enable_progress_bars = False  # this run's only: the caller shows its own
        missing = set(range(len(rows)))
        for batch in scored.iter_batches(batch_size=batch_size, batch_format="numpy"):
            problems = [str(p) for p in batch["problem"] if p]
            if problems:
                raise ValueError(problems[0])
            indices = [int(i) for i in batch["index"]]
            missing.difference_update(indices)
            yield [rows[i] for i in indices], [Scored(**json.loads(r)) for r in batch["result"]]
    if missing:
        yield [rows[i] for i in sorted(missing)], [Scored(error=NO_RESULT) for _ in missing]
