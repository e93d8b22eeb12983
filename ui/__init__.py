"""Streamlit glue shared by the pages."""
