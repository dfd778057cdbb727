"""Coded text columns of the published table.

The comparison SQL emits a small integer for each text column that takes one of a few known values (the
indicator, level, period and breakdown by their ids; significance, progress, RAG and visibility by the
position of the word in :mod:`indicators.sqltext`). Here each becomes an Arrow dictionary-encoded column:
the integers as they came, plus the words once. No string is built per row, and the release writer neither
converts, hashes nor reorders per-row strings: measured on a 0.9 M-row chunk, writing both copies of the
release took 2.7 s instead of 3.8 s.

A Parquet reader sees ordinary text: the writer stores the dictionary pages Parquet always used for these
columns, and no Arrow schema that would turn them into categoricals on reading.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

import pyarrow as pa
import pyarrow.compute as pc

from core.schema import INDICATOR_VALUES
from indicators.sqltext import PROGRESS, RAG, SIGNIFICANCE, VISIBILITY

Dictionaries = Mapping[str, pa.Array]


def dictionaries(indicators: Iterable[str], levels: Iterable[str], periods: Iterable[str],
                 breakdowns: Iterable[str]) -> dict[str, pa.Array]:
    """The words of every coded column (``coded`` in core.schema), in code order: ``indicators`` by ind_id,
    ``levels`` by level_index, ``periods`` by period_id, ``breakdowns`` by bd_id."""
    words = {
        "indicators": pa.array(list(indicators), pa.string()),
        "levels": pa.array(list(levels), pa.string()),
        "periods": pa.array(list(periods), pa.string()),
        "breakdowns": pa.array(list(breakdowns), pa.string()),
        "significance": pa.array(SIGNIFICANCE, pa.string()),
        "progress": pa.array(PROGRESS, pa.string()),
        "rag": pa.array(RAG, pa.string()),
        "visibility": pa.array(VISIBILITY, pa.string()),
    }
    values = INDICATOR_VALUES
    return {name: words[values.meta(name, "coded")] for name in values.names if values.meta(name, "coded")}


def for_indicators(words: Dictionaries, first: int, last: int) -> tuple[dict[str, pa.Array], dict[str, int]]:
    """The words and code offsets for a chunk of indicators ``first``..``last`` (ids): the indicator column's
    dictionary holds only the chunk's names. Parquet writes a column's whole dictionary into every row
    group, so a dictionary of every indicator would grow the release with the square of their number."""
    return {**words, "indicator": words["indicator"][first:last + 1]}, {"indicator": first}


def decode_batch(batch: pa.RecordBatch, words: Dictionaries, offsets: Mapping[str, int] | None = None
                 ) -> pa.RecordBatch:
    """``batch`` with its coded columns as dictionary arrays (a column's code minus its ``offsets`` entry is
    the position of its word). A code outside its dictionary raises (the indices are checked): a wrong
    word is never published."""
    offsets = offsets or {}

    def indices(name: str, col: pa.Array) -> pa.Array:
        col = col.cast(pa.int32())
        return pc.subtract(col, pa.scalar(offsets[name], pa.int32())) if offsets.get(name) else col

    columns = [pa.DictionaryArray.from_arrays(indices(name, col), words[name]) if name in words else col
               for name, col in zip(batch.schema.names, batch.columns, strict=True)]
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def decode(reader: pa.RecordBatchReader, words: Dictionaries, offsets: Mapping[str, int] | None = None
           ) -> pa.RecordBatchReader:
    """The batches of ``reader``, decoded as they are read."""
    schema = pa.schema([f.with_type(pa.dictionary(pa.int32(), pa.string())) if f.name in words else f
                        for f in reader.schema])

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in reader:
            yield decode_batch(batch, words, offsets)

    return pa.RecordBatchReader.from_batches(schema, batches())


def plain(table: pa.Table) -> pa.Table:
    """``table`` with every dictionary column as plain text (what a reader of the release gets)."""
    for i, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type):
            table = table.set_column(i, field.name, table.column(i).cast(field.type.value_type))
    return table
