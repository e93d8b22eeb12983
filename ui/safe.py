"""User text shown through Streamlit markdown must render as text, never as markup."""

from __future__ import annotations

import re

# Markdown, Streamlit's extensions (:material/icon:, :red[...], $latex$) and HTML.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'/])")
# Streamlit rewrites these in the text after markdown has removed the escapes: ":streamlit:"
# becomes its logo and "->", "--", "<=" ... (between spaces) become arrows and dashes. A word
# joiner (invisible, zero width) after the first character keeps them as typed. (The slash is
# escaped above for ":material/icon:", which Streamlit rewrites before parsing.)
_AFTER_ESCAPES = re.compile(r":(?=streamlit:)|(?<!\S)(?:<(?=->)|[-<>](?=[-=>]\s|[-=>]$))")
_JOINER = "\u2060"


def md(text: object) -> str:
    """``text`` escaped so that st.markdown (and st.title, st.caption, ...) shows it literally."""
    value = "" if text is None else str(text)
    value = "".join(ch for ch in value if ch in "\t\n" or ch >= " ")
    value = _AFTER_ESCAPES.sub(lambda m: m.group(0) + _JOINER, value)
    return _SPECIAL.sub(r"\\\1", value)


_LINK_TARGET = str.maketrans({"(": "%28", ")": "%29", "[": "%5B", "]": "%5D", "\\": "%5C"})


def safe_url(url: str | None) -> str | None:
    """``url`` if it is a plain http(s) link, else None (no javascript:, data:, ...)."""
    if not url:
        return None
    text = url.strip()
    if re.match(r"^https?://[^\s<>\"']+$", text, re.IGNORECASE):
        # Brackets, parentheses and backslashes would end the markdown link early and let the
        # rest of the address be read as markup (a second link to a data: URL, say).
        return text.translate(_LINK_TARGET)
    return None


def safe_email(email: str | None) -> str | None:
    if email and re.match(r"^[^@\s<>()\[\]\"']+@[^@\s<>()\[\]\"']+\.[A-Za-z]{2,}$", email.strip()):
        return email.strip()
    return None


_LINK = re.compile(r"(https?://[^\s<>\"'()\[\]{}]+|mailto:[^\s<>\"'()\[\]{}@]+@[^\s<>\"'()\[\]{}]+)", re.IGNORECASE)


def message_markdown(text: str) -> str:
    """User text as markdown that shows exactly what was typed, with http(s) and mailto
    links clickable; every other link scheme (javascript:, data:, ...) stays plain text."""
    out = []
    for k, part in enumerate(_LINK.split(text or "")):
        if k % 2 == 1:
            target = part.rstrip(".,;:!?")
            tail = part[len(target) :]
            safe = safe_url(target) if not target.lower().startswith("mailto:") else target
            out.append(f"[{md(target)}]({safe}){md(tail)}" if safe else md(part))
        else:
            out.append(md(part).replace("\n", "  \n"))
    return "".join(out)
