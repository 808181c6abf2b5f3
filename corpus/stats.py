"""Counts of the corpus by label, language, jurisdiction, year and split, agreement, and coverage."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from corpus.agreement import ordinal_alpha
from corpus.schema import LABEL_NAMES, LEVELS, SPLITS


@dataclass(frozen=True)
class Bar:
    """One coverage requirement: a measured figure against the minimum it must reach."""

    name: str
    value: float
    minimum: float

    @property
    def met(self) -> bool:
        return self.value >= self.minimum


def frame(records: list[dict], splits: dict[str, str]) -> pd.DataFrame:
    """The records as a table, with `split`, `level` name and `year` columns added."""
    df = pd.DataFrame.from_records(records)
    df["split"] = df["id"].map(splits).fillna("(none)")
    df["level"] = pd.Categorical(
        df["label"].map(lambda v: f"{v:+d} {LABEL_NAMES[v]}"),
        categories=[f"{v:+d} {LABEL_NAMES[v]}" for v in LEVELS],
    )
    df["year"] = df["date"].str[:4].fillna("undated")
    return df


def shanghai_documents(df: pd.DataFrame) -> pd.DataFrame:
    """Dated Shanghai document entries."""
    return df[(df["jurisdiction"] == "CN-SH") & (df["kind"] == "document") & df["date"].notna()]


def distinct_documents(df: pd.DataFrame) -> int:
    """Real documents rendered: distinct (source, title, date) triples."""
    return len(df[["source", "title", "date"]].drop_duplicates())


def coverage(df: pd.DataFrame) -> list[Bar]:
    """The size and coverage bars the corpus must meet."""
    docs = df[df["kind"] == "document"]
    shanghai = shanghai_documents(df)
    doc_years = docs["year"][docs["year"] != "undated"].astype(int)
    label_counts = df["label"].value_counts()
    return [
        Bar("statements", len(df), 800),
        Bar("Chinese statements", (df["lang"] == "zh").sum(), 350),
        Bar("English statements", (df["lang"] == "en").sum(), 350),
        *[Bar(f"label {v:+d} {LABEL_NAMES[v]}", label_counts.get(v, 0), 100) for v in LEVELS],
        Bar("document entries", len(docs), 300),
        Bar("document jurisdictions", docs["jurisdiction"].nunique(), 8),
        Bar("document years covered of 2013-2025", doc_years[doc_years.between(2013, 2025)].nunique(), 13),
        Bar("dated Shanghai document entries", len(shanghai), 40),
        Bar("distinct Shanghai documents", distinct_documents(shanghai), 20),
        Bar("mainland China national entries", (docs["jurisdiction"] == "CN").sum(), 25),
        Bar("Hong Kong entries", (docs["jurisdiction"] == "HK").sum(), 25),
        Bar("test split statements", (df["split"] == "test").sum(), 150),
    ]


def agreement(df: pd.DataFrame) -> pd.DataFrame:
    """Krippendorff's alpha (ordinal) and raw agreement of the two annotations, overall and per language."""
    rows = {}
    for name, part in [("all", df), *[(lang, df[df["lang"] == lang]) for lang in ("zh", "en")]]:
        labelled = part.dropna(subset=["label_a", "label_b"])
        rows[name] = {
            "statements": len(labelled),
            "alpha (ordinal)": round(ordinal_alpha(labelled["label_a"].tolist(), labelled["label_b"].tolist()), 3),
            "exact agreement": round((labelled["label_a"] == labelled["label_b"]).mean(), 3),
            "disagreements": int((labelled["label_a"] != labelled["label_b"]).sum()),
        }
    return pd.DataFrame(rows).T


def report(df: pd.DataFrame) -> str:
    """The counts tables as plain text."""
    docs = df[df["kind"] == "document"]
    sections = [
        ("Statements by label and language", pd.crosstab(df["level"], df["lang"], margins=True, margins_name="total", dropna=False)),
        ("Statements by jurisdiction and kind", pd.crosstab(df["jurisdiction"], df["kind"], margins=True, margins_name="total")),
        ("Document entries by year and jurisdiction", pd.crosstab(docs["year"], docs["jurisdiction"], margins=True, margins_name="total")),
        ("Statements by label and split", pd.crosstab(df["level"], pd.Categorical(df["split"], categories=SPLITS), margins=True, margins_name="total", dropna=False)),
        ("Annotator agreement", agreement(df)),
    ]
    shanghai = shanghai_documents(df)
    lines = []
    for title, table in sections:
        lines += [title, "-" * len(title), table.to_string(), ""]
    lines += [
        "Shanghai documents",
        "------------------",
        f"{len(shanghai)} dated entries rendering {distinct_documents(shanghai)} distinct documents, "
        f"{shanghai['date'].min()} .. {shanghai['date'].max()}",
        "",
        "Coverage",
        "--------",
        *[f"[{'x' if bar.met else ' '}] {bar.name}: {bar.value:g} (at least {bar.minimum:g})" for bar in coverage(df)],
    ]
    return "\n".join(lines)
