"""Certificate check: /certificate?number=FRA-2026-0042 says whether a membership certificate is valid."""

import streamlit as st

from aspnet_data import certificates
from ui import data
from ui.i18n import current_language, page_href, t
from ui.safe import md

lang = current_language()
st.title(t("verify.title"))
st.caption(t("verify.intro"))

typed = (st.query_params.get("number") or "")[:60]
# A link fills the box once; after that the box keeps what the visitor types.
if st.session_state.get("certificate_linked") != typed:
    st.session_state["certificate_linked"], st.session_state["certificate_number"] = typed, typed.strip()[:40]
with st.form("certificate_check"):
    box, go = st.columns([3, 1], vertical_alignment="bottom")
    entry = box.text_input(
        t("verify.number"),
        max_chars=40,
        key="certificate_number",
        placeholder=t("verify.placeholder", example=certificates.NUMBER_EXAMPLE),
    )
    if go.form_submit_button(t("verify.submit"), type="primary", icon=":material/verified:", width="stretch"):
        typed = entry
        # The address bar then holds a link that checks this number again.
        st.query_params["number"] = st.session_state["certificate_linked"] = (
            certificates.parse_number(entry) or entry.strip()[:40]
        )

if typed.strip():
    found = certificates.verify(data.db(), typed)
    if found.state == "malformed":
        st.error(
            t("verify.malformed", typed=md(typed.strip()[:40]), example=certificates.NUMBER_EXAMPLE),
            icon=":material/error:",
        )
    elif found.state == "unknown":
        st.error(t("verify.unknown", number=found.number), icon=":material/search_off:")
    else:
        if found.valid:
            st.success(t("verify.valid"), icon=":material/verified:")
        elif found.state == "withdrawn":
            st.error(
                t("verify.withdrawn", year=found.withdrawn_year)
                if found.withdrawn_year
                else t("verify.withdrawn_no_year"),
                icon=":material/block:",
            )
        else:
            st.error(t("verify.not_member"), icon=":material/block:")
        name = f"[{md(found.name)}]({page_href('institution', id=found.institution_id)})"
        if found.name_latin and found.name_latin != found.name:
            name += f" · *{md(found.name_latin)}*"
        network = f"[{md(found.country[lang])}]({page_href('network', code=found.network)})"
        if found.national_commission:
            network += f" · {md(found.national_commission)}"
        with st.container(border=True):
            st.markdown(
                "\n".join(
                    [
                        f"- **{t('verify.school')}**: {name}",
                        f"- **{t('verify.town')}**: {md(found.city or '—')}",
                        f"- **{t('verify.network')}**: {network}",
                        f"- **{t('verify.issued')}**: {certificates.long_date(found.issued_on, lang)}",
                        f"- **{t('verify.number_label')}**: {found.number}",
                    ]
                )
            )
