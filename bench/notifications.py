#!/usr/bin/env python3
"""The e-mail of mentions and direct messages: a daily digest run for every coordinator; and
the board's list and one conversation opened with those 100,000 direct messages.

    .venv/bin/python bench/notifications.py 10000 out.json   # one size (run.py calls it so)
    .venv/bin/python bench/notifications.py --write           # 10k into bench/results/notifications.*

On a copy of the demo network, every coordinator takes part in conversations with others
(pairs and groups): 100,000 direct messages written over the last six days, one in fifty
mentioning someone, and 1,000 messages of the all-coordinators channel mentioning a coordinator
or a network, all unread. Every coordinator chose the daily digest (everyone else: never). A
run is timed from the same state each time (the watermarks, digests and outbox put back in
between, untimed): who is due, each coordinator's new messages by the board's rules, the mails
composed, then queued in one transaction. Also timed: what is new for one coordinator, and the
instant run a minute later, when nothing is new.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import polars as pl
from common import ROOT, database, percentiles, save_results

sys.path.insert(0, str(ROOT))

from aspnet_data import accounts, board, notifications  # noqa: E402
from aspnet_data.db import advance_sequences, open_database, utc_now  # noqa: E402

DIRECT_MESSAGES = 100_000
CHANNEL_MENTIONS = 1_000
PARTNERS = 4  # conversations of two each coordinator starts
GROUPS = 40  # conversations of five
RUNS = 7  # timed runs of the daily digest (after one untimed)
SEED = 2026
VIEWS = {
    "run": "daily run for every coordinator: notifications.run (compose, then queue)",
    "compose": "… who is due, what is new for each, the mails written (notifications.compose)",
    "recipients": "… … of which who is due: mode, address, a digest not yet today (notifications.recipients)",
    "queue": "… the mails queued, watermarks moved, in one transaction (notifications.queue)",
    "pending": "what is new for one coordinator (notifications.pending), over every coordinator",
    "instant_idle": "instant run a minute later, nothing new (notifications.run)",
    "channels": "the board's list for one coordinator with conversations and unread counts (board.channels)",
    "conversation": "the busiest conversation opened: its first page of threads (board.thread_list), by each member",
    "thread": "one thread of it opened (board.thread_messages)",
}


def _fill(db, now) -> dict:
    """Conversations among the coordinators and their messages (one transaction)."""
    rng = random.Random(SEED)
    coordinators = [n for (n,) in db.rows("SELECT username FROM users WHERE role = 'coordinator' ORDER BY 1")]
    networks = sorted({n for (n,) in db.rows("SELECT network FROM users WHERE role = 'coordinator'")})
    pairs = {
        tuple(sorted((c, rng.choice([o for o in coordinators if o != c]))))
        for c in coordinators
        for _ in range(PARTNERS)
    }
    groups = [tuple(rng.sample(coordinators, 5)) for _ in range(GROUPS)]
    talks = [list(p) for p in sorted(pairs)] + [list(g) for g in groups]
    first_channel = int(db.scalar("SELECT coalesce(max(id), 0) FROM channels")) + 1
    everyone = db.scalar("SELECT id FROM channels WHERE kind = 'all'")
    rows = []
    for _ in range(DIRECT_MESSAGES):
        k = rng.randrange(len(talks))
        members = talks[k]
        author = rng.choice(members)
        body = f"Message about our twinning project, week {rng.randrange(1, 52)}."
        if rng.random() < 0.02:
            body += f" What do you think, @{rng.choice([m for m in members if m != author])}?"
        rows.append((first_channel + k, author, body, now - timedelta(seconds=rng.randrange(6 * 86400))))
    for _ in range(CHANNEL_MENTIONS):
        author = rng.choice(coordinators)
        target = rng.choice(coordinators) if rng.random() < 0.8 else rng.choice(networks)
        rows.append(
            (
                everyone,
                author,
                f"@{target} please share your ESD figures",
                now - timedelta(seconds=rng.randrange(6 * 86400)),
            )
        )
    rows.sort(key=lambda r: r[3])  # ids in time order, as posts get them
    messages = pl.DataFrame(rows, schema=["channel_id", "author", "body", "created_at"], orient="row")
    channels = pl.DataFrame(
        {
            "id": [first_channel + k for k in range(len(talks))],
            "slug": [f"conversation-{first_channel + k}" for k in range(len(talks))],
            "kind": "direct",
            "title": ["" if len(t) == 2 else f"Group {k}" for k, t in enumerate(talks)],
            "created_by": [t[0] for t in talks],
            "created_at": now - timedelta(days=7),
        }
    )
    members = pl.DataFrame(
        [(first_channel + k, m, t[0], now - timedelta(days=7)) for k, t in enumerate(talks) for m in t],
        schema=["channel_id", "username", "added_by", "added_at"],
        orient="row",
    )

    def write(cur) -> None:
        for name, frame in (("bench_channels", channels), ("bench_members", members), ("bench_messages", messages)):
            cur.register(name, frame.to_arrow())
        cur.execute(
            "INSERT INTO channels (id, slug, kind, title, created_by, created_at) "
            "SELECT id, slug, kind, title, created_by, created_at FROM bench_channels"
        )
        cur.execute("INSERT INTO channel_members SELECT channel_id, username, added_by, added_at FROM bench_members")
        cur.execute(
            "INSERT INTO messages (id, channel_id, author, body, created_at) "
            "SELECT nextval('message_id_seq'), channel_id, author, body, created_at FROM bench_messages "
            "ORDER BY created_at"
        )
        for name in ("bench_channels", "bench_members", "bench_messages"):
            cur.unregister(name)
        advance_sequences(cur)  # past the conversations' ids
        # Only the coordinators hear of it, in the daily digest.
        cur.execute("UPDATE notification_settings SET mode = 'never'")
        cur.execute(
            "UPDATE notification_settings SET mode = 'daily' WHERE username IN "
            "(SELECT username FROM users WHERE role = 'coordinator')"
        )

    db.write(write)
    return {"coordinators": len(coordinators), "conversations": len(talks), "members": members.height}


def measure(path: Path) -> dict:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "notifications.duckdb"
        shutil.copy(path, copy)
        db = open_database(copy)
        now = utc_now()
        base_message = int(db.scalar("SELECT coalesce(max(id), 0) FROM messages"))
        out: dict = _fill(db, now) | {
            "direct_messages": DIRECT_MESSAGES,
            "channel_mentions": CHANNEL_MENTIONS,
            "messages": int(db.scalar("SELECT count(*) FROM messages")),
        }
        base_outbox = int(db.scalar("SELECT coalesce(max(id), 0) FROM outbox"))

        def reset() -> None:
            db.write(
                lambda cur: (
                    cur.execute(
                        "UPDATE notification_settings SET notified_through = ?, last_digest_at = NULL, "
                        "last_sent_at = NULL, mode = CASE WHEN mode = 'never' THEN 'never' ELSE 'daily' END",
                        [base_message],
                    ),
                    cur.execute("DELETE FROM outbox WHERE id > ?", [base_outbox]),
                )
            )

        samples: dict[str, list[float]] = {k: [] for k in ("run", "recipients", "compose", "queue")}
        for attempt in range(RUNS + 1):
            reset()
            started = time.perf_counter()
            due = notifications.recipients(db, "daily", now=now)
            after_recipients = time.perf_counter()
            mails = notifications.compose(db, "daily", now=now)
            after_compose = time.perf_counter()
            queued = notifications.queue(db, mails, "daily", now=now)
            done = time.perf_counter()
            # compose() looks up who is due itself: the run is compose + queue.
            if attempt:
                samples["recipients"].append((after_recipients - started) * 1000)
                samples["compose"].append((after_compose - after_recipients) * 1000)
                samples["queue"].append((done - after_compose) * 1000)
                samples["run"].append((done - after_recipients) * 1000)
        out |= {k: percentiles(v) for k, v in samples.items()}
        out["run"] |= {"mails": queued, "due": len(due)}
        bodies = db.rows("SELECT length(body) FROM outbox WHERE id > ?", [base_outbox])
        out["queue"] |= {"mails": queued, "mean_kb": round(sum(b for (b,) in bodies) / max(1, len(bodies)) / 1000, 1)}
        listed = [len(m.body.split("\n- ")) - 1 for m in mails]
        out["compose"] |= {"mails": len(mails), "listed_max": max(listed, default=0)}
        out["recipients"] |= {"due": len(due)}

        reset()
        pending = []
        coordinators = [n for (n,) in db.rows("SELECT username FROM users WHERE role = 'coordinator' ORDER BY 1")]
        totals = []
        for name in coordinators:
            actor = accounts.get_user(db, name).actor
            started = time.perf_counter()
            new = notifications.pending(db, actor, since=base_message, now=now)
            pending.append((time.perf_counter() - started) * 1000)
            totals.append(new.total)
        out["pending"] = percentiles(pending) | {"new_median": sorted(totals)[len(totals) // 2], "new_max": max(totals)}

        # The board as a coordinator opens it: the list of channels and conversations with what
        # is unread (all of it here), then the busiest conversation and one of its threads.
        listing, sizes, unread = [], [], []
        for name in coordinators:
            actor = accounts.get_user(db, name).actor
            started = time.perf_counter()
            found = board.channels(db, actor)
            listing.append((time.perf_counter() - started) * 1000)
            sizes.append(int((found["kind"] == "direct").sum()))
            unread.append(int(found["unread"].sum()))
        out["channels"] = percentiles(listing) | {"conversations_max": max(sizes), "unread_max": max(unread)}
        busiest, count = db.rows(
            "SELECT m.channel_id, count(*) FROM messages m JOIN channels c ON c.id = m.channel_id "
            "WHERE c.kind = 'direct' GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
        )[0]
        members = [n for (n,) in db.rows("SELECT username FROM channel_members WHERE channel_id = ?", [busiest])]
        opened = []
        for _ in range(3):
            for name in members:
                actor = accounts.get_user(db, name).actor
                started = time.perf_counter()
                page = board.thread_list(db, actor, busiest)
                opened.append((time.perf_counter() - started) * 1000)
        out["conversation"] = percentiles(opened) | {"messages": int(count), "shown": page.height}
        first = int(page["thread"][0])
        reading = []
        for _ in range(20):
            started = time.perf_counter()
            board.thread_messages(db, actor, first)
            reading.append((time.perf_counter() - started) * 1000)
        out["thread"] = percentiles(reading) | {"messages": int(count)}

        # A minute after the digests went, everyone on "at once": nothing new for anyone.
        notifications.run(db, now, "daily")
        db.write(lambda cur: cur.execute("UPDATE notification_settings SET mode = 'instant' WHERE mode = 'daily'"))
        idle = []
        for _ in range(30):
            started = time.perf_counter()
            sent = notifications.run(db, now + timedelta(minutes=1), "instant")
            idle.append((time.perf_counter() - started) * 1000)
            assert sent == 0
        out["instant_idle"] = percentiles(idle) | {"mails": 0}
        db.close()
    out["load_average"] = [round(load_before, 1), round(os.getloadavg()[0], 1)]
    return out


def _size(key: str, m: dict) -> str:
    if key == "pending":
        return f"new per coordinator: median {m['new_median']:,}, max {m['new_max']:,}"
    if key == "queue":
        return f"{m['mails']:,} mails, {m['mean_kb']:g} kB each on average"
    if key == "compose":
        return f"{m['mails']:,} mails (at most {m['listed_max']} messages listed in one)"
    if key == "recipients":
        return f"{m['due']:,} coordinators"
    if key == "channels":
        return f"up to {m['conversations_max']:,} conversations and {m['unread_max']:,} unread messages"
    if key == "conversation":
        return f"{m['shown']} threads shown of {m['messages']:,} messages"
    if key == "thread":
        return f"in a conversation of {m['messages']:,} messages"
    return f"{m['mails']:,} mails"


def markdown(results: list[dict]) -> str:
    lines = [
        "## Direct messages: their e-mail, the board's list and a conversation (p50 / p95)",
        "",
        f"Every coordinator in {results[0]['conversations']:,} conversations ({results[0]['members']:,} memberships), "
        f"{DIRECT_MESSAGES:,} direct messages of the last six days (one in fifty mentions someone) and "
        f"{CHANNEL_MENTIONS:,} mentions in the all-coordinators channel, none read yet; every coordinator on the daily "
        f"digest. {RUNS} runs after one, each from the same state; the instant run 30 times. Load average of the "
        "machine (1 minute) before and after: "
        + ", ".join(f"{r['institutions']:,}: {r['load_average'][0]:g} → {r['load_average'][1]:g}" for r in results)
        + f" ({os.cpu_count()} CPUs).",
        "",
        "| | "
        + " | ".join(
            f"{r['institutions']:,} institutions ({r['coordinators']:,} coordinators, {r['messages']:,} messages)"
            for r in results
        )
        + " |",
        "|---|" + "---|" * len(results),
    ]
    for key, label in VIEWS.items():
        lines.append(
            f"| {label} | "
            + " | ".join(
                f"{r[key]['p50_ms']:,.1f} / {r[key]['p95_ms']:,.1f} ms · {_size(key, r[key])}" for r in results
            )
            + " |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    if sys.argv[1] == "--write":
        results = []
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out.json"
            subprocess.run([sys.executable, __file__, "10000", str(out)], check=True)
            results.append(json.loads(out.read_text(encoding="utf-8")))
        save_results("notifications", results, markdown)
        print(markdown(results))
        return
    size, target = int(sys.argv[1]), Path(sys.argv[2])
    target.write_text(json.dumps({"institutions": size, **measure(database(size))}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
