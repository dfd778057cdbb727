"""Coded text columns: the SQL's integer codes become dictionary-encoded words, exactly and checked."""

from __future__ import annotations

import pyarrow as pa
import pytest

from indicators import coded, sqltext


def words():
    return coded.dictionaries(["ind_a", "ind_b"], ["country", "region"], ["2020", "2021"], ["total"])


def test_codes_become_their_words_and_nulls_stay_null():
    batch = pa.record_batch({
        "indicator": pa.array([1, 0, 1], pa.int32()),
        "value": pa.array([1.5, None, 2.0]),
        "previous_period": pa.array([None, 0, 1], pa.int32()),
        "significance_parent": pa.array([sqltext.SIGNIFICANCE.index("worse"), 0, None], pa.int32()),
        "rag": pa.array([2, None, 0], pa.int32()),
    })
    out = coded.decode_batch(batch, words())
    assert pa.types.is_dictionary(out.schema.field("indicator").type)
    assert out.column("indicator").to_pylist() == ["ind_b", "ind_a", "ind_b"]
    assert out.column("previous_period").to_pylist() == [None, "2020", "2021"]
    assert out.column("significance_parent").to_pylist() == ["worse", "not compared", None]
    assert out.column("rag").to_pylist() == ["red", None, "green"]
    assert out.column("value").to_pylist() == [1.5, None, 2.0]
    plain = coded.plain(pa.Table.from_batches([out]))
    assert plain.schema.field("rag").type == pa.string()
    assert plain.column("rag").to_pylist() == ["red", None, "green"]


def test_a_code_outside_its_dictionary_raises():
    batch = pa.record_batch({"rag": pa.array([0, len(sqltext.RAG)], pa.int32())})
    with pytest.raises(pa.ArrowException):
        coded.decode_batch(batch, words())


def test_a_reader_is_decoded_batch_by_batch_under_one_schema():
    batches = [pa.record_batch({"period": pa.array([0], pa.int32())}),
               pa.record_batch({"period": pa.array([1], pa.int32())})]
    reader = coded.decode(pa.RecordBatchReader.from_batches(batches[0].schema, batches), words())
    assert pa.types.is_dictionary(reader.schema.field("period").type)
    assert reader.read_all().column("period").to_pylist() == ["2020", "2021"]


def test_a_chunk_of_indicators_has_only_its_own_names_in_its_dictionary():
    """Parquet writes a column's whole dictionary into every row group: a chunk's indicator column lists its
    own indicators, not every one (internal ones included) in every row group of the release."""
    names = [f"ind{i}" for i in range(6)]
    chunk_words, offsets = coded.for_indicators(coded.dictionaries(names, ["l"], ["2020"], ["total"]), 2, 4)
    batch = pa.record_batch({"indicator": pa.array([2, 4, 3], pa.int32())})
    out = coded.decode_batch(batch, chunk_words, offsets).column("indicator")
    assert out.to_pylist() == ["ind2", "ind4", "ind3"]
    assert out.dictionary.to_pylist() == ["ind2", "ind3", "ind4"]
    with pytest.raises(pa.ArrowException):  # an id outside the chunk has no word
        coded.decode_batch(pa.record_batch({"indicator": pa.array([5], pa.int32())}), chunk_words, offsets)


def test_sort_order_folds_keys_into_one_or_sorts_them_together():
    import numpy as np

    from indicators.compute import sort_order

    rng = np.random.default_rng(3)
    a, b, c = rng.integers(0, 3, 500), rng.integers(0, 50, 500), rng.integers(0, 7, 500)
    keys = [pa.chunked_array([x]) for x in (a, b, c)]
    expected = sorted(range(500), key=lambda i: (a[i], b[i], c[i], i))
    for sizes in ([3, 50, 7], [3, 2**40, 2**30]):  # folded into one int64; too wide to fold
        order = sort_order(keys, sizes)
        assert [(a[i], b[i], c[i]) for i in order] == [(a[i], b[i], c[i]) for i in expected]
    assert sort_order([pa.chunked_array([], pa.int32())] * 3, [3, 50, 7]).size == 0
