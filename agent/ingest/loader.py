"""The dataset loader: one function that runs on the host at ingest and, as its own source text, in
every sandbox (pandas 2.2 on E2B, 3.x locally), so the profile describes exactly the frame the model's
code will see.

Only `dataagent_load`'s source is shipped (`LoadedDataset.load_code`), so it imports what it needs
inside its body and leaves nothing but the dataset behind in the kernel's namespace.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import io

    import pandas as pd


def dataagent_load(path: "str | io.BytesIO", spec: str = "[]", large: bool = False) -> "pd.DataFrame":
    """Read a stored dataset: Parquet (types kept in the file) or a normalized CSV with the column
    kinds in `spec` (JSON list of [name, kind]), as the release before Parquet stored them.

    CSV text is read as `str` so "01234" keeps its zero, only empty fields are missing, and floats
    read back bit-exact. A `large` table is one the model is told it may query with DuckDB.
    """
    import importlib.util
    import json

    import pandas as pd

    if isinstance(path, str):
        with open(path, "rb") as probe:
            magic = probe.read(4)
    else:
        magic = path.getvalue()[:4]
    if magic == b"PAR1":
        # The E2B template promises neither pyarrow nor DuckDB; one install per sandbox of what is missing.
        wanted = ["pyarrow", "duckdb"] if large else ["pyarrow"]
        missing = [name for name in wanted if importlib.util.find_spec(name) is None]
        if missing:
            import subprocess
            import sys

            subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing], check=True, capture_output=True)
        return pd.read_parquet(path, engine="pyarrow")
    columns = json.loads(spec)
    as_text = ("str", "date", "date_utc")
    dtype: dict[str, type[str] | str] = {name: (str if kind in as_text else kind) for name, kind in columns}
    pandas_2 = int(pd.__version__.split(".")[0]) < 3
    # A blank line is a row whose only cell is missing, not a line to skip.
    frame = pd.read_csv(
        path,
        dtype=dtype,
        keep_default_na=False,
        na_values=[""],
        encoding="utf-8",
        index_col=False,
        skip_blank_lines=False,
        # pandas 3 reads floats exactly by default and deprecates the option pandas 2 needs for it.
        float_precision="round_trip" if pandas_2 else None,
    )
    for name, kind in columns:
        if kind in ("date", "date_utc"):
            frame[name] = pd.to_datetime(frame[name], format="ISO8601", utc=kind == "date_utc")
    return frame
