"""A process killed (SIGKILL) in the middle of a write leaves its work all done or not at all.

A child process (tests/crash_child.py) opens a copy of the test network and applies a bulk
file of a few thousand rows, or approves applications one after another; the test kills it
at a random moment after it starts writing, six times for each, reusing one copy. After every
kill the database opens (migrations included), each write is all or nothing, the audit log
agrees with the data, and nothing the child reported as committed is missing.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

from aspnet_data import applications as apps
from aspnet_data import bulk
from aspnet_data.db import open_database
from aspnet_data.permissions import Actor

CHILD = Path(__file__).resolve().parent.parent / "crash_child.py"
KILLS = 4
NET = "CHN"  # the largest network of the test database (it has a country outline)
NEW_ROWS, UPDATES, WITHDRAWALS = 1500, 100, 3
ADMIN = Actor("admin", "admin")
TABLES = [
    "meta",
    "networks",
    "institutions",
    "users",
    "audit_log",
    "applications",
    "application_events",
    "projects",
    "project_members",
    "channels",
    "messages",
    "channel_reads",
    "outbox",
    "sessions",
]


def run_and_kill(args: list[str], *, trigger, delay: float) -> tuple[list[str], bool]:
    """Run the child until a line satisfies ``trigger``, wait ``delay`` seconds and SIGKILL it.

    Returns every line it printed and whether the kill found it still running."""
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    lines: list[str] = []
    try:
        for line in proc.stdout:
            lines.append(line.strip())
            if trigger(lines[-1]):
                break
        else:
            proc.wait()
            raise AssertionError(f"the child ended before the write started:\n{proc.stderr.read()}")
        time.sleep(delay)
        running = proc.poll() is None
        proc.send_signal(signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        # Read on through the same buffered file: communicate() reads the pipe beneath it and
        # would drop the lines the loop above had already buffered.
        rest, errors = proc.stdout.read(), proc.stderr.read()
        proc.wait()
    lines += rest.splitlines()
    assert running or proc.returncode == 0, errors  # finished before the kill: it must have succeeded
    return lines, running


def reopen(path: Path):
    """Open the file as the app does after a crash (recovery and migrations) and read every table."""
    db = open_database(path)
    db.checksums(TABLES)
    return db


# -- bulk import --------------------------------------------------------------------------------


def write_bulk_file(db, k: int, rng: random.Random, target: Path) -> tuple[list[int], list[int]]:
    """A file that adds NEW_ROWS schools, changes the web address of UPDATES and withdraws
    WITHDRAWALS (all marked with ``k``); returns the ids it updates and withdraws."""
    frame = bulk.read_file(bulk.template(db, ADMIN, NET, "csv"), "template.csv")
    chosen = rng.sample(frame["id"].to_list(), UPDATES + WITHDRAWALS)
    updated, withdrawn = chosen[:UPDATES], chosen[UPDATES:]
    rows = frame.filter(pl.col("id").is_in(chosen)).with_columns(
        website=pl.when(pl.col("id").is_in(updated))
        .then(pl.concat_str(pl.lit(f"https://crash-{k}-"), pl.col("id"), pl.lit(".example")))
        .otherwise(pl.col("website")),
        withdraw=pl.when(pl.col("id").is_in(withdrawn)).then(pl.lit("yes")).otherwise(pl.lit(None, pl.String)),
    )
    city, lat, lon = db.rows(
        "SELECT city, latitude, longitude FROM institutions WHERE network = ? AND status = 'member' "
        "AND latitude IS NOT NULL ORDER BY id LIMIT 1",
        [NET],
    )[0]
    new = pl.DataFrame(
        [
            {
                "name": f"Crash school {k}-{i}",
                "city": city,
                "latitude": str(lat),
                "longitude": str(lon),
                "levels": "primary; secondary",
                "ownership": "public",
                "themes": "esd",
                "languages": "rw; en",
            }
            for i in range(NEW_ROWS)
        ]
    )
    pl.concat([rows, new], how="diagonal_relaxed").select(frame.columns).write_csv(target)
    return [int(i) for i in updated], [int(i) for i in withdrawn]


def bulk_outcome(db, k: int, updated: list[int], withdrawn: list[int]) -> bool:
    """Whether iteration ``k``'s file is in the database, asserting it is there whole or not at all."""
    label = f"crash.bulk{k}"
    added = db.rows("SELECT id FROM institutions WHERE network = ? AND name LIKE ?", [NET, f"Crash school {k}-%"])
    websites = db.scalar(
        "SELECT count(*) FROM institutions WHERE id IN (SELECT unnest(?::BIGINT[])) "
        "AND website = 'https://crash-' || ? || '-' || id || '.example'",
        [updated, str(k)],
    )
    gone = db.scalar(
        "SELECT count(*) FROM institutions WHERE id IN (SELECT unnest(?::BIGINT[])) "
        "AND status = 'withdrawn' AND updated_by = ?",
        [withdrawn, label],
    )
    touched = db.scalar("SELECT count(*) FROM institutions WHERE updated_by = ?", [label])
    audit = db.query("SELECT action, entity_id, after FROM audit_log WHERE actor = ?", [label])
    actions = dict(audit.group_by("action").len().iter_rows())
    seen = (len(added), websites, gone, touched, actions)
    if not added:
        assert seen == (0, 0, 0, 0, {}), seen
        return False
    assert seen == (
        NEW_ROWS,
        UPDATES,
        WITHDRAWALS,
        NEW_ROWS + UPDATES + WITHDRAWALS,
        {"institution.create": NEW_ROWS, "institution.update": UPDATES, "institution.withdraw": WITHDRAWALS},
    ), seen
    # The audit log names exactly the rows changed, with the values stored.
    rows = {a: frame for (a,), frame in audit.partition_by("action", as_dict=True).items()}
    assert sorted(int(i) for i in rows["institution.create"]["entity_id"]) == sorted(i for (i,) in added)
    assert sorted(int(i) for i in rows["institution.update"]["entity_id"]) == sorted(updated)
    assert sorted(int(i) for i in rows["institution.withdraw"]["entity_id"]) == sorted(withdrawn)
    for entity_id, after in rows["institution.update"].select("entity_id", "after").iter_rows():
        assert json.loads(after) == {"network": NET, "website": f"https://crash-{k}-{entity_id}.example"}
    return True


