"""Excel workbooks (``.xlsx``): a named sheet holding a tidy table whose header is on ``header_row``.

Nothing is guessed:
- a merged cell in the header row stops the source (which column would the name belong to?);
- a merged cell in the data, or a cell holding a spreadsheet error (``#REF!``, ``#N/A``, ...), quarantines its
  row with a finding naming the cell;
- a blank row between data rows is reported (it often means a second table below the first).
Values are the ones Excel last calculated (formulas are not re-evaluated).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from core.config_models import SourceConfig
from core.errors import SourceError
from etl.sources.tidy import CELL_ERRORS, add_findings, reader_finding, tidy


def read(source: SourceConfig) -> pd.DataFrame:
    path = Path(source.path)
    if not path.is_file():
        raise SourceError(source.id, "file not found", file=str(path), key="path")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about unsupported extensions and styles
            wb = load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise SourceError(source.id, f"cannot open the workbook: {exc}", file=str(path), key="path") from None
    if source.sheet not in wb.sheetnames:
        raise SourceError(source.id, f"no sheet named {source.sheet!r}; the workbook has "
                          f"{', '.join(map(repr, wb.sheetnames))}", file=str(path), key="sheet",
                          available=wb.sheetnames)
    ws = wb[source.sheet]
    where = f"{path}, sheet {source.sheet!r}"
    h = source.header_row
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= h <= rng.max_row:
            raise SourceError(source.id, f"merged header cells {rng.coord}: give each column its own header "
                              "cell", file=where, row=h, key="header_row")
    grid = [list(r) for r in ws.iter_rows(min_row=h, values_only=True)]
    if not grid:
        raise SourceError(source.id, f"the sheet has no row {h} (header_row)", file=where, key="header_row")
    header = grid[0]
    width = max((i + 1 for i, v in enumerate(header) if v not in (None, "")), default=0)
    names = []
    for i, v in enumerate(header[:width]):
        if v in (None, ""):
            raise SourceError(source.id, f"header cell {get_column_letter(i + 1)}{h} is empty", file=where, row=h,
                              key="header_row")
        names.append(str(v).strip())
    found: list[dict] = []
    body, rows = [], []
    last_data = max((k for k, r in enumerate(grid[1:], start=1) if any(v not in (None, "") for v in r[:width])),
                    default=0)
    for k, r in enumerate(grid[1:last_data + 1], start=1):
        line = h + k
        cells = (list(r) + [None] * width)[:width]
        if all(v in (None, "") for v in cells):
            found.append(reader_finding("blank_row", line, None, "blank row inside the table; rows after it "
                                        "were read as part of the same table", severity="warn"))
            continue
        body.append([_cell(v) for v in cells])
        rows.append(line)
    df = pd.DataFrame(body, columns=names, dtype=object)
    bad = np.zeros(len(df), dtype=bool)
    index = {line: i for i, line in enumerate(rows)}
    for rng in ws.merged_cells.ranges:
        if rng.max_row > h:
            for line in range(max(rng.min_row, h + 1), rng.max_row + 1):
                if line in index:
                    bad[index[line]] = True
                    found.append(reader_finding("merged_cells", line, names[min(rng.min_col, width) - 1],
                                                f"merged cells {rng.coord}: the value is in the first cell only"))
    for j, name in enumerate(names):
        for i in np.flatnonzero(df[name].isin(CELL_ERRORS).to_numpy()):
            if name != source.columns.value and not bad[i]:  # value errors are reported by tidy()
                bad[i] = True
                found.append(reader_finding("cell_error", rows[i], name, f"cell {get_column_letter(j + 1)}"
                                            f"{rows[i]} holds the spreadsheet error {df[name].iat[i]!r}"))
    out = tidy(df[~bad].reset_index(drop=True), source, file=where, rows=np.asarray(rows, dtype="int64")[~bad],
               numeric_ok=False, header_row=h)
    return add_findings(out, found)


def _cell(v):
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v
