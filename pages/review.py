"""Review applications: the coordinator's queue (recommend, return, decline) and UNESCO's
(approve, decline), oldest first, with the age of each file."""

import polars as pl
import streamlit as st

from aspnet_data import applications as apps
from aspnet_data.editing import ValidationFailed
from aspnet_data.permissions import PermissionDenied
from ui import data, require_router
from ui.auth import current_actor, current_user
from ui.i18n import current_language, t
from ui.safe import md

require_router()
lang = current_language()
user, actor = current_user(), current_actor()
if user is None or user.role not in ("coordinator", "admin"):
    st.error(t("manage.not_allowed"))
    st.stop()
db = data.db()
st.title(t("review.title"))
st.caption(t("review.intro_admin" if user.role == "admin" else "review.intro_coordinator", days=apps.OVERDUE_DAYS))
queue = apps.queue(db, actor)
if queue.height == 0:
    st.success(t("review.empty"))
    st.stop()
countries = dict(data.network_countries(lang))
st.dataframe(
    queue.select("reference", pl.col("network").replace_strict(countries, default=pl.col("network")),
                 "institution_name", "city", "age_days", "overdue"),
    hide_index=True, width="stretch", key="review_table",
    column_config={"reference": t("status.reference"), "network": t("common.country"),
                   "institution_name": t("directory.col_name"), "city": t("directory.col_city"),
                   "age_days": st.column_config.NumberColumn(t("review.age"), format="%d"),
                   "overdue": st.column_config.CheckboxColumn(t("review.overdue"))})
overdue = int(queue["overdue"].sum())
if overdue:
    st.warning(t("review.overdue_count", count=overdue, days=apps.OVERDUE_DAYS))
labels = {row["id"]: f"{row['reference']} · {row['institution_name']} · {row['age_days']} d"
          for row in queue.iter_rows(named=True)}
chosen = st.selectbox(t("review.pick"), list(labels), format_func=labels.get, index=None, key="review_pick",
                      placeholder=t("review.pick"))
if chosen is None:
    st.stop()
app = apps.get(db, actor, int(chosen))
record = app.record
st.subheader(md(record["institution_name"]))
details = [
    (t("field.city"), record["city"]), (t("apply.address"), record["address"]),
    (t("facet.level"), ", ".join(t(f"level.{c}") for c in record["levels"])),
    (t("facet.ownership"), t(f"ownership.{record['ownership']}")),
    (t("institution.pupils"), record["pupils"]), (t("institution.teachers"), record["teachers"]),
    (t("apply.contact"), f"{record['contact_name']} · {record['contact_email']}"),
]
st.markdown("\n".join(f"- **{label}**: {md(value if value is not None else '—')}" for label, value in details))
for theme in record["themes"]:
    st.markdown(f"**{t(f'theme.{theme}')}**  \n{md(record['theme_plans'].get(theme, ''))}")
lookalikes = apps.similar(db, record["network"], record["institution_name"])
if lookalikes.height:
    st.warning(t("apply.similar", names="; ".join(f"{md(n)} ({md(c)})" for n, c in zip(lookalikes["name"], lookalikes["city"]))))

moves = [to for (stage, to) in apps.TRANSITIONS if stage == app.stage and apps.allowed(actor, stage, to, record["network"])]
with st.form("decision"):
    to = st.radio(t("review.decision"), moves, format_func=lambda s: t(f"review.to.{s}"), horizontal=True)
    comment = st.text_area(t("review.comment"), max_chars=2000, help=t("review.comment_help"))
    problem = st.session_state.pop("review_error", None)
    if problem:
        st.error(problem)
    if st.form_submit_button(t("review.confirm"), type="primary"):
        try:
            apps.move(db, actor, record["id"], to, comment=comment)
            st.toast(t("review.done"), icon=":material/check:")
            data.send_mail()
        except ValidationFailed:
            st.session_state["review_error"] = t("review.comment_required")
        except (PermissionDenied, apps.TransitionRefused):
            st.session_state["review_error"] = t("manage.not_allowed")
        st.rerun()

if user.role == "admin":
    with st.expander(t("review.outbox"), icon=":material/mail:"):
        st.dataframe(apps.outbox(db, limit=100).select("created_at", "to_email", "subject", "sent_at"),
                     hide_index=True, width="stretch")
