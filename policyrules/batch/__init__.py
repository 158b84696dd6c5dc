"""Batch evaluation of whole populations in DuckDB: input, validation and output."""
