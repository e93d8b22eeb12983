"""Message board for National Coordinators and UNESCO staff: channels, folded threads, mentions."""

from collections import Counter

import streamlit as st

from aspnet_data import board
from aspnet_data.db import utc_now
from aspnet_data.errors import EditWindowPassed, NotFound, PermissionDenied, ValidationFailed
from ui import data
from ui.auth import current_actor
from ui.i18n import current_language, t
from ui.safe import md, message_markdown

actor = current_actor()
if actor.role not in ("coordinator", "admin"):
    st.error(t("manage.not_allowed"))
    st.stop()
db = data.db()
lang = current_language()
regions = data.region_names(lang)
countries = dict(data.network_countries(lang))
st.title(t("board.title"))

channels = board.channels(db, actor)
slugs = channels["slug"].to_list()
rows = {row["slug"]: row for row in channels.iter_rows(named=True)}


def channel_title(row: dict) -> str:
    if row["kind"] == "all":
        return t("board.channel_all")
    return regions.get(row["region"], row["title"]) if row["kind"] == "region" else row["title"]


# The radio's value is the label it shows: labels stay the same from run to run (unread
# counts go in the captions), and two channels of the same title are told apart by their
# short name, so the chosen channel stays chosen.
titles = {slug: md(channel_title(rows[slug])) for slug in slugs}
repeated = Counter(titles.values())
titles = {slug: f"{title} · {md(slug)}" if repeated[title] > 1 else title for slug, title in titles.items()}
captions = [
    " · ".join(
        part
        for part in (
            t("board.unread_count", count=rows[s]["unread"]) if rows[s]["unread"] else "",
            f":orange[{t('board.mention_count', count=rows[s]['mentions'])}]" if rows[s]["mentions"] else "",
        )
        if part
    )
    for s in slugs
]

# The channel lives in the URL (?channel=): a link opens it, and a pick writes it back.
requested = st.query_params.get("channel")
if requested not in rows:
    requested = st.session_state.get("board_channel") if st.session_state.get("board_channel") in rows else slugs[0]
moved = st.session_state.get("board_channel") != requested
if moved:
    st.session_state["board_channel"] = requested


def picked() -> None:
    st.query_params["channel"] = st.session_state["board_channel"]


def notify(where: tuple, text: str, kind: str = "success") -> None:
    """A notice shown where the person acted (under the form or the message), until the next action."""
    st.session_state["board_notice"] = {"where": where, "text": text, "kind": kind}


def notice(where: tuple) -> None:
    shown = st.session_state.get("board_notice")
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


left, right = st.columns([1, 3], gap="large")
with left:
    # Its default is the channel too, so that the radio shows it even after a run that set it
    # was cut short by the next one (Streamlit objects to a default and a set value at once).
    slug = st.radio(
        t("board.channels"),
        slugs,
        format_func=titles.get,
        captions=captions,
        key="board_channel",
        index=0 if moved else slugs.index(requested),
        on_change=picked,
    )
    if st.query_params.get("channel") != slug:
        st.query_params["channel"] = slug
    query = st.text_input(t("board.search"), key="board_search", max_chars=200)
    if actor.role == "admin":
        with st.popover(t("board.new_channel"), icon=":material/add:"), st.form("new_channel"):
            title = st.text_input(t("board.channel_title"), max_chars=120)
            slug_text = st.text_input(t("board.channel_slug"), max_chars=40, help=t("error.bad_username"))
            if st.form_submit_button(t("board.new_channel")):
                try:
                    board.create_channel(db, actor, slug=slug_text, title=title)
                    st.query_params["channel"] = slug_text.strip().lower()
                except ValidationFailed as failed:
                    st.toast(t(f"error.{failed.errors[0].code}"))
                st.rerun()
channel = rows[slug]

# What was new when the person opened the channel stays marked as new during the visit,
# although the board records at once that it has been read.
if st.session_state.get("board_open_channel") != slug:
    st.session_state["board_open_channel"] = slug
    st.session_state["board_seen"] = board.last_read(db, actor, channel["id"])
    st.session_state.pop("board_notice", None)
seen = st.session_state["board_seen"]


def post_thread(channel_id: int, title: str) -> None:
    try:
        board.post(db, actor, channel_id, st.session_state.get("board_new", ""))
    except (ValidationFailed, board.RateLimited, PermissionDenied) as problem:
        notify(("new",), refusal(problem), "error")
        return
    st.session_state["board_new"] = ""
    notify(("new",), t("board.posted_thread", channel=title))


def post_reply(channel_id: int, thread: int) -> None:
    key = f"reply_text_{thread}"
    try:
        board.post(db, actor, channel_id, st.session_state.get(key, ""), thread_id=thread)
    except (ValidationFailed, board.RateLimited, PermissionDenied, NotFound) as problem:
        notify(("reply", thread), refusal(problem), "error")
        return
    st.session_state[key] = ""
    notify(("reply", thread), t("board.posted_reply"))


