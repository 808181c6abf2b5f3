"""Batch scoring of files: resumable, nothing dropped, a summary of what failed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from inference.readers import Row, expand, read_rows
from inference.scorer import Scorer
from inference.writers import FORMATS, output_record, recover_records, write_records


@dataclass(frozen=True)
class Engine:
    """Where rows are scored: "local" (this process) or "ray" (`workers` scorer actors, each holding
    `gpus_per_worker` GPUs)."""

    name: str = "local"
    workers: int = 1
    gpus_per_worker: float = 0

    def __post_init__(self):
        if self.name not in ("local", "ray"):
            raise ValueError(f"engine must be local or ray, got {self.name!r}")
        if self.workers < 1 or self.gpus_per_worker < 0:
            raise ValueError(
                f"need workers >= 1 and GPUs per worker >= 0, got {self.workers} and {self.gpus_per_worker}"
            )
        if self.name == "local" and (self.workers != 1 or self.gpus_per_worker):
            raise ValueError(
                f"--workers {self.workers} and --gpus-per-worker {self.gpus_per_worker:g} need --engine ray: "
                "the local engine scores in this one process (on its GPU if it has one)"
            )


@dataclass(frozen=True)
class Summary:
    rows: int
    scored: int
    reused: int
    failed: int
    notes: tuple[str, ...] = ()  # what was recovered from damaged earlier outputs

    def __str__(self) -> str:
        return (
            f"{self.rows} rows: {self.scored} scored now, {self.reused} kept from the earlier output, "
            f"{self.failed} failed"
        )


def partial_path(out: Path) -> Path:
    """Where finished rows are appended while a run is under way."""
    return out.with_name(out.name + ".partial.jsonl")


def _key(record: dict) -> tuple[str, int]:
    return record["source_file"], int(record["source_row"])


def score_files(
    inputs: list[str],
    out: Path,
    model: str | Path | None = None,
    text_field: str = "text",
    batch_size: int = 16,
    explain: bool = False,
    engine: str = "local",
    max_chars: int = 500_000,
    workers: int = 1,
    gpus_per_worker: float = 0,
) -> Summary:
    """Score every row of `inputs` into `out`, reusing rows an interrupted or earlier run finished.
    The ray engine runs `workers` scorer actors, each holding `gpus_per_worker` GPUs."""
    runner = Engine(engine, workers, gpus_per_worker)  # checked before any work
    out = Path(out)
    if out.suffix.lower() not in FORMATS:
        raise ValueError(f"{out}: output must end in {', '.join(FORMATS)}")
    if not out.parent.is_dir():
        raise FileNotFoundError(f"{out}: the folder {out.parent} does not exist")
    partial = partial_path(out)
    _refuse_inputs_as_output(inputs, out, partial)
    earlier, notes = recover_records(out) if out.exists() else ([], [])
    if partial.exists():  # ours: a line cut short by an interruption is dropped without a copy
        found, more = recover_records(partial, keep_damaged=False)
        earlier, notes = earlier + found, notes + more
    done = {_key(r): r for r in earlier if r.get("error") is None and r.get("label") is not None}
    rows = list(read_rows(inputs, text_field))
    reused = sum(r.key in done for r in rows)
    todo = [r for r in rows if r.error is None and r.key not in done]
    if todo:
        done.update(_score(todo, model, batch_size, explain, runner, partial, max_chars))
    seen = {r.key for r in rows}
    records = [done.get(r.key) or output_record(r, None) for r in rows]
    records += [r for key, r in done.items() if key not in seen]  # earlier rows of other inputs stay
    write_records(out, records)
    partial.unlink(missing_ok=True)
    failed = sum(r.get("error") is not None for r in records[: len(rows)])
    return Summary(
        rows=len(rows), scored=len(rows) - reused - failed, reused=reused, failed=failed, notes=tuple(notes)
    )


def _refuse_inputs_as_output(inputs: list[str], out: Path, partial: Path) -> None:
    ours = {out.resolve(), partial.resolve()}
    for name in expand(inputs):
        if name != "-" and Path(name).resolve() in ours:
            raise ValueError(f"{name} is also an input: write the scores to another --out")


def _score(
    todo: list[Row], model, batch_size: int, explain: bool, runner: Engine, partial: Path, max_chars: int
) -> dict:
    """Score `todo`, appending each finished batch to `partial` so that an interruption loses little.
    The progress bar counts windows (with the local engine), so a long document shows its progress."""
    if runner.name == "ray":
        from inference.ray_engine import score_rows

        batches = score_rows(
            todo, model, batch_size, explain, max_chars, runner.workers, runner.gpus_per_worker
        )
        total, unit = len(todo), "doc"
    else:
        scorer = Scorer(model, batch_size=batch_size, max_chars=max_chars)
        batches = (
            (chunk, scorer.score([r.text for r in chunk], explain))
            for chunk in (todo[i : i + batch_size] for i in range(0, len(todo), batch_size))
        )
        total, unit = sum(scorer.count_windows(r.text) for r in todo), "window"
    finished = {}
    with (
        open(partial, "a", encoding="utf-8") as sink,
        tqdm(total=total, desc="scoring", unit=unit) as bar,
    ):
        for chunk, results in batches:
            for row, result in zip(chunk, results):
                if result.error:
                    result.error = f"{row.source}:{row.row}: {result.error}"
                record = output_record(row, result)
                finished[row.key] = record
                sink.write(json.dumps(record, ensure_ascii=False) + "\n")
            sink.flush()
            bar.update(len(chunk) if unit == "doc" else sum(max(r.chunks, 1) for r in results))
    return finished
