"""User text shown through Streamlit markdown must render as text, never as markup."""

from __future__ import annotations

import re

# Markdown, Streamlit's extensions (:material/icon:, :red[...], $latex$) and HTML.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'])")


def md(text: object) -> str:
    """``text`` escaped so that st.markdown (and st.title, st.caption, ...) shows it literally."""
    value = "" if text is None else str(text)
    value = "".join(ch for ch in value if ch in "\t" or ch >= " ")
    return _SPECIAL.sub(r"\\\1", value)


def safe_url(url: str | None) -> str | None:
    """``url`` if it is a plain http(s) link, else None (no javascript:, data:, ...)."""
    if not url:
        return None
    text = url.strip()
    if re.match(r"^https?://[^\s<>\"']+$", text, re.IGNORECASE):
        return text
    return None


def safe_email(email: str | None) -> str | None:
    if email and re.match(r"^[^@\s<>()\[\]\"']+@[^@\s<>()\[\]\"']+\.[A-Za-z]{2,}$", email.strip()):
        return email.strip()
    return None
