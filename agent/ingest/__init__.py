"""Bytes → a typed frame, and the normalized form the sandbox loads.

formats (which reader) → sniff (size, compression, encoding) → csvread (delimiter, header) → coltypes
(numbers, dates), or excel / columnar / jsonread for workbooks, Parquet/Feather and JSON → pipeline.finish
→ Parquet → loader (the same function here and in the sandbox) → frame
"""

from agent.ingest.pipeline import LoadedDataset, ingest, ingest_file, var_name_for

__all__ = ["LoadedDataset", "ingest", "ingest_file", "var_name_for"]
