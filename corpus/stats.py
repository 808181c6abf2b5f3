"""Counts of the corpus by label, language, script, register, object, jurisdiction, year and split;
agreement of the two annotations; and the coverage bars the corpus must meet."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from corpus.agreement import object_agreement, ordinal_alpha
from corpus.scale import LABEL_NAMES, LEVELS
from corpus.schema import OBJECTS, SPLITS
from corpus.sentences import sentence_count

# The "long" statements: 4-8 sentences, the way a notice or an article reads.
LONG_SENTENCES = (4, 8)


@dataclass(frozen=True)
class Bar:
    """One coverage requirement: a measured figure against the minimum it must reach."""

    name: str
    value: float
    minimum: float

    @property
    def met(self) -> bool:
        return self.value >= self.minimum


def frame(records: list[dict], splits: dict[str, dict[str, str]]) -> pd.DataFrame:
    """The records as a table, with a `split_SCHEME` column per split scheme in `splits`, and `level`
    name, `year`, `sentences` and `long` columns added."""
    df = pd.DataFrame.from_records(records)
    for scheme, assignment in splits.items():
        df[f"split_{scheme}"] = df["id"].map(assignment).fillna("(none)")
    df["level"] = pd.Categorical(df["label"].map(_level_name), categories=[_level_name(v) for v in LEVELS])
    df["year"] = df["date"].str[:4].fillna("undated")
    df["sentences"] = df["text"].map(sentence_count)
    df["long"] = df["sentences"].between(*LONG_SENTENCES)
    return df


def _level_name(level: int) -> str:
    return f"{level:+d} {LABEL_NAMES[level]}"


def shanghai_documents(df: pd.DataFrame) -> pd.DataFrame:
    """Dated Shanghai document entries."""
    return df[(df["jurisdiction"] == "CN-SH") & (df["kind"] == "document") & df["date"].notna()]


def distinct_documents(df: pd.DataFrame) -> int:
    """Real documents rendered: distinct `doc_id`s."""
    return df["doc_id"].dropna().nunique()


def addressing(df: pd.DataFrame, name: str) -> pd.Series:
    """Whether each statement's adjudicated targets address object `name`."""
    return df["targets"].map(lambda targets: name in targets)


# Jurisdictions that corpus v2 added, each of which must have real documents of its own.
V2_JURISDICTIONS = ("TW", "MO", "IN", "AU", "CA", "CH")
# Every year from the ICO ban to the stablecoin study: at least 4 Shanghai documents.
SHANGHAI_YEARS = range(2017, 2026)
# The Shanghai authorities whose documents the corpus must hold, matched on the issuer.
SHANGHAI_ISSUERS = {
    "municipal government or congress": r"Shanghai Municipal People's (?:Government|Congress)",
    "PBoC Shanghai Head Office or financial regulators": (
        r"People's Bank of China Shanghai|Shanghai Municipal Financial|Financial Stability"
    ),
    "SASAC": r"State-owned Assets",
    "Pudong": r"Pudong",
    "Lingang": r"Lingang",
    "Xuhui": r"Xuhui",
    "Shanghai Data Exchange": r"Shanghai Data Exchange",
    "courts and procuratorates": r"Court|Procuratorate",
}


def coverage(df: pd.DataFrame) -> list[Bar]:
    """The size and coverage bars the shipped corpus must meet."""
    docs = df[df["kind"] == "document"]
    shanghai = shanghai_documents(df)
    shanghai_years = shanghai.drop_duplicates("doc_id")["year"].value_counts()
    doc_years = docs["year"][docs["year"] != "undated"].astype(int)
    label_counts = df["label"].value_counts()
    return [
        Bar("statements", len(df), 2400),
        Bar("Chinese statements", (df["lang"] == "zh").sum(), 1100),
        Bar("English statements", (df["lang"] == "en").sum(), 1100),
        *[Bar(f"label {_level_name(v)}", label_counts.get(v, 0), 300) for v in LEVELS],
        Bar("distinct real documents", distinct_documents(docs), 350),
        Bar("document jurisdictions", docs["jurisdiction"].nunique(), 14),
        *[
            Bar(f"documents from {code}", distinct_documents(docs[docs["jurisdiction"] == code]), 1)
            for code in V2_JURISDICTIONS
        ],
        Bar("document years covered of 2013-2025", doc_years[doc_years.between(2013, 2025)].nunique(), 13),
        Bar("news statements", (df["register"] == "news").sum(), 500),
        Bar("speech or qa statements", df["register"].isin(["speech", "qa"]).sum(), 150),
        Bar("Traditional Chinese statements", (df["script"] == "hant").sum(), 400),
        Bar(f"long statements ({LONG_SENTENCES[0]}-{LONG_SENTENCES[1]} sentences)", df["long"].sum(), 400),
        *[Bar(f"statements addressing {name}", addressing(df, name).sum(), 100) for name in OBJECTS],
        Bar("distinct Shanghai documents", distinct_documents(shanghai), 70),
        *[
            Bar(f"Shanghai documents of {year}", shanghai_years.get(str(year), 0), 4)
            for year in SHANGHAI_YEARS
        ],
        *[
            Bar(
                f"Shanghai documents by {name}",
                distinct_documents(shanghai[shanghai["issuer"].str.contains(pattern)]),
                1,
            )
            for name, pattern in SHANGHAI_ISSUERS.items()
        ],
        Bar("mainland China national entries", (docs["jurisdiction"] == "CN").sum(), 25),
        Bar("Hong Kong entries", (docs["jurisdiction"] == "HK").sum(), 25),
        Bar(
            "test split statements",
            (df.get("split_stratified", pd.Series(dtype=object)) == "test").sum(),
            300,
        ),
    ]


