"""No secret is committed: the cookie secret, SMTP passwords and keys live in the environment
or in git-ignored files."""

import re
import subprocess

from ..conftest import ROOT

PATTERNS = {
    "private key": re.compile(r"-----BEGIN (RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----"),
    "AWS key": re.compile(r"AKIA[0-9A-Z]{16}"),
    "GitHub token": re.compile(r"gh[pousr]_[A-Za-z0-9]{36,}"),
    "Slack token": re.compile(r"xox[abpr]-[A-Za-z0-9-]{10,}"),
    "assigned secret": re.compile(
        r"(?i)(cookie_secret|secret_key|smtp_password|api_key)\s*=\s*['\"][^'\"\s]{12,}['\"]"
    ),
    "bcrypt hash": re.compile(r"\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}"),
}


def tracked_files():
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / line for line in out.splitlines() if line]


def test_no_secret_in_tracked_files():
    found = []
    for path in tracked_files():
        if path.suffix in {".png", ".pdf", ".duckdb", ".parquet", ".xlsx"} or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        for name, pattern in PATTERNS.items():
            if pattern.search(text):
                found.append(f"{path.relative_to(ROOT)}: {name}")
    assert found == []


def test_secret_files_are_ignored():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8")
    for name in (".cookie_secret", ".streamlit/secrets.toml", "data/*.duckdb"):
        assert name in ignored
    assert not [p for p in tracked_files() if p.name in (".cookie_secret", "secrets.toml")]
