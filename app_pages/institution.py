"""Institution profile: /institution?id=ID."""

import functools

import streamlit as st

from aspnet_data import certificates, membership, reports, settings
from aspnet_data.profiles import parse_id
from aspnet_data.vocab import LANGUAGES
from ui import data, map_charts
from ui.i18n import LANGUAGE_NAMES, current_language, language_name, level_labels, link_params, number, t, theme_labels
from ui.palette import THEME_COLORS, text_on
from ui.safe import md, safe_email, safe_url

lang = current_language()
raw = st.query_params.get("id")
institution_id = parse_id(raw)
record = data.institution(institution_id) if institution_id is not None else None
if record is None:
    st.title(t("institution.not_found_title"))
    st.error(t("institution.not_found", id=md((raw or "")[:20])), icon=":material/search_off:")
    st.page_link(
        "app_pages/directory.py",
        label=t("network.back_to_directory"),
        icon=":material/arrow_back:",
        query_params=link_params(),
    )
    st.stop()

st.title(md(record["name"]))
if record["name_latin"] and record["name_latin"] != record["name"]:
    st.markdown(f"*{md(record['name_latin'])}*")
country = record[f"country_{lang}"]
status_colour = {"member": "blue", "candidate": "violet", "withdrawn": "gray"}[record["status"]]
status_text = t(f"status_one.{record['status']}")
if record["status"] == "withdrawn" and record["withdrawn_year"]:
    status_text += f" ({record['withdrawn_year']})"
st.markdown(f":{status_colour}-badge[{status_text}] &nbsp; {md(record['city'] or '')} · {md(country)}")
st.page_link(
    "app_pages/network.py",
    label=t("institution.network", country=country),
    icon=":material/hub:",
    query_params=link_params(code=record["network"]),
)

details, where = st.columns([3, 2], gap="large")
with details:
    chips = " ".join(
        f"<span style='display:inline-block;background:{THEME_COLORS[c]};color:{text_on(THEME_COLORS[c])};"
        f"border-radius:12px;padding:2px 10px;margin:0 6px 6px 0;font-size:0.9rem'>{t(f'theme.{c}')}</span>"
        for c in record["themes"]
    )
    st.markdown(f"**{t('facet.theme')}**<br>{chips}", unsafe_allow_html=True)
    rows = [
        (t("facet.level"), level_labels(record["levels"])),
        (t("facet.ownership"), t(f"ownership.{record['ownership']}")),
        (t("institution.languages"), ", ".join(md(language_name(code)) for code in record["languages"])),
        (t("institution.pupils"), number(record["pupils"]) if record["pupils"] is not None else "—"),
        (t("institution.teachers"), number(record["teachers"]) if record["teachers"] is not None else "—"),
        (t("directory.col_joined"), record["year_joined"] or "—"),
    ]
    site, email = safe_url(record["website"]), safe_email(record["email"])
    if site:
        rows.append((t("institution.website"), f"[{md(site)}]({site})"))
    if email:
        rows.append((t("institution.email"), f"[{md(email)}](mailto:{email})"))
    st.markdown("\n".join(f"- **{label}**: {value}" for label, value in rows))
    st.caption(t("common.updated", when=record["updated_at"].strftime("%Y-%m-%d")))
with where:
    if record["latitude"] is not None:
        map_charts.spot_map(
            record["latitude"],
            record["longitude"],
            record["name"],
            height=300,
            alt=t("institution.map_alt", city=record["city"] or "", country=country),
        )

# A member downloads its certificate, a candidate a letter saying so, a withdrawn school nothing.
document = certificates.document_kind(record["status"])
issued = certificates.certificate_of(data.db(), record["id"]) if document == "certificate" else None
if document == "letter" or issued:
    with st.container(border=True):
        st.markdown(f"**{t('certificate.title' if issued else 'certificate.letter_title')}**")
        if issued:
            st.caption(
                t("certificate.issued", number=issued["number"], day=certificates.long_date(issued["issued_on"], lang))
            )
            st.page_link(
                "app_pages/certificate.py",
                label=t("certificate.check"),
                icon=":material/verified:",
                query_params=link_params(number=issued["number"]),
            )
        else:
            st.caption(t("certificate.letter_help"))
        pick, button = st.columns([2, 1], vertical_alignment="bottom")
        document_lang = pick.selectbox(
            t("certificate.language"),
            LANGUAGES,
            index=LANGUAGES.index(lang),
            format_func=LANGUAGE_NAMES.get,
            key="certificate_lang",
        )
        # The file is built when the button is clicked, outside this session: everything the
        # session decides (the language, the site's public address) is fixed here.
        build = functools.partial(
            certificates.document_pdf,
            data.db(),
            record["id"],
            document_lang,
            public_url=settings.public_url(),
        )
        name = f"aspnet-certificate-{issued['number']}" if issued else f"aspnet-candidacy-letter-{record['id']}"
        button.download_button(
            t("certificate.download"),
            build,
            file_name=f"{name}-{document_lang}.pdf",
            mime="application/pdf",
            icon=":material/workspace_premium:",
            on_click="ignore",
            key="certificate",
        )

st.subheader(t("membership.history"))
standing = membership.timeline(data.db(), record["id"])
since = next((k for k in ("candidate_since", "member_since", "withdrawn_since") if standing.get(k)), None)


def reason_text(code: object) -> str:
    return " (" + t(f"membership.reason.{code}") + ")" if code else ""


def action_text(action: str) -> str:
    return t(f"membership.action.{action}")


if since:
    st.markdown(t(f"membership.since.{since}", day=standing[since]) + reason_text(standing.get("reason")))
events = membership.history(data.db(), record["id"])
if events.height:
    lines = [
        "- " + e["occurred_at"].strftime("%Y-%m-%d") + ": " + action_text(e["action"]) + reason_text(e["reason"])
        for e in events.iter_rows(named=True)
    ]
    st.markdown("\n".join(lines))

st.subheader(t("network.projects"))
if record["projects"]:
    for project in record["projects"]:
        st.page_link(
            "app_pages/projects.py",
            label=md(project["title"]),
            icon=":material/diversity_3:",
            query_params=link_params(id=project["id"]),
        )
        st.caption(f"{t('project_status.' + project['status'])} · {theme_labels(project['themes'])}")
else:
    st.caption(t("institution.no_projects"))

st.subheader(t("institution.activities"))
activities = reports.public_activities(data.db(), record["id"])
if activities.height:
    for activity in activities.iter_rows(named=True):
        link = safe_url(activity["link"])
        title = md(activity["title"])
        line = f"**{title}**" if not link else f"**[{title}]({link})**"
        st.markdown(f"{line}  \n{activity['year'] - 1}–{activity['year']} · {theme_labels(activity['themes'] or [])}")
else:
    st.caption(t("institution.no_activities"))
