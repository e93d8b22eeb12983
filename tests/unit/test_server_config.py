"""The server as `make run` and every replica start it (.streamlit/config.toml, read from the
project's folder): no watch of the app's files per session, no magic rewriting of the scripts,
and so no page that counts on magic to show something."""

import ast
import tomllib

from tests.conftest import ROOT

CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())


def test_the_server_watches_no_files_and_reruns_nothing_on_save():
    assert CONFIG["server"]["fileWatcherType"] == "none"
    assert CONFIG["server"]["runOnSave"] is False


def test_scripts_are_compiled_as_written():
    assert CONFIG["runner"]["magicEnabled"] is False


def _shown_only_by_magic(path) -> list[str]:
    """The statements of a script that only magic would have written out: a bare expression that
    is neither a call nor a docstring."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if not isinstance(block, list):
                continue
            for i, statement in enumerate(block):
                if not isinstance(statement, ast.Expr):
                    continue
                value = statement.value
                if isinstance(value, ast.Call | ast.Yield | ast.YieldFrom | ast.Await):
                    continue
                if i == 0 and isinstance(value, ast.Constant) and isinstance(value.value, str):
                    continue
                found.append(f"{path.name}:{statement.lineno}: {ast.unparse(statement)[:60]}")
    return found


def test_no_page_counts_on_magic_to_show_a_value():
    scripts = [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py"))]
    assert len(scripts) > 20
    assert [line for path in scripts for line in _shown_only_by_magic(path)] == []


def test_a_bare_expression_is_caught(tmp_path):
    page = tmp_path / "page.py"
    page.write_text('"""Doc."""\nimport streamlit as st\nst.title("x")\ntotal = 3\ntotal\n', encoding="utf-8")
    assert _shown_only_by_magic(page) == ["page.py:5: total"]
