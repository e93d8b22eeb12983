"""Membership after the application: the coordinator's candidates due for a proposal of full
membership, UNESCO's proposals to confirm, extend or decline, and the candidacy period."""

import streamlit as st

from aspnet_data import membership
from aspnet_data.errors import PermissionDenied, ValidationFailed
from aspnet_data.permissions import can
from ui import data
from ui.auth import current_actor, current_user
from ui.forms import message
from ui.i18n import current_language, page_href, t
from ui.safe import md

lang = current_language()
user, actor = current_user(), current_actor()
if user is None or not (can(actor, "decide_membership") or (user.role == "coordinator" and user.network)):
    st.error(t("manage.not_allowed"))
    st.stop()
db = data.db()
countries = dict(data.network_countries(lang))
admin = can(actor, "decide_membership")
months = membership.candidacy_months(db)
st.title(t("membership.title"))
st.caption(t("membership.intro", months=months))

round_ = st.session_state.get("membership_round", 0)
done = st.session_state.pop("membership_done", None)
if done:
    st.success(done, icon=":material/task_alt:")


DATES = ("candidate_since", "due_on", "proposed_on")


def table(frame, extra: dict[str, str] | None = None) -> None:
    shown = frame.with_columns(frame["network"].replace_strict(countries, default=frame["network"]).alias("country"))
    columns = {
        "name": t("directory.col_name"),
        "city": t("directory.col_city"),
        "country": t("common.country"),
        "candidate_since": t("membership.candidate_since"),
        "months_as_candidate": t("membership.months_as_candidate"),
        **(extra or {}),
    }
    config = {k: st.column_config.DateColumn(v, format="YYYY-MM-DD") if k in DATES else v for k, v in columns.items()}
    st.dataframe(shown.select(*columns), hide_index=True, width="stretch", column_config=config)


def label(row: dict) -> str:
    return f"#{row['id']} · {row['name']} · {countries.get(row['network'], row['network'])}"


def pick(frame, text: str, key: str) -> tuple[int | None, dict[int, dict]]:
    """A picker of the queue's schools (renewed after each decision: nothing chosen)."""
    rows = {r["id"]: r for r in frame.iter_rows(named=True)}
    picked = st.selectbox(
        text, list(rows), format_func=lambda i: label(rows[i]), index=None, key=f"{key}_{round_}", placeholder=text
    )
    return picked, rows


def attempt(where, work):
    """``work()``'s result, or None with its problems shown at ``where``."""
    try:
        return work()
    except ValidationFailed as problem:
        for error in problem.errors:
            where.error(message(error), icon=":material/error:")
    except PermissionDenied:
        where.error(t("manage.not_allowed"))
    return None


def finish(text: str) -> None:
    """Say what was done on the next run, with fresh pickers."""
    st.session_state["membership_done"] = text
    st.session_state["membership_round"] = round_ + 1
    st.rerun()


# -- the coordinator's queue (admins see every network's) ---------------------------------------
st.subheader(t("membership.due"))
due = membership.due_candidates(db, actor, None if admin else user.network)
if due.is_empty():
    st.success(t("membership.due_none", months=months))
else:
    st.caption(t("membership.due_help", count=due.height, months=months))
    table(due.head(200), {"due_on": t("membership.due_on")})
    with st.container(border=True):
        picked, rows = pick(due, t("membership.pick_candidate"), "membership_candidate")
        comment = st.text_area(
            t("membership.proposal_comment"),
            max_chars=membership.COMMENT_LIMIT,
            key=f"membership_proposal_comment_{round_}",
        )
        problems = st.empty()
        if st.button(
            t("membership.propose"),
            type="primary",
            icon=":material/send:",
            disabled=picked is None,
            key="membership_propose",
        ):
            proposed = attempt(problems, lambda: membership.propose(db, actor, picked, comment=comment))
            if proposed:
                finish(t("membership.proposed", name=md(rows[picked]["name"])))

if not admin:
    st.stop()

# -- UNESCO's queue -----------------------------------------------------------------------------------
st.subheader(t("membership.proposals"))
waiting = membership.proposals(db, actor)
if waiting.is_empty():
    st.success(t("membership.proposals_none"))
else:
    table(
        waiting,
        {
            "proposed_on": t("membership.proposed_on"),
            "waiting_days": t("membership.waiting_days"),
            "proposal_comment": t("membership.proposal_comment"),
        },
    )
    with st.container(border=True):
        picked, rows = pick(waiting, t("membership.pick_proposal"), "membership_proposal")
        decision = st.radio(
            t("review.decision"),
            ["confirm", "extend", "decline"],
            format_func=lambda d: t(f"membership.decision.{d}"),
            horizontal=True,
            key="membership_decision",
        )
        extra = None
        if decision == "extend":
            extra = st.number_input(
                t("membership.extend_months"), min_value=1, max_value=120, value=12, step=1, key="membership_months"
            )
        comment = st.text_area(
            t("membership.decline_reason") if decision == "decline" else t("review.comment"),
            max_chars=membership.COMMENT_LIMIT,
            key=f"membership_decision_comment_{round_}",
        )
        problems = st.empty()
        if st.button(
            t("membership.decide"),
            type="primary",
            icon=":material/gavel:",
            disabled=picked is None,
            key="membership_decide",
        ):
            name = md(rows[picked]["name"])

            def decide() -> str:
                if decision == "confirm":
                    number = membership.confirm(db, actor, picked, comment=comment)
                    return t(
                        "membership.confirmed", name=name, number=number, href=page_href("certificate", number=number)
                    )
                if decision == "extend":
                    day = membership.extend(db, actor, picked, extra, comment=comment)
                    return t("membership.extended", name=name, day=day.isoformat())
                day = membership.decline(db, actor, picked, comment=comment)
                return t("membership.declined", name=name, day=day.isoformat())

            text = attempt(problems, decide)
            if text:
                data.send_mail()  # the coordinator's notice of the decision
                finish(text)

with st.expander(t("membership.period"), icon=":material/schedule:"):
    value = st.number_input(
        t("membership.period_months"), min_value=1, max_value=120, value=months, step=1, key="membership_period"
    )
    spot = st.empty()
    if st.button(t("form.save"), key="membership_period_save"):
        saved = attempt(spot, lambda: membership.set_candidacy_months(db, actor, value))
        if saved:
            finish(t("membership.period_saved", months=saved))
