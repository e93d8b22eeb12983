"""Settings: one list with defaults, read the same way everywhere, documented in the README."""

import pytest

from aspnet_data import cli, settings

from ..conftest import ROOT


def test_the_readme_configuration_table_is_the_settings_list():
    assert settings.markdown_table() in (ROOT / "README.md").read_text(encoding="utf-8")


def test_unset_or_empty_settings_take_their_defaults_and_numbers_are_read_as_numbers():
    assert settings.number("ASPNET_SMTP_PORT", {}) == 587
    assert settings.number("ASPNET_SMTP_PORT", {"ASPNET_SMTP_PORT": " 2525 "}) == 2525
    assert settings.text("ASPNET_SMTP_HOST", {"ASPNET_SMTP_HOST": "  "}) is None
    assert settings.number("ASPNET_MAX_APPLICATIONS", {}) == 3


def test_a_number_setting_that_is_not_a_number_says_which_setting():
    with pytest.raises(ValueError, match="ASPNET_SMTP_PORT must be a whole number"):
        settings.number("ASPNET_SMTP_PORT", {"ASPNET_SMTP_PORT": "five"})


def test_the_database_defaults_to_the_project_folder_and_a_given_path_is_kept(tmp_path):
    assert settings.database_path({}) == str(ROOT / "data" / "aspnet.duckdb")
    assert settings.database_path({"ASPNET_DB": str(tmp_path / "x.duckdb")}) == str(tmp_path / "x.duckdb")
    assert settings.public_url({"ASPNET_PUBLIC_URL": "https://aspnet.example.org/"}) == "https://aspnet.example.org"


def test_the_command_line_uses_the_same_database_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("ASPNET_DB", str(tmp_path / "served.duckdb"))
    args = cli.build_parser().parse_args(["init"])
    assert str(args.db) == str(tmp_path / "served.duckdb")


def test_no_module_reads_the_environment_except_settings():
    readers = []
    for folder in ("aspnet_data", "ui", "app_pages", "routes"):
        for path in (ROOT / folder).glob("*.py"):
            text = path.read_text(encoding="utf-8")
            if path.name != "settings.py" and ("os.environ.get" in text or "getenv(" in text):
                readers.append(path.name)
    assert readers == []
