"""What importing parallax sets up for every process that runs a stage."""

import pandas as pd

import parallax  # noqa: F401


def test_strings_are_kept_in_python_storage() -> None:
    # A warm backfill spent about 15% of its CPU converting small frames' strings to Arrow
    # and back (benchmarks/backfill.py); the dtype and its missing values stay pandas' "str".
    column = pd.Series(["Taiwan", None])
    assert str(column.dtype) == "str"
    assert column.array.dtype.storage == "python"
    assert pd.isna(column[1])
