"""The message board's glue: channel names, the channel kept in the URL, messages and threads
as cards, the notices shown where a person acted, and the callbacks that post, edit and hide.

Callbacks run at the start of the next run, in the session: they read who acts from it.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import polars as pl
import streamlit as st

from aspnet_data import board, files
from aspnet_data.db import utc_now
from aspnet_data.errors import EditWindowPassed, FileRefused, NotFound, PermissionDenied, ValidationFailed
from aspnet_data.profiles import parse_id

from . import attachments, data
from .auth import current_actor
from .i18n import current_language, t
from .safe import md, message_markdown

_CHANNEL, _NOTICE, _OPEN_THREADS = "board_channel", "board_notice", "board_open_threads"
_SEARCH, _NEW = "board_search", "board_new"
_FOCUS, _LINKED = "board_focus", "board_linked"


def channel_title(row: dict, members: dict[int, list[dict]] | None = None) -> str:
    """A channel's name: the whole network's, a region's (in the interface language) or its
    title; a conversation's, its title or the names of the others in it."""
    if row["kind"] == "direct":
        others = [
            m["display_name"] for m in (members or {}).get(row["id"], []) if m["username"] != current_actor().username
        ]
        return row["title"] or ", ".join(others) or t("board.conversation")
    if row["kind"] == "all":
        return t("board.channel_all")
    if row["kind"] == "schools" and row.get("network"):
        country = data.network_names(current_language()).get(row["network"], row["network"])
        return t("board.channel_schools", country=country)
    regions = data.region_names(current_language())
    return regions.get(row["region"], row["title"]) if row["kind"] == "region" else row["title"]


def channel_labels(channels: pl.DataFrame) -> tuple[dict[str, str], list[str]]:
    """(slug -> title, captions in the same order) for the channel list.

    The radio's value is the label it shows: labels stay the same from run to run (unread
    counts go in the captions), and two channels of the same title are told apart by their
    short name, so the chosen channel stays chosen.
    """
    rows = channels.to_dicts()
    direct = [row["id"] for row in rows if row["kind"] == "direct"]
    members = board.conversation_members(data.db(), current_actor(), direct) if direct else {}
    icon = {"direct": ":material/chat: "}
    titles = {row["slug"]: icon.get(row["kind"], "") + md(channel_title(row, members)) for row in rows}
    repeated = Counter(titles.values())
    titles = {slug: f"{title} · {md(slug)}" if repeated[title] > 1 else title for slug, title in titles.items()}
    captions = [
        " · ".join(
            part
            for part in (
                t("board.unread_count", count=row["unread"]) if row["unread"] else "",
                f":orange[{t('board.mention_count', count=row['mentions'])}]" if row["mentions"] else "",
            )
            if part
        )
        for row in rows
    ]
    return titles, captions


def channel_from_url(slugs: list[str]) -> tuple[str, bool]:
    """(the channel to show, whether it was just set): the one in the URL (?channel=), else the
    one open in this session, else the first. Call before the channel list is drawn."""
    requested = st.query_params.get("channel")
    if requested not in slugs:
        current = st.session_state.get(_CHANNEL)
        requested = current if current in slugs else slugs[0]
    moved = st.session_state.get(_CHANNEL) != requested
    if moved:
        st.session_state[_CHANNEL] = requested
    return requested, moved


def channel_picked() -> None:
    """Callback: a channel picked from the list goes into the URL (without the thread a link
    had opened in the previous one)."""
    st.query_params["channel"] = st.session_state[_CHANNEL]
    st.query_params.pop("thread", None)


def thread_from_url(slug: str) -> int | None:
    """The thread to show first in the channel ``slug``: the one a link named (?thread=, as the
    e-mail's links do), unfolded when the link is opened, or the one a search result opened;
    the page draws it first when it is not among the threads it lists."""
    raw = st.query_params.get("thread", "")
    linked = parse_id(raw)  # ASCII digits, at most 15 of them: anything else is no thread
    if linked is not None and st.session_state.get(_LINKED) != (slug, raw):
        st.session_state[_LINKED] = (slug, raw)
        st.session_state[_FOCUS] = (slug, linked)
        st.session_state.setdefault(_OPEN_THREADS, set()).add(linked)
    focus = st.session_state.get(_FOCUS)
    return focus[1] if focus and focus[0] == slug else None


