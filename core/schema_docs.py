"""docs/release-schema.md, written from the declarations (core.schema, core.statuses): the page cannot drift
from what a release holds (a test compares them). Rewrite it after a change of the schema with

    python -m core.schema_docs > docs/release-schema.md
"""

from __future__ import annotations

from core import schema, statuses

OUTPUTS = {"release": "release file", "public": "downloads and API", "sdmx": "SDMX-CSV"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def table_markdown(table: schema.Table) -> list[str]:
    lines = [f"## `{table.name}`", "", table.description, ""]
    if table.primary_key:
        lines += [f"Primary key: {', '.join(f'`{k}`' for k in table.primary_key)}.", ""]
    if table.open:
        lines += ["Further columns (the configured attributes) may follow the declared ones.", ""]
    lines += ["| column | type | kind | unit | in | description |", "|---|---|---|---|---|---|"]
    for f in table.schema:
        meta = {k: table.meta(f.name, k) or "" for k in ("kind", "unit", "outputs", "description")}
        notes = ["Withheld on a suppressed cell."] if table.meta(f.name, "withheld") else []
        where = ", ".join(OUTPUTS.get(o, o) for o in meta["outputs"].split(",") if o)
        text = " ".join([meta["description"], *notes])
        lines.append(f"| `{f.name}` | {f.type} | {meta['kind']} | {meta['unit']} | {where} | {_cell(text)} |")
    return [*lines, ""]


def markdown() -> str:
    lines = [
        "# Release schema", "",
        f"Schema version **{schema.SCHEMA_VERSION}** (a release's `manifest.json` says which it follows). This page "
        "is written from `core/schema.py` and `core/statuses.py` by `python -m core.schema_docs`: do not edit it by "
        "hand.", "",
        "Every table of a release below, with its columns in order. *in* says which outputs carry a column: the "
        "release's own Parquet files, the public downloads and API (CSV, Parquet, JSON, xlsx; `area_name` is added "
        "as rows are read), and the SDMX-CSV download.", "",
    ]
    for table in schema.TABLES.values():
        lines += table_markdown(table)
    lines += ["## Status of a value", "",
              "`indicator_values.status` takes one of these words. SDMX-CSV gives its `OBS_STATUS` code; a withheld "
              "value gets `CONF_STATUS` C (withheld for what it is) or D (to protect another cell), any other F.", "",
              "| status | OBS_STATUS | flag letters | shown as | meaning |", "|---|---|---|---|---|"]
    for s in statuses.PUBLISHED:
        flags = " ".join(f"`{c}`" for c in s.flags)
        lines.append(f"| `{s.word}` | {s.obs_status} | {flags} | {_cell(s.short)} | {_cell(s.long)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