def nth_step(n: int):
    seen = []

    def trigger(line: str) -> bool:
        if line.startswith("STEP"):
            seen.append(line)
        return len(seen) == n

    return trigger


def test_bulk_import_killed_midway_is_all_or_nothing(scratch_copy, tmp_path):
    rng = random.Random(20261128)
    file = tmp_path / "upload.csv"
    kills = committed = at_step = lost = 0
    attempts = 0
    while kills < KILLS:
        attempts += 1
        assert attempts <= 2 * KILLS, "the child keeps finishing before it is killed"
        k = attempts
        with reopen(scratch_copy) as db:
            updated, withdrawn = write_bulk_file(db, k, rng, file)
            version = db.data_version
        if k % 2:
            # Kill just after one of the transaction's steps (inserts, updates, withdrawals):
            # certainly inside it.
            trigger, delay = nth_step(rng.randint(1, 3)), rng.uniform(0, 0.01)
        else:
            trigger, delay = (lambda line: line == "BEGIN"), rng.uniform(0, 0.3)
        lines, killed = run_and_kill(
            ["bulk", str(scratch_copy), NET, str(file), f"crash.bulk{k}"], trigger=trigger, delay=delay
        )
        with reopen(scratch_copy) as db:
            done = bulk_outcome(db, k, updated, withdrawn)
            assert db.data_version == version + done
        reported = any(line.startswith("COMMITTED") for line in lines)
        assert done or not reported, "a commit reported to the caller was lost"
        kills += killed
        committed += done and killed
        at_step += killed and k % 2
        lost += killed and not done
    print(
        f"\nbulk import of {NEW_ROWS + UPDATES + WITHDRAWALS} rows: {kills} kills ({at_step} just after a step "
        f"inside the transaction), {lost} left nothing, {committed} had committed; {attempts - kills} runs "
        "finished before the kill"
    )
    assert lost


# -- application approval -------------------------------------------------------------------------


def recommended_applications(db, count: int, start: int) -> list[int]:
    network, city, lat, lon = db.rows(
        """SELECT i.network, i.city, i.latitude, i.longitude FROM institutions i JOIN countries c ON c.iso3 = i.network
           WHERE c.has_outline AND i.latitude IS NOT NULL ORDER BY i.id LIMIT 1"""
    )[0]
    ids = []
    for n in range(start, start + count):
        app = apps.save(
            db,
            {
                "network": network,
                "institution_name": f"Crash Academy {n}",
                "city": city,
                "latitude": lat,
                "longitude": lon,
                "levels": ["primary"],
                "ownership": "public",
                "languages": ["en"],
                "pupils": "300",
                "themes": ["esd"],
                "theme_plans": {"esd": "A garden."},
                "contact_name": "Ana Pérez",
                "contact_email": f"crash{n}@school.example",
                "language": "en",
            },
            submit=True,
        )
        apps.move(db, ADMIN, app.record["id"], "recommended")
        ids.append(app.record["id"])
    return ids