def seen_when_opened(slug: str, channel_id: int) -> int:
    """The last message read when the person opened the channel: what was new then stays marked
    as new during the visit, although the board records at once that it has been read."""
    if st.session_state.get("board_open_channel") != slug:
        st.session_state["board_open_channel"] = slug
        st.session_state["board_seen"] = board.last_read(data.db(), current_actor(), channel_id)
        st.session_state.pop(_NOTICE, None)
    return st.session_state["board_seen"]


# -- notices -----------------------------------------------------------------------------------


def notify(where: tuple, text: str, kind: str = "success") -> None:
    """A notice shown where the person acted (under the form or the message), until the next action."""
    st.session_state[_NOTICE] = {"where": where, "text": text, "kind": kind}


def notice(where: tuple) -> None:
    shown = st.session_state.get(_NOTICE)
    if shown and shown["where"] == where:
        if shown["kind"] == "success":
            st.success(shown["text"], icon=":material/check_circle:")
        else:
            st.error(shown["text"], icon=":material/error:")


def refusal(problem: Exception) -> str:
    if isinstance(problem, ValidationFailed):
        return t(f"error.{problem.errors[0].code}", **problem.errors[0].params)
    if isinstance(problem, board.RateLimited):
        return t("board.rate_limited", count=board.RATE_LIMIT)
    if isinstance(problem, NotFound):
        return t("board.thread_gone")
    return t("board.edit_window_passed") if isinstance(problem, EditWindowPassed) else t("manage.not_allowed")


# -- callbacks ---------------------------------------------------------------------------------


def _uploads(where: str) -> list[files.Upload]:
    """The files chosen in the form ``where`` (its uploader's key changes after each post, so
    that a posted form starts empty)."""
    chosen = st.session_state.get(_upload_key(where)) or []
    return [files.Upload(f.name, f.getvalue()) for f in (chosen if isinstance(chosen, list) else [chosen])]


def _upload_key(where: str) -> str:
    return f"attach_{where}_{st.session_state.get(f'attach_round_{where}', 0)}"


