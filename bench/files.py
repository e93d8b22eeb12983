#!/usr/bin/env python3
"""Shared files: a 10 MB file uploaded to a project space's materials and downloaded, on the
embedded file and on PostgreSQL.

    .venv/bin/python bench/files.py 10000 out.json   # one size (run.py calls it so)
    .venv/bin/python bench/files.py --write           # 10k into bench/results/files.*

On a copy of the demo network (and on a throwaway PostgreSQL holding it, unless
ASPNET_TEST_POSTGRES names a server), the owner of the first project space shares a 10 MB
PDF (a stream of random bytes, which nothing compresses) and a 10 MB JPEG photograph: timed
are the check of its content alone (files.inspect: the type, the digest, an image's preview),
the whole upload (the check, the quota, the insert and its audit rows in one transaction),
a partner network's coordinator's download (the permission, the content read, its digest
checked) and the list of the space's materials. Each timed upload is deleted afterwards,
untimed, so the network's quota never fills.
"""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path

from common import ROOT, database, peak_rss_mb, save_results, timed

sys.path.insert(0, str(ROOT))

from aspnet_data import accounts, files, transfer  # noqa: E402
from aspnet_data.db import open_database  # noqa: E402
from aspnet_data.files import Upload  # noqa: E402

REPEAT = 15  # 10 MB each way: enough for a p95 of the few that a person waits for
KINDS = {"pdf": "a 10 MB PDF", "jpeg": "a 10 MB JPEG photograph (4,000 × 3,000 px)"}


def pdf_of(size: int) -> bytes:
    head = b"%PDF-1.7\n1 0 obj << /Length 0 >>\nstream\n"
    tail = b"\nendstream\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    return head + random.Random(1).randbytes(size - len(head) - len(tail)) + tail


def jpeg_of(size: int) -> bytes:
    """A photograph-like JPEG as close to ``size`` as its quality allows, padded after its
    end marker (as cameras pad theirs with metadata) to exactly ``size``."""
    from PIL import Image

    noise = Image.frombytes("RGB", (4000, 3000), random.Random(2).randbytes(4000 * 3000 * 3))
    out = io.BytesIO()
    noise.save(out, format="JPEG", quality=85)
    data = out.getvalue()
    assert len(data) <= size, len(data)
    return data + b"\x00" * (size - len(data))


def measure_on(db, samples: dict[str, bytes]) -> dict:
    project = db.query("SELECT id, owner FROM projects ORDER BY id LIMIT 1").row(0, named=True)
    owner = accounts.get_user(db, project["owner"]).actor
    partner_name = db.scalar(
        """SELECT min(u.username) FROM project_members m JOIN institutions i ON i.id = m.institution_id
           JOIN users u ON u.role = 'coordinator' AND u.network = i.network
           WHERE m.project_id = $p AND m.state = 'member'
             AND i.network <> (SELECT network FROM projects WHERE id = $p)""",
        {"p": project["id"]},
    )
    reader = accounts.get_user(db, partner_name).actor if partner_name else owner
    out: dict = {}
    for kind, data in samples.items():
        upload = Upload(f"sample.{kind}", data)
        added: list[int] = []

        def share(upload: Upload = upload, added: list[int] = added) -> None:
            added.append(files.add_material(db, owner, project["id"], upload, {"title": "Bench"}))

        def tidy(added: list[int] = added) -> None:
            while added:
                files.delete_material(db, owner, added.pop())

        check = timed(lambda upload=upload: files.inspect(upload), repeat=REPEAT, warmup=1)
        uploads = []
        for _ in range(REPEAT + 1):  # each upload on its own, its material deleted after it, untimed
            uploads.append(timed(share, repeat=1, warmup=0)["p50_ms"])
            tidy()
        uploads = sorted(uploads[1:])
        material = files.add_material(db, owner, project["id"], upload, {"title": "Bench"})
        file_id = db.scalar("SELECT file_id FROM project_materials WHERE id = ?", [material])
        got = files.download(db, reader, file_id)
        assert got[2] == data, "the download is not the upload"
        out[kind] = {
            "bytes": len(data),
            "check": check,
            "upload": {
                "p50_ms": round(uploads[len(uploads) // 2], 2),
                "p95_ms": round(uploads[min(len(uploads) - 1, int(len(uploads) * 0.95))], 2),
            },
            "download": timed(lambda file_id=file_id: files.download(db, reader, file_id), repeat=REPEAT, warmup=1),
        }
        out[kind]["list"] = timed(lambda: files.materials(db, reader, project["id"]), repeat=REPEAT)
        files.delete_material(db, owner, material)
    out["reader"] = reader.username
    return out


def measure(size: int) -> dict:
    samples = {"pdf": pdf_of(files.MAX_BYTES), "jpeg": jpeg_of(files.MAX_BYTES)}
    out: dict = {"institutions": size}
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "files.duckdb"
        shutil.copy(database(size), copy)
        with open_database(copy) as db:
            out["embedded"] = measure_on(db, samples)
        out["postgres"] = _on_postgres(copy, samples, size)
    out["peak_rss_mb"] = peak_rss_mb()
    out["load_average"] = round(os.getloadavg()[0], 1)
    return out


def _on_postgres(source: Path, samples: dict[str, bytes], size: int) -> dict | None:
    from postgres import fresh_database, server

    from ops import postgres

    try:
        root, folder = server()
    except Exception as exc:  # no PostgreSQL on this machine: the embedded file's numbers stand alone
        print(f"PostgreSQL not measured: {exc}", file=sys.stderr)
        return None
    try:
        url = fresh_database(root, f"bench_files_{size}")
        with open_database(source) as embedded, open_database(url) as target:
            transfer.copy_database(embedded, target)
        with open_database(url) as db:
            return measure_on(db, samples)
    finally:
        if folder is not None:
            postgres.stop(folder, mode="immediate")
            shutil.rmtree(folder, ignore_errors=True)


def markdown(results: list[dict]) -> str:
    r = results[0]
    engines = [("embedded", "embedded file (DuckDB)"), ("postgres", "PostgreSQL")]
    engines = [(key, label) for key, label in engines if r.get(key)]
    lines = [
        "## Shared files: a 10 MB file up and down (p50 / p95)",
        "",
        f"The demo network of {r['institutions']:,} institutions; the owner of its first project space shares "
        f"the file in its materials, a partner network's coordinator ({r['embedded']['reader']}) downloads it. "
        f"{REPEAT} runs each; every timed upload deleted afterwards, untimed. Load average of the machine: "
        f"{r['load_average']:g} ({os.cpu_count()} CPUs); peak memory of the process {r['peak_rss_mb']:,.0f} MB.",
        "",
        "| | " + " | ".join(label for _, label in engines) + " |",
        "|---|" + "---|" * len(engines),
    ]
    steps = [
        ("check", "the content checked (type, digest{preview})"),
        ("upload", "upload: check, quota, insert and audit in one transaction"),
        ("download", "download: permission, content read, digest checked"),
        ("list", "the space's materials listed (with previews)"),
    ]
    for kind, what in KINDS.items():
        for step, label in steps:
            text = label.format(preview=", preview drawn" if kind == "jpeg" else "")
            cells = [
                f"{r[key][kind][step]['p50_ms']:,.1f} / {r[key][kind][step]['p95_ms']:,.1f} ms" for key, _ in engines
            ]
            lines.append(f"| {what}: {text} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    if sys.argv[1] == "--write":
        results = [measure(10_000)]
        save_results("files", results, markdown)
        print(markdown(results))
        return
    size, target = int(sys.argv[1]), Path(sys.argv[2])
    target.write_text(json.dumps(measure(size), indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
