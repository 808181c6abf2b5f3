"""StanceTrace in the browser: paste statements and score them; follow the Shanghai trajectory.

    python app.py [--model DIR] [--db FILE] [--port 7860]      (or: stance app)

Every action is also an API endpoint for `gradio_client`: /score, /add_to_timeline,
/delete_statement, /trajectory, /import_scored, /correct, /load_queue, /label_item, /skip_item.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import os
import re
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
import pandas as pd  # noqa: E402

from corpus import load_all  # noqa: E402
from corpus.scale import LEVELS, display_name  # noqa: E402
from corpus.schema import JURISDICTIONS, LANGS, OBJECTS  # noqa: E402
from inference.paths import default_model_dir  # noqa: E402
from inference.readers import document_text  # noqa: E402
from inference.scorer import Scorer  # noqa: E402
from stancetrace import plots, render, timeline  # noqa: E402
from stancetrace.cli import whole_number  # noqa: E402
from stancetrace.importer import import_files, timeline_date  # noqa: E402
from stancetrace.labels import Label, LabelStore  # noqa: E402
from stancetrace.store import SHOWN, Statement, StoreError, TimelineStore, default_store_path  # noqa: E402
from stancetrace.suggest import read_queue  # noqa: E402
from stancetrace.trajectory import BASES, EVENT_DAYS, TARGETS, Selection  # noqa: E402
from stancetrace.trend import BANDWIDTH_DAYS  # noqa: E402

MAX_CHARS = 100_000
EXPLAIN_STEPS = 4  # integrated-gradient steps per statement: evidence in about a second on 2 cores
SCORE_CONCURRENCY = 4
# Local fonts only: the default theme would ask the browser for web fonts from another host.
THEME = gr.themes.Default(
    font=["ui-sans-serif", "system-ui", "Noto Sans CJK SC", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "monospace"],
)
SEED_CASE = "cn-sh-2025-sasac-stablecoin-study-p1"
SEED_TARGETS = ("crypto", "stablecoin", "cbdc")  # Shanghai's story: a crackdown, research, promotion
READING_GUIDE = (
    "**Reading the plot.** Each dot is a document; the line is its trend over calendar time (a kernel "
    "smoother) and the shaded band holds the trend in 90% of bootstrap resamples of the documents: "
    "where the band is wide, few documents carry the line. A dashed line is a change point in the "
    "scores; the shading around it is its 90% date interval and its confidence is the share of resamples "
    "that find it again (hover the triangle for the means before and after and the nearest documents). "
    "Dotted lines are policy events."
)
_BLANK_LINE = re.compile(r"\n\s*\n")
LEVEL_CHOICES = [display_name(level) for level in LEVELS]
NOT_ADDRESSED = "not addressed"
OBJECT_CHOICES = [NOT_ADDRESSED, *LEVEL_CHOICES]


def level_choice(choice: str | None, what: str = "the level") -> int:
    """The level of a choice such as "-1 restrict"; a gr.Error when none is chosen."""
    if choice not in LEVEL_CHOICES:
        raise gr.Error(f"Choose {what} (one of {', '.join(LEVEL_CHOICES)}).")
    return LEVELS[LEVEL_CHOICES.index(choice)]


def object_levels(choices: dict[str, str] | None) -> dict[str, int]:
    """{object: level} of the objects whose choice is a level, e.g. {"stablecoin": "+1 explore"}."""
    unknown = sorted(set(choices or {}) - set(OBJECTS))
    if unknown:
        raise gr.Error(f"Unknown object(s) {', '.join(unknown)}; the objects are {', '.join(OBJECTS)}.")
    return {obj: level_choice(c, obj) for obj, c in (choices or {}).items() if c and c != NOT_ADDRESSED}


def _timeline_date(text: str) -> dt.date:
    try:
        return timeline_date(text)
    except ValueError as err:
        raise gr.Error(f"Give the statement's date: {err}.") from None


def _optional_date(text: str, what: str) -> dt.date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise gr.Error(f"Give the {what} date as YYYY-MM-DD, or leave it empty (got {text!r}).") from None


def split_statements(text: str) -> list[str]:
    """Statements separated by blank lines."""
    return [part.strip() for part in _BLANK_LINE.split(text or "") if part.strip()]


def pasted_statements(text: str, one_document: bool = False) -> list[str]:
    """The pasted text as statements: split at blank lines, or whole as one document."""
    if not one_document:
        return split_statements(text)
    whole = (text or "").strip()
    return [whole] if whole else []


def example_statements() -> list[str]:
    """One corpus document statement of each level in each language, and the Shanghai seed case."""
    records = [r for r in load_all() if r["kind"] == "document"]
    picks = [next(r["text"] for r in records if r["id"] == f"{SEED_CASE}-zh")]
    for level in (-2, -1, 0, 1, 2):
        for lang in ("zh", "en"):
            picks.append(next(r["text"] for r in records if r["label"] == level and r["lang"] == lang))
    return picks


class StanceApp:
    """The app's actions over one scorer and one timeline store."""

    def __init__(
        self,
        model_dir: str | Path | None = None,
        store_path: str | Path | None = None,
        queue_file: str | Path | None = None,
    ):
        self.model_dir = Path(model_dir or default_model_dir())
        self.queue_file = queue_file  # a queue to open in the Label tab at start
        self.scorer = Scorer(self.model_dir, explain_steps=EXPLAIN_STEPS)
        self.store = TimelineStore(store_path or default_store_path())
        self.labels = LabelStore(self.store.path)  # corrections and labels live beside the timeline
        self.timeline = timeline.Timeline(self.scorer.score, self.model_dir, self.store)
        self._exports = tempfile.TemporaryDirectory(prefix="stancetrace-")  # removed with the app

    def score(
        self, text: str, upload: str | None = None, explain: bool = True, one_document: bool = False
    ) -> tuple[str, list[dict]]:
        """Score pasted statements (blank-line separated, or the whole text as one document when
        `one_document`) and an uploaded .txt/.pdf/.docx file."""
        statements = pasted_statements(text, one_document)
        if upload:
            try:
                statements.append(document_text(upload).strip())
            except ValueError as err:
                raise gr.Error(f"Cannot read the uploaded file: {err}") from None
        total = sum(len(s) for s in statements)
        if total > MAX_CHARS:
            raise gr.Error(
                f"The input has {total:,} characters; the limit is {MAX_CHARS:,}. Score long files with "
                "`stance score`."
            )
        if not statements:
            raise gr.Error("Paste a statement (or several, separated by blank lines) or upload a file.")
        results = self.scorer.score(statements, explain=explain)
        scored = [{"text": s, **r.to_dict()} for s, r in zip(statements, results) if not r.error]
        return render.cards(statements, results), scored

    def add_to_timeline(
        self, scored: list[dict], date: str, jurisdiction: str, issuer: str
    ) -> tuple[str, pd.DataFrame]:
        """Store the last scored statements with their date and jurisdiction. Only their texts are
        taken from the client: the label and score stored are the model's, computed here."""
        if not scored:
            raise gr.Error("Score a statement first.")
        if not isinstance(scored, list) or not all(
            isinstance(s, dict) and isinstance(s.get("text"), str) and s["text"].strip() for s in scored
        ):
            raise gr.Error("Each statement to add needs its text; score it first.")
        texts = [s["text"] for s in scored]
        if sum(len(t) for t in texts) > MAX_CHARS:
            raise gr.Error(f"The statements have more than {MAX_CHARS:,} characters.")
        day = _timeline_date(date)
        if jurisdiction not in JURISDICTIONS:
            raise gr.Error(f"Choose a jurisdiction (one of {', '.join(JURISDICTIONS)}).")
        results = self.scorer.score(texts)
        failed = next((r.error for r in results if r.error), None)
        if failed:
            raise gr.Error(f"Cannot score a statement to add: {failed}")
        try:
            ids = [
                self.store.add(
                    Statement(
                        date=day.isoformat(),
                        jurisdiction=jurisdiction,
                        text=text,
                        label=r.label,
                        score=r.score,
                        issuer=issuer,
                        targets={obj: t["score"] for obj, t in (r.targets or {}).items()},
                    )
                )
                for text, r in zip(texts, results)
            ]
        except StoreError as err:
            raise gr.Error(str(err)) from None
        return (
            f"Added {len(ids)} statement(s) to the timeline (ids {', '.join(map(str, ids))}).",
            self.stored_table(),
        )

    def delete_statement(self, statement_id) -> tuple[str, pd.DataFrame]:
        """Delete the stored statement with this id: a whole number >= 1, nothing else."""
        text = str(statement_id if statement_id is not None else "").strip()
        if not text.isdigit() or not 1 <= int(text) < 2**63:
            raise gr.Error(f"Give the id of a stored statement, a whole number such as 3 (got {text!r}).")
        try:
            deleted = self.store.delete(int(text))
        except StoreError as err:
            raise gr.Error(str(err)) from None
        if not deleted:
            raise gr.Error(f"No stored statement has id {text}.")
        return f"Deleted statement {text}.", self.stored_table()

    def stored_table(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.store.all(), columns=list(SHOWN))
        frame["text"] = frame["text"].str.slice(0, 80)
        return frame.round({"score": 3})

    def import_scored(self, upload: str | None):
        """Put an uploaded scored file (the output of `stance score`) on the timeline; the message, the
        stored statements, and the jurisdictions to choose from (with any new ones)."""
        if not upload:
            raise gr.Error("Upload a scored file (.jsonl, .csv or .parquet from `stance score`).")
        try:
            report = import_files(self.store, [upload])
        except (ValueError, OSError) as err:
            raise gr.Error(f"Cannot import the file: {err}") from None
        lines = [
            f"Imported {report.added} statement(s); {report.already} were already on the timeline; "
            f"{len(report.problems)} row(s) could not be imported."
        ]
        lines += [f"- {html.escape(p.replace(str(upload), Path(upload).name))}" for p in report.problems[:20]]
        return "\n".join(lines), self.stored_table(), gr.CheckboxGroup(choices=self.jurisdiction_choices())

    def trajectory(
        self,
        jurisdictions: list[str],
        targets: list[str],
        basis: str = "model",
        side_by_side: bool = False,
        show_events: bool = True,
        since: str = "",
        until: str = "",
        issuer: str = "",
        bandwidth: float = BANDWIDTH_DAYS,
    ):
        """The trajectory of the chosen series: the plot, a summary, the change points, the quarterly
        index and the points, and the same as files to download (CSV, PNG, SVG)."""
        try:
            selection = Selection(
                jurisdictions=tuple(jurisdictions or ["CN-SH"]),
                targets=tuple(targets or ["overall"]),
                since=_optional_date(since, "first"),
                until=_optional_date(until, "last"),
                issuer=issuer or "",
                basis=basis if basis in BASES else "model",
            )
        except ValueError as err:
            raise gr.Error(str(err)) from None
        shown = self.timeline.trajectory(selection, float(bandwidth or BANDWIDTH_DAYS))
        folder = Path(self._exports.name)  # each plot replaces the last one's files
        files = [
            timeline.points_table(folder / "stance-trajectory.csv", shown),
            timeline.changes_table(folder / "stance-change-points.csv", shown),
            timeline.quarterly_table(folder / "stance-quarterly.csv", shown),
            plots.static(shown, folder / "stance-trajectory.png", show_events, side_by_side),
            plots.static(shown, folder / "stance-trajectory.svg", show_events, side_by_side),
        ]
        near, changes = shown.near_events()
        summary = (
            f"**{len(shown.points)} points** in {shown.points.groupby(['jurisdiction', 'target']).ngroups} "
            f"series: {', '.join(selection.jurisdictions)} · {', '.join(selection.targets)} · scored by "
            f"the {selection.basis} · {selection.since or 'start'} to {selection.until or 'today'}"
            f"{f' · issuer contains “{selection.issuer}”' if selection.issuer.strip() else ''} · trend "
            f"over {float(bandwidth or BANDWIDTH_DAYS):.0f} days · events "
            f"{'shown' if show_events else 'hidden'}"
            f"{' · side by side' if side_by_side else ''}.\n\n**{changes} change point(s)**, {near} of them "
            f"within {EVENT_DAYS} days of an event."
        )
        points = shown.points.assign(
            date=shown.points["date"].dt.strftime("%Y-%m-%d"), text=shown.points["text"].str.slice(0, 80)
        )[timeline.POINTS_CSV]
        return (
            plots.figure(shown, show_events, side_by_side),
            summary,
            shown.changes,
            shown.quarterly,
            points,
            *[str(f) for f in files],
        )

    def correct(self, text: str, level: str, objects: dict[str, str] | None = None) -> str:
        """Store the researcher's level of a statement, and the levels toward the objects it addresses
        ({object: "+1 explore"}; an object left out is not addressed), with the model and its level."""
        if not isinstance(text, str) or not text.strip():
            raise gr.Error("Score a statement first.")
        chosen, targets = level_choice(level), object_levels(objects)
        result = self.scorer.score([text])[0]
        try:
            self.labels.add(
                Label(
                    text=text,
                    label=chosen,
                    source="correction",
                    targets=targets,
                    model=str(self.model_dir),
                    model_label=result.level,
                    lang=result.lang if result.lang in LANGS else None,
                )
            )
        except StoreError as err:
            raise gr.Error(str(err)) from None
        return (
            f"Saved: {display_name(chosen)} for “{render.shortened(text, 60)}” (the model said "
            f"{display_name(result.level) if result.level is not None else 'nothing'}). "
            f"{len(self.labels.latest())} statement(s) labelled; `stance labels export` writes them out."
        )

    def load_queue(self, upload: str | None):
        """Open a queue (from `stance suggest`) on its first statement not labelled yet."""
        if not upload:
            raise gr.Error("Upload a queue file (.jsonl from `stance suggest`).")
        try:
            items = read_queue(Path(upload))
        except (ValueError, OSError) as err:
            raise gr.Error(
                f"Cannot read the queue: {str(err).replace(str(upload), Path(upload).name)}"
            ) from None
        return items, *self._queue_view(items, 0)

    def label_item(self, items: list[dict], position: int, level: str, *objects: str):
        """Store the label of the queue's current statement and move to the next one not labelled."""
        if not items or not 0 <= position < len(items):
            raise gr.Error("Load a queue first, or the queue is done.")
        if level not in LEVEL_CHOICES:  # a warning, not an error: the level buttons stay usable
            gr.Warning("Choose the level of this statement first.")
            return position, *[gr.skip()] * (3 + len(OBJECTS))
        item = items[position]
        try:
            self.labels.add(
                Label(
                    text=item["text"],
                    label=level_choice(level),
                    source="queue",
                    targets=object_levels(dict(zip(OBJECTS, objects))),
                    model_label=item.get("model_label") if item.get("model_label") in LEVELS else None,
                    lang=item.get("lang") if item.get("lang") in LANGS else None,
                    date=str(item["date"])[:10] if item.get("date") else None,
                    jurisdiction=str(item["jurisdiction"]) if item.get("jurisdiction") else None,
                    item=str(item["id"]),
                )
            )
        except StoreError as err:
            raise gr.Error(str(err)) from None
        return self._queue_view(items, position + 1)

    def skip_item(self, items: list[dict], position: int):
        if not items:
            raise gr.Error("Load a queue first.")
        return self._queue_view(items, position + 1)

    def _queue_view(self, items: list[dict], start: int) -> tuple:
        """The queue at its first statement from `start` that has no label yet: the position, the
        progress line, the statement, and the level and objects' choices reset (the objects prefilled
        with the model's)."""
        labelled = self.labels.labelled_texts()
        is_open = [i["text"].strip() not in labelled for i in items]
        position = next((k for k in range(start, len(items)) if is_open[k]), len(items))
        done = len(items) - sum(is_open)
        if position >= len(items):
            progress = (
                f"**Queue done**: {done} of {len(items)} labelled. `stance labels export` writes them out."
            )
            return (
                position,
                progress,
                "",
                gr.Radio(value=None),
                *[gr.Dropdown(value=NOT_ADDRESSED)] * len(OBJECTS),
            )
        item = items[position]
        said = item.get("model_label")
        hint = f" · the model said {display_name(said)}" if said in LEVELS else ""
        if isinstance(item.get("uncertainty"), (int, float)):
            hint += f" (uncertainty {item['uncertainty']:.2f})"
        progress = f"**Statement {position + 1} of {len(items)}** · {done} labelled{hint}"
        model_targets = item.get("model_targets") if isinstance(item.get("model_targets"), dict) else {}
        objects = [
            gr.Dropdown(
                value=display_name(model_targets[o]) if model_targets.get(o) in LEVELS else NOT_ADDRESSED
            )
            for o in OBJECTS
        ]
        return position, progress, item["text"], gr.Radio(value=None), *objects

    def jurisdiction_choices(self) -> list[str]:
        """The corpus's jurisdictions, then any that only the store holds."""
        return list(dict.fromkeys([*JURISDICTIONS, *(s["jurisdiction"] for s in self.store.all())]))

    def launch(self, port: int, inbrowser: bool = False, prevent_thread_lock: bool = False) -> gr.Blocks:
        """Serve the app on 127.0.0.1:`port`; returns the running Blocks (close() stops it)."""
        blocks = self.build()
        blocks.launch(
            server_name="127.0.0.1",
            server_port=port,
            inbrowser=inbrowser,
            prevent_thread_lock=prevent_thread_lock,
            theme=THEME,
        )
        return blocks

    def build(self) -> gr.Blocks:
        # Uploads and downloads older than an hour are removed from Gradio's cache, hourly.
        with gr.Blocks(title="StanceTrace", delete_cache=(3600, 3600)) as blocks:
            gr.Markdown(
                "# StanceTrace\nWhere does a regulator stand on crypto and stablecoins, from **ban** "
                "(-1) to **embrace** (+1)?"
            )
            with gr.Tab("Score", id="score"):
                text = gr.Textbox(
                    label="Statements (Chinese or English; separate several by a blank line)",
                    info="A long notice or report with blank lines between its paragraphs: tick "
                    "'read the pasted text as one document' below to score it whole.",
                    lines=6,
                    elem_id="statement",
                )
                with gr.Row():
                    upload = gr.File(
                        label="or upload a .txt, .pdf or .docx",
                        file_types=[".txt", ".pdf", ".docx"],
                        type="filepath",
                    )
                    with gr.Column():
                        one_document = gr.Checkbox(
                            label="read the pasted text as one document (a notice, a report)",
                            value=False,
                            elem_id="one-document",
                        )
                        explain = gr.Checkbox(label="highlight the evidence words", value=True)
                score_button = gr.Button("Score", variant="primary", elem_id="score-button")
                result = gr.HTML(elem_id="result")
                with gr.Accordion("Results as JSON", open=False):
                    scored = gr.JSON(label="results")
                correct_message = gr.Markdown(elem_id="correct-message")

                @gr.render(inputs=[scored])
                def corrections(items):
                    """Under the cards, a "correct" control per scored statement, numbered as its card."""
                    for number, item in enumerate(items or [], start=1):
                        self._correct_control(number, item, correct_message)

                gr.Examples(
                    [[t] for t in example_statements()], inputs=[text], label="Examples from the corpus"
                )
                with gr.Row():
                    date = gr.Textbox(label="date (YYYY-MM-DD)", elem_id="date")
                    jurisdiction = gr.Dropdown(
                        list(JURISDICTIONS), value="CN-SH", label="jurisdiction", elem_id="jurisdiction"
                    )
                    issuer = gr.Textbox(label="issuer (optional)", elem_id="issuer")
                add_button = gr.Button("Add to timeline", elem_id="add-button")
                message = gr.Markdown(elem_id="message")
                stored = gr.Dataframe(
                    value=self.stored_table, label="Statements on your timeline", interactive=False
                )
                with gr.Row():
                    delete_id = gr.Textbox(label="id to delete", elem_id="delete-id")
                    delete_button = gr.Button("Delete")
            with gr.Tab("Label", id="label"):
                gr.Markdown(
                    "Label the statements of a queue from `stance suggest` (the ones the model is least "
                    "sure of), one at a time. Statements labelled before are passed over; `stance labels "
                    "export` writes the labels for `stance train --add`."
                )
                queue_upload = gr.File(
                    label="queue (.jsonl from `stance suggest`)",
                    file_types=[".jsonl"],
                    type="filepath",
                    elem_id="queue-upload",
                )
                load_button = gr.Button("Load queue", elem_id="load-queue")
                queue, position = gr.State([]), gr.State(0)
                progress = gr.Markdown(elem_id="queue-progress")
                item_text = gr.Textbox(label="statement", interactive=False, lines=5, elem_id="queue-text")
                item_level = gr.Radio(LEVEL_CHOICES, label="level", elem_id="queue-level")
                with gr.Row():
                    item_objects = [
                        gr.Dropdown(OBJECT_CHOICES, value=NOT_ADDRESSED, label=obj, elem_id=f"queue-{obj}")
                        for obj in OBJECTS
                    ]
                with gr.Row():
                    save_button = gr.Button("Save and next", variant="primary", elem_id="queue-save")
                    skip_button = gr.Button("Skip", elem_id="queue-skip")
            with gr.Tab("Trajectory", id="trajectory") as trajectory_tab:
                with gr.Row():
                    chosen = gr.CheckboxGroup(
                        self.jurisdiction_choices(),
                        value=["CN-SH"],
                        label="jurisdictions",
                        elem_id="jurisdictions",
                    )
                    targets = gr.CheckboxGroup(
                        list(TARGETS),
                        value=list(SEED_TARGETS),
                        label="stance on (overall, or per object)",
                        elem_id="targets",
                    )
                with gr.Row():
                    basis = gr.Radio(
                        list(BASES),
                        value="model",
                        label="corpus documents scored by",
                        info="the model, or the annotators' labels",
                        elem_id="basis",
                    )
                    side_by_side = gr.Checkbox(
                        label="side by side (one panel per jurisdiction, or per object)",
                        elem_id="side-by-side",
                    )
                    show_events = gr.Checkbox(label="show events", value=True, elem_id="show-events")
                with gr.Row():
                    since = gr.Textbox(label="from (YYYY-MM-DD)", elem_id="since")
                    until = gr.Textbox(label="to (YYYY-MM-DD)", elem_id="until")
                    issuer_filter = gr.Textbox(label="issuer contains", elem_id="issuer-filter")
                    bandwidth = gr.Slider(
                        30,
                        720,
                        value=BANDWIDTH_DAYS,
                        step=30,
                        label="trend smoothing (days)",
                        elem_id="bandwidth",
                    )
                plot = gr.Plot(elem_id="plot")
                summary = gr.Markdown(elem_id="trajectory-summary")
                gr.Markdown(READING_GUIDE)
                changes = gr.Dataframe(label="Change points", interactive=False, elem_id="changes")
                quarterly = gr.Dataframe(label="Quarterly index", interactive=False, elem_id="quarterly")
                points = gr.Dataframe(label="Plotted documents", interactive=False, elem_id="points")
                with gr.Row():
                    csv_file = gr.File(label="points (CSV)", elem_id="points-csv")
                    changes_file = gr.File(label="change points (CSV)", elem_id="changes-csv")
                    quarterly_file = gr.File(label="quarterly index (CSV)", elem_id="quarterly-csv")
                    png_file = gr.File(label="plot (PNG)", elem_id="plot-png")
                    svg_file = gr.File(label="plot (SVG)", elem_id="plot-svg")
                with gr.Accordion("Import your own collection", open=False):
                    scored_upload = gr.File(
                        label="a scored file from `stance score` (.jsonl, .csv or .parquet) with date and "
                        "jurisdiction columns",
                        file_types=[".jsonl", ".csv", ".parquet"],
                        type="filepath",
                        elem_id="scored-upload",
                    )
                    import_button = gr.Button("Import", elem_id="import-button")
                    import_message = gr.Markdown(elem_id="import-message")
            # Several scoring requests run at once, so a short one never waits for a long one to end.
            score_button.click(
                self.score,
                [text, upload, explain, one_document],
                [result, scored],
                api_name="score",
                concurrency_limit=SCORE_CONCURRENCY,
            )
            add_button.click(
                self.add_to_timeline,
                [scored, date, jurisdiction, issuer],
                [message, stored],
                api_name="add_to_timeline",
            )
            delete_button.click(
                self.delete_statement, [delete_id], [message, stored], api_name="delete_statement"
            )
            controls = [
                chosen,
                targets,
                basis,
                side_by_side,
                show_events,
                since,
                until,
                issuer_filter,
                bandwidth,
            ]
            outputs = [plot, summary, changes, quarterly, points, csv_file, changes_file, quarterly_file]
            outputs += [png_file, svg_file]
            trajectory_tab.select(self.trajectory, controls, outputs, api_name="trajectory")
            for control in (chosen, targets, basis, side_by_side, show_events):
                control.input(self.trajectory, controls, outputs, api_name=False, trigger_mode="always_last")
            for box in (since, until, issuer_filter):
                box.submit(self.trajectory, controls, outputs, api_name=False, trigger_mode="always_last")
            bandwidth.change(self.trajectory, controls, outputs, api_name=False, trigger_mode="always_last")
            import_button.click(
                self.import_scored,
                [scored_upload],
                [import_message, stored, chosen],
                api_name="import_scored",
            ).then(self.trajectory, controls, outputs, api_name=False)
            gr.api(self.correct, api_name="correct")
            view = [position, progress, item_text, item_level, *item_objects]
            load_button.click(self.load_queue, [queue_upload], [queue, *view], api_name="load_queue")
            save_button.click(
                self.label_item, [queue, position, item_level, *item_objects], view, api_name="label_item"
            )
            skip_button.click(self.skip_item, [queue, position], view, api_name="skip_item")
            if self.queue_file:
                blocks.load(
                    lambda: self.load_queue(str(self.queue_file)), None, [queue, *view], api_name=False
                )
        return blocks

    def _correct_control(self, number: int, item: dict, message: gr.Markdown) -> None:
        """Card `number`'s "correct" control: its level and objects' levels, set to the model's, and a
        button that stores them."""
        targets = item.get("targets") or {}
        with gr.Accordion(f"Correct #{number}: {render.shortened(item['text'], 60)}", open=False):
            with gr.Row():
                level = gr.Dropdown(
                    LEVEL_CHOICES,
                    value=display_name(item["level"]),
                    label="level",
                    interactive=True,
                    elem_id=f"correct-level-{number}",
                )
                objects = [
                    gr.Dropdown(
                        OBJECT_CHOICES,
                        value=display_name(targets[obj]["level"]) if obj in targets else NOT_ADDRESSED,
                        label=obj,
                        interactive=True,
                        elem_id=f"correct-{obj}-{number}",
                    )
                    for obj in OBJECTS
                ]
            save = gr.Button("Save correction", size="sm", elem_id=f"correct-save-{number}")
        save.click(
            lambda level, *objects, text=item["text"]: self.correct(text, level, dict(zip(OBJECTS, objects))),
            [level, *objects],
            [message],
            api_name=False,
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Start the StanceTrace app on 127.0.0.1.")
    parser.add_argument("--model", type=Path, help="model folder (default: the default model)")
    parser.add_argument(
        "--db", type=Path, help="timeline database (default: $STANCETRACE_DB or the user's data folder)"
    )
    parser.add_argument(
        "--port", type=whole_number(1, 65535), default=int(os.environ.get("GRADIO_SERVER_PORT", 7860))
    )
    parser.add_argument("--queue", type=Path, help="a queue from `stance suggest` to open in the Label tab")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser tab")
    args = parser.parse_args(argv)
    if args.queue:
        read_queue(args.queue)  # a broken queue is named now, not in the browser
    app = StanceApp(args.model, args.db, args.queue)
    app.timeline.corpus_points()  # scored once per model and cached, so the Trajectory tab opens fast
    app.launch(args.port, inbrowser=not args.no_browser)


if __name__ == "__main__":
    try:
        main()
    except (ValueError, OSError) as err:  # a damaged model, database or path: say which, no traceback
        sys.exit(f"stance app: error: {err}")
