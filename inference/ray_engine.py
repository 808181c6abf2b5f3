"""Score through Ray Data: the same `Scorer`, one per actor, fed batches by `map_batches`.

Ray starts a local instance, or joins the cluster that `RAY_ADDRESS` (or `ray start`) names;
the model folder must then be readable at the same path on every node.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import ray

from inference.readers import Row
from inference.scorer import Scored, Scorer


class _ScoreBatch:
    """A Ray Data actor: loads the model once, scores each batch it is given."""

    def __init__(self, model: str | None, batch_size: int, explain: bool, max_chars: int):
        self.scorer, self.explain = Scorer(model, batch_size=batch_size, max_chars=max_chars), explain

    def __call__(self, batch: dict) -> dict:
        results = self.scorer.score(list(batch["text"]), self.explain)
        return {
            "index": batch["index"],
            "result": [json.dumps(r.to_dict(), ensure_ascii=False) for r in results],
        }


def score_rows(
    rows: list[Row], model: str | Path | None, batch_size: int, explain: bool, max_chars: int, actors: int = 1
) -> Iterator[tuple[list[Row], list[Scored]]]:
    """(rows, results) batch by batch, as Ray finishes them."""
    ray.init(ignore_reinit_error=True, log_to_driver=False)
    dataset = ray.data.from_items([{"index": i, "text": row.text} for i, row in enumerate(rows)])
    scored = dataset.map_batches(
        _ScoreBatch,
        fn_constructor_args=(str(model) if model else None, batch_size, explain, max_chars),
        batch_size=batch_size,
        concurrency=actors,
        batch_format="numpy",
    )
    for batch in scored.iter_batches(batch_size=batch_size, batch_format="numpy"):
        yield ([rows[int(i)] for i in batch["index"]], [Scored(**json.loads(r)) for r in batch["result"]])
