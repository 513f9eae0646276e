"""Bytes → a typed frame, and the normalized form the sandbox loads.

sniff (size, compression, encoding) → csvread (delimiter, header) → coltypes (numbers, dates)
→ Parquet → loader (the same function here and in the sandbox) → frame
"""

from agent.ingest.pipeline import LoadedDataset, ingest, var_name_for

__all__ = ["LoadedDataset", "ingest", "var_name_for"]
