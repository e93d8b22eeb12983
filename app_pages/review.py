"""Review applications: the coordinator's queue (recommend, return, decline) and UNESCO's
(approve, decline), oldest first, with the age of each file. ``?ref=ASP-...`` opens one."""

import streamlit as st

from aspnet_data import applications as apps
from aspnet_data.errors import PermissionDenied
from ui import data, join
from ui.auth import current_actor, current_user
from ui.forms import Feedback, field_errors
from ui.i18n import current_language, number, t
from ui.safe import md

lang = current_language()
user, actor = current_user(), current_actor()
if user is None or user.role not in ("coordinator", "admin"):
    st.error(t("manage.not_allowed"))
    st.stop()
db = data.db()
countries = dict(data.network_countries(lang))
NEEDS_COMMENT = ("returned", "declined_coordinator", "declined_unesco")
QUEUE_SHOWN = 50
st.title(t("review.title"))
st.caption(t("review.intro_admin" if user.role == "admin" else "review.intro_coordinator", days=apps.OVERDUE_DAYS))

join.decided_notice()

queue = apps.queue(db, actor)
overdue = int(queue["overdue"].sum()) if queue.height else 0
codes = dict(zip(queue["id"], queue["reference"]))


def opened() -> None:
    st.query_params["ref"] = codes[st.session_state["review_pick"]]


if queue.height == 0:
    st.success(t("review.empty"))
else:
    if overdue:
        st.warning(t("review.overdue_count", count=overdue, days=apps.OVERDUE_DAYS))
    labels = {
        row["id"]: f"{row['reference']} · {row['institution_name']} · {t('review.days', count=row['age_days'])}"
        for row in queue.iter_rows(named=True)
    }
    ref = st.query_params.get("ref")
    current = next((i for i, code in codes.items() if code == ref), None)
    st.selectbox(
        t("review.pick"),
        list(labels),
        format_func=labels.get,
        key="review_pick",
        on_change=opened,
        index=list(labels).index(current) if current is not None else None,
        placeholder=t("review.pick"),
    )
    # With an application open, the queue folds away above it.
    listing = st.expander(t("review.queue", count=queue.height)) if ref else st.container()
    rows = [
        f"| {t('status.reference')} | {t('directory.col_name')} | {t('directory.col_city')} | "
        f"{t('common.country')} | {t('review.age')} |",
        "|---|---|---|---|---|",
    ]
    for row in queue.head(QUEUE_SHOWN).iter_rows(named=True):
        badge = f" :red-badge[{t('review.overdue')}]" if row["overdue"] else ""
        rows.append(
            f"| {row['reference']} | {md(row['institution_name'])} | {md(row['city'] or '—')} | "
            f"{md(countries.get(row['network'], row['network']))} | {number(row['age_days'])}{badge} |"
        )
    listing.markdown("\n".join(rows))
    if queue.height > QUEUE_SHOWN:
        listing.caption(t("review.more", count=queue.height - QUEUE_SHOWN))

if user.role == "admin":
    with st.expander(t("review.outbox"), icon=":material/mail:"):
        st.dataframe(
            apps.outbox(db, limit=100).select("created_at", "to_email", "subject", "sent_at"),
            hide_index=True,
            width="stretch",
        )

ref = st.query_params.get("ref")
if not ref:
    st.stop()
try:
    app = apps.lookup(db, actor, ref)
except PermissionDenied:
    app = None
if app is None:
    st.error(t("review.not_found", code=md(ref[:20])))
    st.stop()

record = app.record
st.divider()
st.subheader(md(record["institution_name"]))
age = next((row for row in queue.iter_rows(named=True) if row["id"] == record["id"]), None)
badges = [f":blue-badge[{t(f'stage.{app.stage}')}]", record["reference"]]
if age:
    badges.append(t("review.days", count=age["age_days"]))
    if age["overdue"]:
        badges.append(f":red-badge[{t('review.overdue')}]")
st.markdown(" · ".join(badges))
answers, context = st.columns([3, 2], gap="large")
with answers:
    join.show_details(record, countries, private=True)
with context:
    join.recommendation(app)
    st.markdown(f"**{t('review.history')}**")
    join.history(app)
    lookalikes = apps.similar(db, record["network"], record["institution_name"], exclude=record["id"])
    if lookalikes.height:
        join.similar(lookalikes, reviewer=True)
    else:
        st.caption(t("review.no_similar"))

moves = [
    to for (stage, to) in apps.TRANSITIONS if stage == app.stage and apps.allowed(actor, stage, to, record["network"])
]
if not moves:
    st.info(t("review.nothing_to_decide", stage=t(f"stage.{app.stage}")))
    st.stop()
form = join.decision_form(record["id"])
errors = Feedback(form.errors)
with st.container(border=True):
    to = st.radio(
        t("review.decision"),
        moves,
        index=None,
        format_func=lambda s: t(f"review.to.{s}"),
        horizontal=True,
        key=form.key("to"),
    )
    field_errors(errors, "decision")
    needed = to in NEEDS_COMMENT
    st.text_area(t("review.comment_needed" if needed else "review.comment"), max_chars=2000, key=form.key("comment"))
    st.caption(t("review.comment_help_needed" if needed else "review.comment_help"))
    field_errors(errors, "comment")
    field_errors(errors, "form")
    if st.button(t("review.confirm"), type="primary", icon=":material/gavel:"):
        if join.decide(db, actor, record, form):
            del st.query_params["ref"]
            data.send_mail()
        st.rerun()
