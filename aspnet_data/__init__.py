"""ASPnet Atlas data layer: pure Python and DuckDB, no Streamlit."""
