"""Parallax: daily multi-perspective news digests."""

import pandas as pd

# pandas 3 keeps strings in Arrow arrays by default. A topic-day's frames are small and mostly
# built from and read back into Python lists, where every conversion to Arrow costs more than
# it saves: Python storage (the same "str" dtype and missing values) cut a warm backfill's CPU
# by about 15% (benchmarks/backfill.py).
pd.set_option("mode.string_storage", "python")
