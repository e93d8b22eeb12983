"""Message board for National Coordinators and UNESCO staff: channels, folded threads, mentions,
and direct conversations beside the channels. Schools' focal points read their network's
channel for schools here, once it is open."""

import polars as pl
import streamlit as st

from aspnet_data import board
from aspnet_data.permissions import can
from ui import data, message_board
from ui.auth import current_actor
from ui.i18n import t

actor = current_actor()
if not can(actor, "read_board", actor.network, institution=actor.institution):
    st.error(t("manage.not_allowed"))
    st.stop()
db = data.db()
st.title(t("board.title"))

channels = data.board_channels(actor)
# The shared channels first, then the person's conversations, the latest first.
channels = pl.concat(
    [
        channels.filter(pl.col("kind") != "direct"),
        channels.filter(pl.col("kind") == "direct").sort("last_id", descending=True),
    ]
)


def listing(found: pl.DataFrame) -> tuple:
    """What the channel list shows: which channels, and their unread counts."""
    return tuple(sorted(zip(found["id"].to_list(), found["unread"].to_list(), found["mentions"].to_list())))


drawn = listing(channels)
if channels.height == 0:  # a focal point whose coordinator has not opened the schools' channel
    st.info(t("board.no_schools_channel"), icon=":material/forum:")
    st.stop()
slugs = channels["slug"].to_list()
rows = {row["slug"]: row for row in channels.iter_rows(named=True)}
titles, captions = message_board.channel_labels(channels)
requested, moved = message_board.channel_from_url(slugs)

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
        on_change=message_board.channel_picked,
    )
    if st.query_params.get("channel") != slug:
        st.query_params["channel"] = slug
    query = st.text_input(t("board.search"), key="board_search", max_chars=200)
    if can(actor, "start_conversation"):
        message_board.new_conversation_form()
    if actor.role == "admin":
        message_board.new_channel_form()
        message_board.reported_queue()
channel = rows[slug]
seen = message_board.seen_when_opened(slug, channel["id"])
focus = message_board.thread_from_url(slug)
writes = data.board_may_post(actor, channel["id"])

direct = channel["kind"] == "direct"
with right:
    st.subheader(titles[slug])
    if direct:
        message_board.conversation_caption(channel)
    if query.strip():
        message_board.search_results(query)
    if writes:
        message_board.new_thread_form(channel)
    elif channel["kind"] == "schools":
        st.caption(t("board.schools_read_only"))

    @st.fragment(run_every=5)
    def live_threads() -> None:
        """Refreshes every few seconds: new messages appear without reloading the page."""
        pages = st.session_state.get(f"board_pages_{slug}", 1)
        threads = data.board_threads(actor, channel["id"], seen, board.THREADS_PER_PAGE * pages)
        if focus is not None and focus not in threads["thread"].to_list():
            # Older than the page's threads (or of another page): drawn first, on its own.
            for row in board.thread_list(db, actor, channel["id"], seen=seen, thread=focus).iter_rows(named=True):
                st.caption(t("board.linked_thread"))
                message_board.thread_card(row, channel_id=channel["id"], seen=seen, replies=writes, direct=direct)
        elif threads.height == 0:
            st.caption(t("board.empty"))
        shared = message_board.page_attachments(threads)
        for row in threads.iter_rows(named=True):
            message_board.thread_card(
                row, channel_id=channel["id"], seen=seen, replies=writes, direct=direct, shared=shared
            )
        more = threads.height >= board.THREADS_PER_PAGE * pages
        if more and st.button(t("board.older"), icon=":material/history:"):
            st.session_state[f"board_pages_{slug}"] = pages + 1
            st.rerun(scope="fragment")
        # Once what is new has been shown: the side panel and the channel list then count
        # only what is still unread elsewhere (a cached read first: with nothing written since
        # the last run, nothing is read).
        if data.board_unread_beyond(actor, channel["id"]) and board.mark_read(db, actor, channel["id"]):
            st.rerun()
        # A new conversation, or something new elsewhere: the channel list and its counts are
        # drawn again too (a cached read: in the run that drew the list, the same one).
        if listing(data.board_channels(actor)) != drawn:
            st.rerun()

    live_threads()
