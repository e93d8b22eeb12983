"""Message board for National Coordinators and UNESCO staff: channels, threads, mentions."""

import streamlit as st

from aspnet_data import board
from aspnet_data.db import utc_now
from aspnet_data.editing import ValidationFailed
from aspnet_data.permissions import PermissionDenied
from ui import data, require_router
from ui.auth import current_actor
from ui.i18n import t
from ui.safe import md, message_markdown

require_router()
actor = current_actor()
if actor.role not in ("coordinator", "admin"):
    st.error(t("manage.not_allowed"))
    st.stop()
db = data.db()
st.title(t("board.title"))

channels = board.channels(db, actor)
slugs = channels["slug"].to_list()
label = {row["slug"]: md(row["title"]) + (f"  ({row['unread']})" if row["unread"] else "")
         + ("  @" if row["mentions"] else "") for row in channels.iter_rows(named=True)}
requested = st.query_params.get("channel")
left, right = st.columns([1, 3], gap="large")
with left:
    slug = st.radio(t("board.channels"), slugs, format_func=label.get, key="board_channel",
                    index=slugs.index(requested) if requested in slugs else 0)
    if st.query_params.get("channel") != slug:
        st.query_params["channel"] = slug
    query = st.text_input(t("board.search"), key="board_search", max_chars=200)
    if actor.role == "admin":
        with st.popover(t("board.new_channel"), icon=":material/add:"):
            with st.form("new_channel"):
                title = st.text_input(t("board.channel_title"), max_chars=120)
                slug_text = st.text_input(t("board.channel_slug"), max_chars=40, help=t("error.bad_username"))
                if st.form_submit_button(t("board.new_channel")):
                    try:
                        board.create_channel(db, actor, slug=slug_text, title=title)
                        st.query_params["channel"] = slug_text.strip().lower()
                    except ValidationFailed as failed:
                        st.toast(t(f"error.{failed.errors[0].code}"))
                    st.rerun()
channel = channels.row(slugs.index(slug), named=True)
terms = board.mention_terms(actor)


def render_message(row: dict, *, reply: bool) -> None:
    mentioned = row["body"] is not None and any(term in row["body"].lower() for term in terms)
    with st.container(border=True):
        who = md(row["display_name"] or row["author"])
        when = row["created_at"].strftime("%Y-%m-%d %H:%M")
        badge = " :orange-badge[@]" if mentioned else ""
        edited = f" · {t('board.edited')}" if row["edited_at"] else ""
        st.markdown(f"{'↳ ' if reply else ''}**{who}** · {md(row['network'] or 'UNESCO')} · {when}{edited}{badge}")
        if row["deleted"]:
            st.caption(t("board.deleted"))
        elif row["hidden_reason"]:
            st.caption(t("board.hidden", reason=md(row["hidden_reason"])))
        else:
            st.markdown(message_markdown(row["body"]))
        own_recent = (row["author"] == actor.username and not row["deleted"]
                      and utc_now() - row["created_at"] <= board.EDIT_WINDOW)
        if own_recent:
            with st.popover(t("board.edit_delete"), icon=":material/edit:"):
                new_body = st.text_area(t("board.message"), value=row["body"], key=f"edit_{row['id']}",
                                        max_chars=board.MAX_LENGTH)
                a, b = st.columns(2)
                if a.button(t("form.save"), key=f"save_{row['id']}"):
                    board.edit(db, actor, row["id"], new_body)
                    st.rerun()
                if b.button(t("board.delete"), key=f"delete_{row['id']}"):
                    board.delete(db, actor, row["id"])
                    st.rerun()
        if actor.role == "admin" and not row["deleted"] and not row["hidden_reason"]:
            with st.popover(t("board.hide_button"), icon=":material/visibility_off:"):
                reason = st.text_input(t("board.reason"), key=f"reason_{row['id']}", max_chars=300)
                if st.button(t("board.hide_button"), key=f"hide_{row['id']}", disabled=not reason.strip()):
                    board.hide(db, actor, row["id"], reason)
                    st.rerun()


with right:
    st.subheader(md(channel["title"]))
    if query.strip():
        found = board.search(db, actor, query)
        st.caption(t("board.results", count=found.height))
        for row in found.iter_rows(named=True):
            st.markdown(f"**{md(row['channel'])}** · {md(row['author'])} · {row['created_at']:%Y-%m-%d}  \n"
                        + message_markdown(row["body"]))
    with st.form("new_thread", clear_on_submit=True):
        body = st.text_area(t("board.new_thread"), max_chars=board.MAX_LENGTH, key="board_new",
                            help=t("board.mention_help"))
        problem = st.session_state.pop("board_problem", None)
        if problem:
            st.error(problem)
        if st.form_submit_button(t("board.post"), type="primary", icon=":material/send:"):
            try:
                board.post(db, actor, channel["id"], body)
            except ValidationFailed as failed:
                st.session_state["board_problem"] = t(f"error.{failed.errors[0].code}", **failed.errors[0].params)
            except board.RateLimited:
                st.session_state["board_problem"] = t("board.rate_limited", count=board.RATE_LIMIT)
            except PermissionDenied:
                st.session_state["board_problem"] = t("manage.not_allowed")
            st.rerun()

    pages = st.session_state.setdefault(f"board_pages_{slug}", 1)

    @st.fragment(run_every=5)
    def live_threads() -> None:
        """Refreshes every few seconds: new messages appear without reloading the page."""
        rows = board.threads(db, actor, channel["id"], limit=board.THREADS_PER_PAGE * pages)
        board.mark_read(db, actor, channel["id"])
        if rows.height == 0:
            st.caption(t("board.empty"))
            return
        for thread, group in rows.group_by("thread", maintain_order=True):
            messages = group.to_dicts()
            render_message(messages[0], reply=False)
            for reply in messages[1:]:
                render_message(reply, reply=True)
            with st.expander(t("board.reply"), icon=":material/reply:"):
                with st.form(f"reply_{thread[0]}", clear_on_submit=True):
                    text = st.text_area(t("board.message"), max_chars=board.MAX_LENGTH, key=f"reply_text_{thread[0]}")
                    if st.form_submit_button(t("board.post")):
                        try:
                            board.post(db, actor, channel["id"], text, thread_id=thread[0])
                        except (ValidationFailed, board.RateLimited):
                            st.toast(t("board.not_posted"))
                        st.rerun()
        if rows["thread"].n_unique() >= board.THREADS_PER_PAGE * pages:
            if st.button(t("board.older"), icon=":material/history:"):
                st.session_state[f"board_pages_{slug}"] = pages + 1
                st.rerun()

    live_threads()