def agreement(df: pd.DataFrame) -> pd.DataFrame:
    """Krippendorff's alpha (ordinal) and raw agreement of the two labels, overall and per language,
    script and register."""
    rows = {}
    parts = [("all", df)]
    for column in ("lang", "script", "register"):
        parts += [(f"{column} {value}", df[df[column] == value]) for value in sorted(df[column].unique())]
    for name, part in parts:
        labelled = part.dropna(subset=["label_a", "label_b"])
        rows[name] = {
            "statements": len(labelled),
            "alpha (ordinal)": round(
                ordinal_alpha(labelled["label_a"].tolist(), labelled["label_b"].tolist()), 3
            ),
            "exact agreement": round((labelled["label_a"] == labelled["label_b"]).mean(), 3),
            "disagreements": int((labelled["label_a"] != labelled["label_b"]).sum()),
        }
    return pd.DataFrame(rows).T.astype({"statements": int, "disagreements": int})


def target_agreement(df: pd.DataFrame) -> pd.DataFrame:
    """Per object: who says it is addressed, detection kappa, and the level alpha where both do."""
    both = df[df["targets_b"].notna()]  # the second annotation of targets may be pending
    table = (
        pd.DataFrame(object_agreement(both["targets_a"].tolist(), both["targets_b"].tolist()))
        .T.astype(float)
        .round(3)
    )
    counts = ["addressed_a", "addressed_b", "addressed_both"]
    return table.astype(dict.fromkeys(counts, int))


# Aims rather than bars: agreement on each object's level.
OBJECT_ALPHA_AIM = 0.80


def target_counts(df: pd.DataFrame) -> pd.DataFrame:
    """Statements addressing each object, by the adjudicated level toward it."""
    rows = {
        name: df["targets"]
        .map(lambda t, n=name: t.get(n))
        .dropna()
        .astype(int)
        .map(_level_name)
        .value_counts()
        for name in OBJECTS
    }
    table = pd.DataFrame(rows).T.reindex(columns=[_level_name(v) for v in LEVELS]).fillna(0).astype(int)
    table["total"] = table.sum(axis=1)
    return table


def _table(title: str, table: pd.DataFrame) -> list[str]:
    return [title, "-" * len(title), table.to_string(), ""]


def _crosstab(rows: pd.Series, columns: pd.Series) -> pd.DataFrame:
    return pd.crosstab(rows, columns, margins=True, margins_name="total", dropna=False)


def report(df: pd.DataFrame) -> str:
    """The counts tables as plain text."""
    docs = df[df["kind"] == "document"]
    documents = docs.drop_duplicates("doc_id")  # one row per real document
    splits = [c for c in df.columns if c.startswith("split_")]
    lines = [
        *_table("Statements by label and language", _crosstab(df["level"], df["lang"])),
        *_table("Statements by register and script", _crosstab(df["register"], df["script"])),
        *_table("Statements by label and register", _crosstab(df["level"], df["register"])),
        *_table(
            "Statements by length (sentences)",
            df["sentences"]
            .clip(upper=9)
            .value_counts()
            .sort_index()
            .rename(index={9: "9+"})
            .to_frame("statements"),
        ),
        *_table("Statements by object and level toward it (adjudicated targets)", target_counts(df)),
        *_table(
            "Statements and distinct documents by jurisdiction",
            pd.DataFrame(
                {
                    "statements": df["jurisdiction"].value_counts(),
                    "document statements": docs["jurisdiction"].value_counts(),
                    "distinct documents": docs.groupby("jurisdiction")["doc_id"].nunique(),
                }
            )
            .fillna(0)
            .astype(int),
        ),
        *_table(
            "Distinct documents by year and jurisdiction",
            pd.crosstab(documents["year"], documents["jurisdiction"], margins=True, margins_name="total"),
        ),
    ]
    for column in splits:
        scheme = column.removeprefix("split_")
        lines += _table(
            f"Statements by label and split ({scheme})",
            _crosstab(
                df["level"],
                pd.Series(pd.Categorical(df[column], categories=SPLITS), index=df.index, name="split"),
            ),
        )
    lines += [
        *_table("Annotator agreement on the overall label", agreement(df)),
        *_table(
            "Annotator agreement on targets (level alpha where both address the object)", target_agreement(df)
        ),
    ]
    shanghai = shanghai_documents(df)
    shanghai_docs = shanghai.drop_duplicates("doc_id")
    lines += [
        "Shanghai documents",
        "------------------",
        f"{len(shanghai)} dated entries rendering {distinct_documents(shanghai)} distinct documents, "
        f"{shanghai['date'].min()} .. {shanghai['date'].max()}; by year: "
        + ", ".join(f"{year}: {n}" for year, n in sorted(shanghai_docs["year"].value_counts().items())),
        f"issuers: {shanghai_docs['issuer'].nunique()}",
        "",
        "Coverage",
        "--------",
        *[
            f"[{'x' if bar.met else ' '}] {bar.name}: {bar.value:g} (at least {bar.minimum:g})"
            for bar in coverage(df)
        ],
        "",
        f"Aim: per-object level alpha >= {OBJECT_ALPHA_AIM}",
        *[
            f"[{'x' if alpha >= OBJECT_ALPHA_AIM else ' '}] {name}: {alpha:.3f}"
            for name, alpha in target_agreement(df)["level_alpha"].items()
            if name in OBJECTS
        ],
    ]
    return "\n".join(lines)
