"""User text shown through markdown stays text; only http(s) and mail links survive."""

import pytest

from ui.safe import md, safe_email, safe_url


@pytest.mark.parametrize("text", ["**bold**", "[x](javascript:alert(1))", "<script>alert(1)</script>",
                                  ":material/home: :red[x]", "$x^2$", "# heading", "a_b_c", "`code`"])
def test_markup_is_escaped(text):
    escaped = md(text)
    # Every markup character is preceded by a backslash, so nothing is interpreted.
    for i, ch in enumerate(escaped):
        if ch in "*[]()<>:$#_`" and (i == 0 or escaped[i - 1] != "\\"):
            pytest.fail(f"unescaped {ch!r} in {escaped!r}")


def test_control_characters_are_dropped():
    assert md("a\x00b\x1bc") == "abc"


@pytest.mark.parametrize("url, ok", [("https://school.example/a?b=1", True), ("http://x.org", True),
                                     ("javascript:alert(1)", False), ("data:text/html,<b>", False),
                                     ("https://x.org/<script>", False), ("ftp://x.org", False), (None, False)])
def test_safe_url(url, ok):
    assert (safe_url(url) is not None) == ok


def test_safe_email():
    assert safe_email("a.b@school.example") == "a.b@school.example"
    assert safe_email("x@y") is None
    assert safe_email("a@b.org)](javascript:1") is None
