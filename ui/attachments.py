"""Files on a page: an uploader that hands back what was chosen, and a list of stored files
with their download buttons and image previews, for board messages and project spaces alike.

The data layer (:mod:`aspnet_data.files`) checks every file and every reader; these widgets
only show what it returns. A message's files, on the board::

    from aspnet_data import files
    from aspnet_data.errors import FileRefused
    from ui import attachments

    chosen = attachments.uploader(f"attach_{channel_id}")  # list[files.Upload] | None
    if st.button(t("board.post")):
        message_id = board.post(db, actor, channel_id, body)
        for upload in chosen or []:
            try:
                files.attach(db, actor, message_id, upload)
            except FileRefused as refused:
                attachments.refused(refused)  # says why, in the reader's language

    found = files.message_attachments(db, actor, [row["id"] for row in rows])  # {message id: [FileInfo]}
    for row in rows:
        ...
        attachments.show(found.get(row["id"], []), key=f"message_{row['id']}")

``show`` reads each file's bytes through :func:`aspnet_data.files.download` in the run that
draws its button, for the signed-in reader (never later, outside the run, where the session
is not known). A file over :data:`INLINE_BYTES` first shows a button that fetches it, so
that a page listing many large files does not load them all on every run.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from aspnet_data import files
from aspnet_data.errors import FileRefused, NotFound, PermissionDenied

from . import data
from .auth import current_actor
from .i18n import number, t
from .safe import md

__all__ = ["INLINE_BYTES", "download_button", "limits", "refusal_text", "refused", "show", "size_text", "uploader"]

INLINE_BYTES = 2 * files.MB  # files up to this size download in one click


def size_text(size: int) -> str:
    """A file's size for people: "12 kB", "3.4 MB" ("3,4 Mo"), in the reader's language."""
    if size < files.MB:
        return t("files.size_kb", size=number(max(1, round(size / 1024))))
    megabytes = size / files.MB
    return t("files.size_mb", size=number(megabytes, 0 if megabytes.is_integer() or megabytes >= 100 else 1))


def limits() -> str:
    """What may be shared, in one line: the kinds of files and the size of one."""
    return t("files.limits", mb=files.MAX_BYTES // files.MB)


def uploader(key: str, *, label: str | None = None, multiple: bool = True) -> list[files.Upload] | None:
    """A file chooser (several files unless ``multiple`` is False): the chosen files as
    :class:`~aspnet_data.files.Upload`, or None when none is chosen. Any kind of file may be
    chosen; what is kept is decided by its content when it is stored (``files.attach``,
    ``files.add_material``), which raises :class:`~aspnet_data.errors.FileRefused`."""
    chosen = st.file_uploader(
        label or t("files.choose"),
        key=key,
        accept_multiple_files=multiple,
        max_upload_size=files.MAX_BYTES // files.MB,
        help=limits(),
    )
    if not chosen:
        return None
    picked = chosen if isinstance(chosen, list) else [chosen]
    return [files.Upload(f.name, f.getvalue()) for f in picked]


def refusal_text(error: FileRefused) -> str:
    """Why a file was not stored, in the reader's language."""
    params = {k: md(v) if isinstance(v, str) else v for k, v in error.params.items()}
    return t(error.key, **params)


def refused(error: FileRefused, *, name: str | None = None) -> None:
    """Say why a file was not stored (naming it when ``name`` is given)."""
    text = refusal_text(error)
    st.error(f"**{md(name)}**: {text}" if name else text, icon=":material/block:")


def show(found: Sequence[files.FileInfo], key: str) -> None:
    """The files of a message or a material: image previews, then a download button for each
    (its name and size), its bytes read for the signed-in reader in this run."""
    if not found:
        return
    previews = [(f.preview, f.name) for f in found if f.preview is not None]
    if previews:
        st.image(
            [picture for picture, _ in previews],
            width=min(240, 720 // len(previews)),
            caption=[name for _, name in previews],
            alt=[t("files.preview_alt", name=name) for _, name in previews],  # plain text: no markdown
        )
    for info in found:
        download_button(info, key=f"{key}_{info.id}")


def download_button(info: files.FileInfo, key: str, *, label: str | None = None) -> None:
    """One file's download button (``label``, by default its name and size), or a line
    saying it is gone when the reader may not have it (deleted meanwhile, say). A large file
    first offers to fetch it."""
    label = label or f"{md(info.name)} ({size_text(info.size)})"
    fetched = f"{key}_fetched"
    if info.size > INLINE_BYTES and not st.session_state.get(fetched):
        st.button(
            t("files.fetch", name=md(info.name), size=size_text(info.size)),
            key=f"{key}_fetch",
            icon=":material/cloud_download:",
            on_click=lambda: st.session_state.__setitem__(fetched, True),
        )
        return
    try:
        name, media_type, content = files.download(data.db(), current_actor(), info.id)
    except (NotFound, PermissionDenied):
        st.caption(t("files.unavailable", name=md(info.name)))
        return
    st.download_button(
        label,
        data=content,
        file_name=name,
        mime=media_type,
        icon=":material/download:",
        on_click="ignore",
        key=key,
    )
