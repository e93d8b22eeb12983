"""User text shown through markdown stays text; only http(s) and mail links survive."""

import re

import pytest

from ui.safe import md, safe_email, safe_url


@pytest.mark.parametrize(
    "text",
    [
        "**bold**",
        "[x](javascript:alert(1))",
        "<script>alert(1)</script>",
        ":material/home: :red[x]",
        "$x^2$",
        "# heading",
        "a_b_c",
        "`code`",
    ],
)
def test_markup_is_escaped(text):
    escaped = md(text)
    # Every markup character is preceded by a backslash, so nothing is interpreted.
    for i, ch in enumerate(escaped):
        if ch in "*[]()<>:$#_`" and (i == 0 or escaped[i - 1] != "\\"):
            pytest.fail(f"unescaped {ch!r} in {escaped!r}")


def test_control_characters_are_dropped():
    assert md("a\x00b\x1bc") == "abc"


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://school.example/a?b=1", True),
        ("http://x.org", True),
        ("javascript:alert(1)", False),
        ("data:text/html,<b>", False),
        ("https://x.org/<script>", False),
        ("ftp://x.org", False),
        (None, False),
    ],
)
def test_safe_url(url, ok):
    assert (safe_url(url) is not None) == ok


def test_safe_email():
    assert safe_email("a.b@school.example") == "a.b@school.example"
    assert safe_email("x@y") is None
    assert safe_email("a@b.org)](javascript:1") is None


@pytest.mark.parametrize(
    "text", [":material/home:", ":streamlit:", "a -> b", "x -- y", "a <-> b", "<= 3", "b >= 2", "a <- b"]
)
def test_streamlits_text_rewrites_are_kept_out(text):
    """Streamlit turns these into icons, its logo or arrows after markdown has removed escapes:
    the escaped text must no longer contain them (an invisible word joiner splits them)."""
    escaped = md(text)
    unescaped = re.sub(r"\\(.)", r"\1", escaped)
    assert unescaped.replace("\u2060", "") == text
    assert ":material/" not in escaped and ":streamlit:" not in unescaped
    assert not re.search(r"(^|\s)(<->|->|<-|--|>=|<=)(\s|$)", unescaped)


@pytest.mark.parametrize(
    "url, target",
    [
        ("https://x.org/a)[b](data:text/html,c)", "https://x.org/a%29%5Bb%5D%28data:text/html,c%29"),
        ("https://x.org/wiki/A_(b)", "https://x.org/wiki/A_%28b%29"),
        ("https://x.org/a\\", "https://x.org/a%5C"),
    ],
)
def test_link_targets_cannot_close_their_markdown_link(url, target):
    assert safe_url(url) == target
