"""The demo's direct conversations: coordinators writing to each other (and now and then to
UNESCO's staff) about sharing what they made, a few of them with a title and several people,
in their language when both speak it. Drawn from a seed alone."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import polars as pl

# (opening, replies) by language: a conversation follows one of these.
EXCHANGES: dict[str, list[tuple[str, list[str]]]] = {
    "en": [
        (
            "We have translated the ESD toolkit into our national language; happy to share the files with you.",
            ["That would help us a lot, thank you!", "Sending them this week, with the teachers' notes."],
        ),
        (
            "Could your schools host two of ours for the heritage exchange next spring?",
            ["Yes, gladly. Which dates suit you?", "Late April would be ideal.", "Noted, I will ask the schools."],
        ),
        (
            "How did you organise the annual reports' collection last year? Ours came in very late.",
            ["We sent a reminder a month before, then called the late ones.", "Good idea, we will try that."],
        ),
        (
            "Do you have a contact for the climate education workshop in your region?",
            ["I will introduce you to our focal point for it.", "Thank you!"],
        ),
    ],
    "fr": [
        (
            "Nous avons traduit la boîte à outils EDD en français : je peux vous envoyer les fichiers.",
            [
                "Avec plaisir, merci beaucoup !",
                "Je vous les envoie cette semaine, avec les fiches pour les enseignants.",
            ],
        ),
        (
            "Vos écoles seraient-elles partantes pour un jumelage autour du patrimoine ?",
            ["Oui, deux écoles sont intéressées.", "Parfait, parlons-en à la prochaine réunion régionale."],
        ),
    ],
    "es": [
        (
            "Hemos traducido la guía de educación para el desarrollo sostenible; te puedo enviar los archivos.",
            ["¡Sería de gran ayuda, gracias!", "Te los mando esta semana, con las notas para el profesorado."],
        ),
        (
            "¿Cómo organizaron la recogida de informes anuales el año pasado?",
            ["Enviamos un recordatorio un mes antes.", "Buena idea, lo haremos así."],
        ),
    ],
}
GROUPS = {
    "en": "Translating the toolkits",
    "fr": "Traductions des ressources",
    "es": "Traducción de los materiales",
}


def build(
    seed: int, as_of: datetime, users: pl.DataFrame, channels: pl.DataFrame, messages: pl.DataFrame, *, count: int
) -> dict[str, pl.DataFrame]:
    """``count`` conversations to append: channels (new ids after ``channels``), their members,
    their messages (new ids after ``messages``) and where each member stopped reading (the
    last message of some is still unread)."""
    py = random.Random(seed)
    people = users.filter(pl.col("role").is_in(["coordinator", "admin"])).select("username", "role", "language")
    coordinators = people.filter(pl.col("role") == "coordinator").rows(named=True)
    admins = people.filter(pl.col("role") == "admin")["username"].to_list()
    if len(coordinators) < 3:
        return {}
    next_channel = int(channels["id"].max() or 0) + 1  # type: ignore[arg-type]
    next_message = int(messages["id"].max() or 0) + 1  # type: ignore[arg-type]
    chans, members, posts, reads = [], [], [], []
    for k in range(count):
        starter = py.choice(coordinators)
        same = [
            p for p in coordinators if p["language"] == starter["language"] and p["username"] != starter["username"]
        ]
        others = [py.choice(same or [p for p in coordinators if p["username"] != starter["username"]])]
        group = k % 5 == 4  # one in five: a titled group of three or four
        if group:
            extra = [p for p in coordinators if p["username"] not in {starter["username"], others[0]["username"]}]
            others += py.sample(extra, k=min(len(extra), py.choice((1, 2))))
        elif admins and k % 7 == 3:
            others = [{"username": admins[0], "language": "en"}]
        lang = starter["language"] if all(o["language"] == starter["language"] for o in others) else "en"
        lang = lang if lang in EXCHANGES else "en"
        opening, replies = py.choice(EXCHANGES[lang])
        everyone = [starter["username"], *(o["username"] for o in others)]
        started = as_of - timedelta(days=py.uniform(2, 120))
        chans.append(
            {
                "id": next_channel,
                "slug": f"conversation-{next_channel}",
                "kind": "direct",
                "title": GROUPS[lang] if group else "",
                "created_by": starter["username"],
                "created_at": started,
            }
        )
        members += [
            {"channel_id": next_channel, "username": name, "added_by": starter["username"], "added_at": started}
            for name in everyone
        ]
        thread, at, author = next_message, started, starter["username"]
        posts.append(_message(next_message, next_channel, None, author, opening, at))
        next_message += 1
        for reply in replies:
            at += timedelta(hours=py.uniform(1, 40))
            if at >= as_of:
                break
            author = py.choice([name for name in everyone if name != author])
            posts.append(_message(next_message, next_channel, thread, author, reply, at))
            next_message += 1
        last = next_message - 1
        for name in everyone:
            # The last message waits unread for someone else in about half the conversations.
            unread = name != author and py.random() < 0.5
            reads.append({"username": name, "channel_id": next_channel, "last_read_id": last - 1 if unread else last})
        next_channel += 1
    return {
        "channels": pl.DataFrame(chans),
        "channel_members": pl.DataFrame(members),
        "messages": pl.DataFrame(posts),
        "channel_reads": pl.DataFrame(reads),
    }


def _message(mid: int, channel: int, thread: int | None, author: str, body: str, at: datetime) -> dict:
    return {"id": mid, "channel_id": channel, "thread_id": thread, "author": author, "body": body, "created_at": at}