def _checked(uploads: list[files.Upload], where: tuple) -> bool:
    """True when every file may be kept (checked by content, and within the quota); else says
    why under the form, and nothing is posted."""
    for upload in uploads:
        try:
            files.inspect(upload)
        except FileRefused as problem:
            notify(where, f"{md(upload.name)}: {attachments.refusal_text(problem)}", "error")
            return False
    needed = sum(len(u.data) for u in uploads)
    room = files.quota(data.db(), current_actor())
    if uploads and needed > room.left:
        mb = files.MB
        full = FileRefused(
            "quota", {"used_mb": f"{room.used / mb:.1f}", "quota_mb": room.limit // mb, "size_mb": f"{needed / mb:.1f}"}
        )
        notify(where, attachments.refusal_text(full), "error")
        return False
    return True


def _attach(message_id: int, uploads: list[files.Upload], where: tuple, done: str) -> None:
    """Attach the checked files to the message just posted; say what happened under the form."""
    for upload in uploads:
        try:
            files.attach(data.db(), current_actor(), message_id, upload)
        except (FileRefused, PermissionDenied, NotFound) as problem:
            why = attachments.refusal_text(problem) if isinstance(problem, FileRefused) else refusal(problem)
            notify(where, t("board.posted_without_file", name=md(upload.name), reason=why), "error")
            return
    notify(where, done)


def _reset_uploader(where: str) -> None:
    st.session_state[f"attach_round_{where}"] = st.session_state.get(f"attach_round_{where}", 0) + 1


def post_thread(channel_id: int, title: str) -> None:
    uploads = _uploads("new")
    if not _checked(uploads, ("new",)):
        return
    try:
        message_id = board.post(data.db(), current_actor(), channel_id, st.session_state.get(_NEW, ""))
    except (ValidationFailed, board.RateLimited, PermissionDenied) as problem:
        notify(("new",), refusal(problem), "error")
        return
    st.session_state[_NEW] = ""
    _reset_uploader("new")
    _attach(message_id, uploads, ("new",), t("board.posted_thread", channel=title))


def post_reply(channel_id: int, thread: int) -> None:
    key, where = f"reply_text_{thread}", f"reply_{thread}"
    uploads = _uploads(where)
    if not _checked(uploads, ("reply", thread)):
        return
    try:
        message_id = board.post(data.db(), current_actor(), channel_id, st.session_state.get(key, ""), thread_id=thread)
    except (ValidationFailed, board.RateLimited, PermissionDenied, NotFound) as problem:
        notify(("reply", thread), refusal(problem), "error")
        return
    st.session_state[key] = ""
    _reset_uploader(where)
    _attach(message_id, uploads, ("reply", thread), t("board.posted_reply"))


def change(action: str, message_id: int) -> None:
    """Save an edit, delete or hide one message; say so under it."""
    db, actor = data.db(), current_actor()
    try:
        if action == "save":
            board.edit(db, actor, message_id, st.session_state.get(f"edit_{message_id}", ""))
        elif action == "delete":
            board.delete(db, actor, message_id)
        elif action == "report":
            board.report(db, actor, message_id, st.session_state.get(f"report_{message_id}", ""))
        else:
            board.hide(db, actor, message_id, st.session_state.get(f"reason_{message_id}", ""))
    except (ValidationFailed, PermissionDenied, NotFound) as problem:
        notify(("message", message_id), refusal(problem), "error")
        return
    notify(
        ("message", message_id),
        t(
            {
                "save": "board.saved",
                "delete": "board.deleted_notice",
                "hide": "board.hidden_notice",
                "report": "board.reported_notice",
            }[action]
        ),
    )


def open_found(slug: str, thread: int) -> None:
    st.query_params["channel"] = slug
    st.query_params.pop("thread", None)
    st.session_state[_FOCUS] = (slug, thread)
    st.session_state.setdefault(_OPEN_THREADS, set()).add(thread)
    st.session_state[_SEARCH] = ""


def toggled(thread: int) -> None:
    # Kept apart from the expander's own state: its label (the reply count) is part of its
    # identity, so a new reply would otherwise fold the thread the person is reading.
    opened = st.session_state.setdefault(_OPEN_THREADS, set())
    (opened.add if st.session_state.get(f"thread_{thread}") else opened.discard)(thread)


# -- messages ----------------------------------------------------------------------------------


def when(moment: datetime, *, hours: bool = True) -> str:
    """A date (and time) that a narrow screen does not break in the middle: non-breaking
    hyphens and space."""
    return f"{moment:%Y-%m-%d}".replace("-", "\u2011") + (f"\u00a0{moment:%H:%M}" if hours else "")


def byline(row: dict, *, new: str, mentioned: bool) -> str:
    """Who wrote it, from which network, when; badges for what is new and what mentions the reader."""
    countries = data.network_names(current_language())
    who = md(row["display_name"] or row["author"])
    where = md(countries.get(row["network"], row["network"]) if row["network"] else "UNESCO")
    edited = f" · {t('board.edited')}" if row["edited_at"] else ""
    badges = (f" :blue-badge[{new}]" if new else "") + (
        f" :orange-badge[@ {t('board.mentions_you')}]" if mentioned else ""
    )
    return f"**{who}** · {where} · {when(row['created_at'])}{edited}{badges}"


def body(row: dict, *, folded: bool) -> None:
    if row["deleted"]:
        st.caption(t("board.deleted"))
    elif row["hidden_reason"]:
        st.caption(t("board.hidden", reason=md(row["hidden_reason"])))
    elif folded:
        st.markdown(message_markdown(board.preview(row["body"])[0]))
    else:
        st.markdown(message_markdown(row["body"]))


def controls(row: dict, *, moderate: bool = True, direct: bool = False) -> None:
    """Edit or delete one's own message within the edit window; UNESCO admins hide any message
    (in an open thread: a folded one stays a quiet summary). In a conversation, admins do not
    moderate: its members report a message to them instead."""
    actor = current_actor()
    mid = row["id"]
    own_recent = (
        row["author"] == actor.username and not row["deleted"] and utc_now() - row["created_at"] <= board.EDIT_WINDOW
    )
    can_hide = not direct and moderate and actor.role == "admin" and not row["deleted"] and not row["hidden_reason"]
    can_report = direct and row["author"] != actor.username and not row["deleted"] and not row["hidden_reason"]
    if not (own_recent or can_hide or can_report):
        return
    with st.container(horizontal=True):
        if own_recent:
            with st.popover(t("board.edit_delete"), icon=":material/edit:"):
                st.text_area(t("board.message"), value=row["body"], key=f"edit_{mid}", max_chars=board.MAX_LENGTH)
                with st.container(horizontal=True):
                    st.button(t("form.save"), key=f"save_{mid}", type="primary", on_click=change, args=("save", mid))
                    st.button(t("board.delete"), key=f"delete_{mid}", on_click=change, args=("delete", mid))
        if can_hide:
            with st.popover(t("board.hide_button"), icon=":material/visibility_off:"):
                reason = st.text_input(t("board.reason"), key=f"reason_{mid}", max_chars=300)
                st.button(
                    t("board.hide_button"),
                    key=f"hide_{mid}",
                    disabled=not reason.strip(),
                    on_click=change,
                    args=("hide", mid),
                )
        if can_report:
            with st.popover(t("board.report"), icon=":material/flag:"):
                st.caption(t("board.report_help"))
                st.text_input(t("board.reason"), key=f"report_{mid}", max_chars=300)
                st.button(t("board.report_send"), key=f"report_send_{mid}", on_click=change, args=("report", mid))


def thread_card(
    row: dict,
    *,
    channel_id: int,
    seen: int,
    replies: bool = True,
    direct: bool = False,
    shared: dict[int, list] | None = None,
) -> None:
    """A thread: its first message (folded to a preview), and on opening its replies and
    (``replies``: for those who write in the channel) a reply box. ``shared``: the files of the
    page's first messages, read once for the page (``page_attachments``)."""
    thread = row["thread"]
    with st.container(border=True):
        head = st.container()
        idle = "board.reply" if replies else "board.read"
        label = t("board.replies", count=row["replies"]) if row["replies"] else t(idle)
        if row["replies"]:
            label += " · " + t("board.last_reply", when=when(row["activity"], hours=False))
        folded = st.expander(
            label,
            expanded=thread in st.session_state.get(_OPEN_THREADS, ()),
            key=f"thread_{thread}",
            on_change=toggled,
            args=(thread,),
            icon=":material/forum:" if row["replies"] else ":material/reply:",
        )
        messages = (
            board.thread_messages(data.db(), current_actor(), thread, seen=seen).to_dicts() if folded.open else [row]
        )
        if folded.open or shared is None:
            shared = files.message_attachments(data.db(), current_actor(), [m["id"] for m in messages])
        first = messages[0]
        with head:
            st.markdown(
                byline(
                    first,
                    new=t("board.new_count", count=row["new"]) if row["new"] else "",
                    mentioned=bool(row["mentions"]),
                )
            )
            body(first, folded=not folded.open)
            attachments.show(shared.get(first["id"], []), key=f"files_{first['id']}")
            controls(first, moderate=bool(folded.open), direct=direct)
            notice(("message", first["id"]))
        if not folded.open:
            return
        with folded:
            for reply in messages[1:]:
                with st.container(border=True):
                    st.markdown(byline(reply, new=t("board.new") if reply["new"] else "", mentioned=reply["mentioned"]))
                    body(reply, folded=False)
                    attachments.show(shared.get(reply["id"], []), key=f"files_{reply['id']}")
                    controls(reply, direct=direct)
                    notice(("message", reply["id"]))
            if not replies:
                return
            with st.form(f"reply_{thread}", border=False):
                st.text_area(
                    t("board.your_reply"),
                    key=f"reply_text_{thread}",
                    max_chars=board.MAX_LENGTH,
                    height=100,
                    help=t("board.mention_help"),
                )
                attachments.uploader(_upload_key(f"reply_{thread}"), label=t("board.attach"))
                notice(("reply", thread))
                st.form_submit_button(
                    t("board.post_reply"), icon=":material/reply:", on_click=post_reply, args=(channel_id, thread)
                )


def page_attachments(threads: pl.DataFrame) -> dict[int, list]:
    """The files of a page of threads' first messages, in one read (each card's replies are
    read when it is opened)."""
    return data.board_attachments(current_actor(), tuple(threads["id"].to_list()))


def search_results(query: str) -> None:
    """Messages found in every channel the person reads, each with a button that opens its thread."""
    found = board.search(data.db(), current_actor(), query)
    st.caption(t("board.results", count=found.height))
    for hit in found.iter_rows(named=True):
        with st.container(border=True):
            where = channel_title(
                {"kind": hit["kind"], "region": hit["region"], "title": hit["channel"], "id": hit["channel_id"]},
                board.conversation_members(data.db(), current_actor(), [hit["channel_id"]])
                if hit["kind"] == "direct"
                else None,
            )
            st.markdown(
                f"**{md(where)}** · {md(hit['display_name'] or hit['author'])} · "
                f"{when(hit['created_at'], hours=False)}  \n" + message_markdown(board.preview(hit["body"])[0])
            )
            st.button(
                t("board.open_found"),
                key=f"found_{hit['id']}",
                icon=":material/forum:",
                on_click=open_found,
                args=(hit["slug"], hit["thread"]),
            )


def new_channel_form() -> None:
    """A topical channel (UNESCO admins), opened once made."""
    with st.popover(t("board.new_channel"), icon=":material/add:"), st.form("new_channel"):
        title = st.text_input(t("board.channel_title"), max_chars=120)
        slug = st.text_input(t("board.channel_slug"), max_chars=40, help=t("error.bad_username"))
        if st.form_submit_button(t("board.new_channel")):
            try:
                board.create_channel(data.db(), current_actor(), slug=slug, title=title)
                st.query_params["channel"] = slug.strip().lower()
            except ValidationFailed as failed:
                st.toast(t(f"error.{failed.errors[0].code}"))
            st.rerun()


def new_thread_form(channel: dict) -> None:
    with st.form("new_thread", border=True):
        st.text_area(
            t("board.new_thread"), max_chars=board.MAX_LENGTH, key=_NEW, height=100, help=t("board.mention_help")
        )
        attachments.uploader(_upload_key("new"), label=t("board.attach"))
        notice(("new",))
        st.form_submit_button(
            t("board.post"),
            type="primary",
            icon=":material/send:",
            on_click=post_thread,
            args=(channel["id"], channel_title(channel)),
        )


# -- direct conversations ---------------------------------------------------------------------


def person_label(person: dict, countries: dict[str, str]) -> str:
    """A person as the list of people shows them: name, network (or UNESCO), role; typing any
    of these finds them. ``countries``: the networks' names in the page's language."""
    where = countries.get(person["network"], person["network"]) if person["network"] else "UNESCO"
    return f"{person['display_name']} · {where} · {t('role.' + person['role'])}"


def start_conversation() -> None:
    """Callback: start the conversation the form describes, then open it."""
    db, actor = data.db(), current_actor()
    try:
        channel, _ = board.start_conversation(
            db,
            actor,
            st.session_state.get("conversation_people") or [],
            st.session_state.get("conversation_first", ""),
            title=st.session_state.get("conversation_title", ""),
        )
    except (ValidationFailed, board.RateLimited, PermissionDenied) as problem:
        notify(("conversation",), refusal(problem), "error")
        return
    slug = db.scalar("SELECT slug FROM channels WHERE id = ?", [channel])
    st.session_state[_CHANNEL] = slug
    st.query_params["channel"] = slug
    # Opened as it is started, so the notice below stays (opening a channel clears notices).
    st.session_state["board_open_channel"], st.session_state["board_seen"] = slug, 0
    for key in ("conversation_people", "conversation_title", "conversation_first"):
        st.session_state.pop(key, None)
    notify(("new",), t("board.conversation_started"))


def new_conversation_form() -> None:
    """Start a conversation with one or several people, found by name, network or role."""
    people = data.conversation_people(current_actor())
    # The countries' names once for the list (up to 1,000 people), not once a person.
    countries = data.network_names(current_language())
    labels = {row["username"]: person_label(row, countries) for row in people.iter_rows(named=True)}
    with st.popover(t("board.new_conversation"), icon=":material/chat:", width="stretch"):
        st.multiselect(
            t("board.conversation_people"),
            list(labels),
            format_func=lambda username: labels[username],
            key="conversation_people",
            placeholder=t("board.conversation_people_placeholder"),
            help=t("board.conversation_people_help"),
            max_selections=board.MAX_MEMBERS - 1,
        )
        st.text_input(t("board.conversation_title"), key="conversation_title", max_chars=120)
        st.text_area(t("board.conversation_first"), key="conversation_first", max_chars=board.MAX_LENGTH, height=100)
        notice(("conversation",))
        st.button(t("board.conversation_start"), type="primary", icon=":material/send:", on_click=start_conversation)


def conversation_caption(channel: dict) -> None:
    """Who reads this conversation: its members, and nobody else."""
    members = board.conversation_members(data.db(), current_actor(), [channel["id"]]).get(channel["id"], [])
    names = ", ".join(md(m["display_name"]) for m in members)
    st.caption(t("board.conversation_private", names=names))


def moderate(message_id: int, leave: bool) -> None:
    """Callback: an admin hides a reported message (with a reason) or leaves it."""
    db, actor = data.db(), current_actor()
    try:
        if leave:
            board.dismiss_report(db, actor, message_id)
        else:
            board.hide(db, actor, message_id, st.session_state.get(f"reported_reason_{message_id}", ""))
    except (ValidationFailed, PermissionDenied, NotFound) as problem:
        notify(("reported", message_id), refusal(problem), "error")
        return
    notify(("reported",), t("board.left_notice" if leave else "board.hidden_notice"))


def reported_queue() -> None:
    """Admins: messages of conversations that their members reported, to hide or leave."""
    waiting = board.reported(data.db(), current_actor())
    label = t("board.reported_title", count=waiting.height)
    with st.expander(label, icon=":material/flag:", expanded=False):
        notice(("reported",))
        if waiting.height == 0:
            st.caption(t("board.reported_none"))
        for row in waiting.iter_rows(named=True):
            mid = row["message_id"]
            with st.container(border=True):
                st.markdown(f"**{md(row['display_name'] or row['author'])}** · {when(row['created_at'])}")
                st.markdown(message_markdown(row["body"]))
                st.caption(t("board.reported_reasons", count=row["reports"], reasons=md(row["reasons"])))
                st.text_input(t("board.reason"), key=f"reported_reason_{mid}", max_chars=300)
                with st.container(horizontal=True):
                    st.button(t("board.hide_button"), key=f"reported_hide_{mid}", on_click=moderate, args=(mid, False))
                    st.button(t("board.leave"), key=f"reported_leave_{mid}", on_click=moderate, args=(mid, True))
                notice(("reported", mid))