def change(action: str, message_id: int) -> None:
    """Save an edit, delete or hide one message; say so under it."""
    try:
        if action == "save":
            board.edit(db, actor, message_id, st.session_state.get(f"edit_{message_id}", ""))
        elif action == "delete":
            board.delete(db, actor, message_id)
        else:
            board.hide(db, actor, message_id, st.session_state.get(f"reason_{message_id}", ""))
    except (ValidationFailed, PermissionDenied, NotFound) as problem:
        notify(("message", message_id), refusal(problem), "error")
        return
    notify(
        ("message", message_id),
        t({"save": "board.saved", "delete": "board.deleted_notice", "hide": "board.hidden_notice"}[action]),
    )


def open_found(slug_: str, thread: int) -> None:
    st.query_params["channel"] = slug_
    st.session_state.setdefault("board_open_threads", set()).add(thread)
    st.session_state["board_search"] = ""


def toggled(thread: int) -> None:
    # Kept apart from the expander's own state: its label (the reply count) is part of its
    # identity, so a new reply would otherwise fold the thread the person is reading.
    opened = st.session_state.setdefault("board_open_threads", set())
    (opened.add if st.session_state.get(f"thread_{thread}") else opened.discard)(thread)


def when(moment, *, hours: bool = True) -> str:
    """A date (and time) that a narrow screen does not break in the middle: non-breaking
    hyphens and space."""
    return f"{moment:%Y-%m-%d}".replace("-", "\u2011") + (f"\u00a0{moment:%H:%M}" if hours else "")


def byline(row: dict, *, new: str, mentioned: bool) -> str:
    """Who wrote it, from which network, when; badges for what is new and what mentions the reader."""
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


def controls(row: dict, *, moderate: bool = True) -> None:
    """Edit or delete one's own message within the edit window; UNESCO admins hide any message
    (in an open thread: a folded one stays a quiet summary)."""
    mid = row["id"]
    own_recent = (
        row["author"] == actor.username and not row["deleted"] and utc_now() - row["created_at"] <= board.EDIT_WINDOW
    )
    can_hide = moderate and actor.role == "admin" and not row["deleted"] and not row["hidden_reason"]
    if not (own_recent or can_hide):
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


def thread_card(row: dict) -> None:
    thread = row["thread"]
    with st.container(border=True):
        head = st.container()
        label = t("board.replies", count=row["replies"]) if row["replies"] else t("board.reply")
        if row["replies"]:
            label += " · " + t("board.last_reply", when=when(row["activity"], hours=False))
        folded = st.expander(
            label,
            expanded=thread in st.session_state.get("board_open_threads", ()),
            key=f"thread_{thread}",
            on_change=toggled,
            args=(thread,),
            icon=":material/forum:" if row["replies"] else ":material/reply:",
        )
        messages = board.thread_messages(db, actor, thread, seen=seen).to_dicts() if folded.open else [row]
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
            controls(first, moderate=folded.open)
            notice(("message", first["id"]))
        if not folded.open:
            return
        with folded:
            for reply in messages[1:]:
                with st.container(border=True):
                    st.markdown(byline(reply, new=t("board.new") if reply["new"] else "", mentioned=reply["mentioned"]))
                    body(reply, folded=False)
                    controls(reply)
                    notice(("message", reply["id"]))
            with st.form(f"reply_{thread}", border=False):
                st.text_area(
                    t("board.your_reply"),
                    key=f"reply_text_{thread}",
                    max_chars=board.MAX_LENGTH,
                    height=100,
                    help=t("board.mention_help"),
                )
                notice(("reply", thread))
                st.form_submit_button(
                    t("board.post_reply"), icon=":material/reply:", on_click=post_reply, args=(channel["id"], thread)
                )


with right:
    st.subheader(titles[slug])
    if query.strip():
        found = board.search(db, actor, query)
        st.caption(t("board.results", count=found.height))
        for hit in found.iter_rows(named=True):
            with st.container(border=True):
                where = channel_title({"kind": hit["kind"], "region": hit["region"], "title": hit["channel"]})
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
    with st.form("new_thread", border=True):
        st.text_area(
            t("board.new_thread"), max_chars=board.MAX_LENGTH, key="board_new", height=100, help=t("board.mention_help")
        )
        notice(("new",))
        st.form_submit_button(
            t("board.post"),
            type="primary",
            icon=":material/send:",
            on_click=post_thread,
            args=(channel["id"], channel_title(channel)),
        )

    @st.fragment(run_every=5)
    def live_threads() -> None:
        """Refreshes every few seconds: new messages appear without reloading the page."""
        pages = st.session_state.get(f"board_pages_{slug}", 1)
        threads = board.thread_list(db, actor, channel["id"], seen=seen, limit=board.THREADS_PER_PAGE * pages)
        if threads.height == 0:
            st.caption(t("board.empty"))
        for row in threads.iter_rows(named=True):
            thread_card(row)
        more = threads.height >= board.THREADS_PER_PAGE * pages
        if more and st.button(t("board.older"), icon=":material/history:"):
            st.session_state[f"board_pages_{slug}"] = pages + 1
            st.rerun(scope="fragment")
        # Once what is new has been shown: the side panel and the channel list then count
        # only what is still unread elsewhere.
        if board.mark_read(db, actor, channel["id"]):
            st.rerun()

    live_threads()