def approval_outcome(db, ids: list[int]) -> set[int]:
    """The approved applications among ``ids``, asserting each one is approved with all that
    goes with it (institution, event, audit rows, notification) or still recommended with none."""
    frame = db.query(
        """SELECT a.id, a.stage, a.reference, a.institution_name, a.institution_id, i.id AS school, i.status, i.name,
                  (SELECT count(*) FROM application_events e WHERE e.application_id = a.id AND e.stage = 'approved')
                      AS events,
                  (SELECT count(*) FROM audit_log l WHERE l.entity = 'applications' AND l.entity_id = a.id::VARCHAR
                      AND l.action = 'application.approved') AS app_audit,
                  (SELECT count(*) FROM audit_log l WHERE l.entity = 'institutions'
                      AND l.entity_id = a.institution_id::VARCHAR AND l.action = 'institution.create') AS school_audit,
                  (SELECT count(*) FROM outbox o WHERE o.subject = 'ASPnet application ' || a.reference || ': approved')
                      AS mails
           FROM applications a LEFT JOIN institutions i ON i.id = a.institution_id
           WHERE a.id IN (SELECT unnest(?::BIGINT[]))""",
        [ids],
    )
    approved = set()
    for row in frame.iter_rows(named=True):
        if row["stage"] == "approved":
            assert (
                row["school"],
                row["status"],
                row["name"],
                row["events"],
                row["app_audit"],
                row["school_audit"],
                row["mails"],
            ) == (row["institution_id"], "candidate", row["institution_name"], 1, 1, 1, 1), row
            approved.add(row["id"])
        else:
            assert (row["stage"], row["institution_id"], row["events"], row["app_audit"], row["mails"]) == (
                "recommended",
                None,
                0,
                0,
                0,
            ), row
    # No institution or audit row from an approval that did not commit.
    schools = {i for (i,) in db.rows("SELECT id FROM institutions WHERE updated_by LIKE 'crash.approve%'")}
    audited = {
        int(i)
        for (i,) in db.rows(
            "SELECT entity_id FROM audit_log WHERE actor LIKE 'crash.approve%' AND action = 'institution.create'"
        )
    }
    linked = set(frame.filter(pl.col("stage") == "approved")["institution_id"].to_list())
    assert schools == audited == linked
    return approved


def test_application_approval_killed_midway_is_all_or_nothing(scratch_copy):
    rng = random.Random(1953)
    with reopen(scratch_copy) as db:
        ids = recommended_applications(db, 60, 0)
    approved: set[int] = set()
    kills = inside = inside_committed = attempts = 0
    while kills < KILLS:
        attempts += 1
        assert attempts <= 2 * KILLS, "the child keeps finishing before it is killed"
        with reopen(scratch_copy) as db:
            waiting = [i for i in ids if i not in approved]
            if len(waiting) < 30:
                more = recommended_applications(db, 40, len(ids))
                ids += more
                waiting += more
            version = db.data_version
        lines, killed = run_and_kill(
            ["approve", str(scratch_copy), f"crash.approve{attempts}", *map(str, waiting)],
            trigger=lambda line: line.startswith("BEGIN"),
            delay=rng.uniform(0, 0.3),
        )
        reported = {int(line.split()[1]) for line in lines if line.startswith("COMMITTED")}
        begun = [int(line.split()[1]) for line in lines if line.startswith("BEGIN")]
        with reopen(scratch_copy) as db:
            now = approval_outcome(db, ids)
            assert approved <= now, "an approval that had committed was lost"
            new = now - approved
            # What committed is what the child reported, plus at most the one it was in when killed.
            assert reported <= new and new - reported <= {begun[-1]}, (reported, new, begun[-1:])
            assert db.data_version == version + len(new)
        if killed and begun[-1] not in reported:
            inside += 1
            inside_committed += begun[-1] in new
        kills += killed
        approved = now
    print(
        f"\napprovals: {kills} kills, {len(approved)} approved in all; {inside} kills landed inside an approval "
        f"({inside_committed} of them after its commit)"
    )
    assert inside
