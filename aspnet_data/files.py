"""Files people share: a project space's materials and attachments of board messages.

Files are kept in the database itself (``files.content``, a BLOB on DuckDB, BYTEA on
PostgreSQL): every replica of a PostgreSQL deployment serves any of them, and a backup holds
them with the rest. Each upload is checked by its content, never by its name: what it is comes
from its first bytes and its own structure, and only these are kept:

- PDF (without scripts, launch actions or embedded files in its objects outside streams);
- office documents: Word, Excel and PowerPoint (OOXML: a zip whose ``[Content_Types].xml``
  names its parts; without macros or ActiveX) and OpenDocument text, spreadsheets and
  presentations (a zip whose first entry, ``mimetype``, says which; without macros); their
  zip directory is read with :mod:`zipfile` and nothing is ever extracted: a container whose
  declared content is far larger than itself is refused as a zip bomb;
- images: PNG, JPEG, GIF and WebP, opened by Pillow, with a small preview made again from
  their pixels (so a preview never carries what else the file held);
- plain text (CSV too): valid UTF-8 without NUL or other control characters, and no markup.

Anything else is refused with :class:`~aspnet_data.errors.FileRefused` and nothing is stored:
programs (Windows, Linux and macOS executables, ``#!`` scripts), web pages and SVG, any other
archive (zip, rar, 7z, tar, gz...), a file over 10 MB, an empty one, one past its quota. A
small table of signatures does this better than a general detection library: the decision
is an allow list, and the structure of office files has to be read anyway.

Quotas: :data:`QUOTA` per network (the uploader's network pays for what its coordinator
shares), per user for UNESCO's admins; checked in the transaction that stores the file.

Who reads what: a project space's materials, those who take part in it (its networks'
coordinators, the focal points of its schools) and UNESCO's staff, or anyone when its
project's owner made it public; a message's files, whoever may read the message
(:func:`aspnet_data.board.can_read`). A deleted message's files are deleted with it
(:func:`delete_for_message`, in the board's transaction). Uploads and deletions are audited.

>>> inspect(Upload("../../notes\\u202eexe.txt", "Rivers, 12 km".encode())).name
'notesexe.txt'
>>> inspect(Upload("setup.pdf", b"MZ\\x90\\x00 a program")).code
Traceback (most recent call last):
  ...
aspnet_data.errors.FileRefused: file: executable
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from . import audit, board, languages
from .db import Cursor, Database, Schema, utc_now
from .errors import EditWindowPassed, FieldError, FileRefused, NotFound, PermissionDenied, ValidationFailed
from .permissions import Actor, can, require
from .text import fold, has_visible
from .validation import clean_text
from .vocab import THEMES

MB = 1024 * 1024
MAX_BYTES = 10 * MB  # one file
QUOTA = 200 * MB  # a network's files (an admin's own, for UNESCO's admins)
MAX_UNZIPPED_BYTES = 100 * MB  # an office file's declared content
MAX_ZIP_RATIO = 100  # ... and no more than this many times its own size, past MAX_BYTES of content
MAX_ZIP_ENTRIES = 10_000
MAX_PIXELS = 50_000_000  # an image's width x height (Pillow refuses past 179 million on its own)
PREVIEW_PIXELS = 320  # the longer side of a preview
MAX_NAME = 120  # characters of a stored name, its extension included
MAX_ATTACHMENTS = 5  # files on one message
TITLE_LENGTH, DESCRIPTION_LENGTH = 150, 2000
MATERIALS_SHOWN = 200

REFUSALS = (
    "empty",
    "too_large",
    "executable",
    "html",
    "svg",
    "archive",
    "zip_bomb",
    "macros",
    "pdf_active",
    "damaged",
    "image_too_large",
    "unsupported",
    "quota",
    "too_many",
)
"""Why a file may be refused (:class:`~aspnet_data.errors.FileRefused` codes)."""


@dataclass(frozen=True)
class Upload:
    """A file as someone sent it: the name they gave it and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Kind:
    """A kind of file that is kept: its code, media type and extensions (the first one is
    given to a name without one of them)."""

    code: str
    media_type: str
    extensions: tuple[str, ...]
    label: str  # what people call it, in every language ("PDF", "Word")


KINDS: dict[str, Kind] = {
    k.code: k
    for k in (
        Kind("pdf", "application/pdf", (".pdf",), "PDF"),
        Kind(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            (".docx",),
            "Word",
        ),
        Kind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",), "Excel"),
        Kind(
            "pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            (".pptx",),
            "PowerPoint",
        ),
        Kind("odt", "application/vnd.oasis.opendocument.text", (".odt",), "OpenDocument"),
        Kind("ods", "application/vnd.oasis.opendocument.spreadsheet", (".ods",), "OpenDocument"),
        Kind("odp", "application/vnd.oasis.opendocument.presentation", (".odp",), "OpenDocument"),
        Kind("png", "image/png", (".png",), "PNG"),
        Kind("jpeg", "image/jpeg", (".jpg", ".jpeg"), "JPEG"),
        Kind("gif", "image/gif", (".gif",), "GIF"),
        Kind("webp", "image/webp", (".webp",), "WebP"),
        Kind("text", "text/plain", (".txt", ".csv", ".tsv", ".md"), "Text"),
    )
}
IMAGE_KINDS = ("png", "jpeg", "gif", "webp")
_TEXT_MEDIA = {".csv": "text/csv", ".tsv": "text/tab-separated-values", ".md": "text/markdown"}
_ODF = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.presentation": "odp",
}
_OOXML_MAIN = {"word/document.xml": "docx", "xl/workbook.xml": "xlsx", "ppt/presentation.xml": "pptx"}

# First bytes of what is refused, and why.
_EXECUTABLES = (
    b"MZ",  # Windows (and DOS) programs and libraries
    b"\x7fELF",  # Linux
    b"\xfe\xed\xfa\xce",  # Mach-O (macOS), both byte orders, 32 and 64 bits
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # a universal macOS binary, or a Java class
    b"#!",  # a script for an interpreter
    b"\x00asm",  # WebAssembly
    b"dex\n",  # Android
)
_ARCHIVES = (
    b"PK\x05\x06",  # an empty zip
    b"PK\x07\x08",  # a spanned zip
    b"Rar!\x1a\x07",
    b"7z\xbc\xaf\x27\x1c",
    b"\x1f\x8b",  # gzip
    b"BZh",  # bzip2
    b"\xfd7zXZ\x00",  # xz
    b"\x28\xb5\x2f\xfd",  # zstandard
    b"MSCF",  # cabinet
    b"\x04\x22\x4d\x18",  # lz4
)
_IMAGES = (
    (b"\x89PNG\r\n\x1a\n", "png", "PNG"),
    (b"\xff\xd8\xff", "jpeg", "JPEG"),
    (b"GIF87a", "gif", "GIF"),
    (b"GIF89a", "gif", "GIF"),
)
# Names a PDF uses to run something or carry another file.
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFiles?|RichMedia)(?![A-Za-z0-9])")
_PDF_STREAM = re.compile(rb"stream\r?\n.*?endstream", re.S)
_PDF_ESCAPED_NAME = re.compile(rb"/[A-Za-z0-9]*#[0-9A-Fa-f]{2}[A-Za-z0-9#]*")
_PDF_ACTIVE_NAMES = {b"JavaScript", b"JS", b"Launch", b"EmbeddedFile", b"EmbeddedFiles", b"RichMedia"}
_MARKUP = re.compile(rb"<(?:!doctype\s+html|html|head|body|script|iframe|object|embed|meta|svg|\?xml)[\s>/]", re.I)
_SVG = re.compile(rb"<svg[\s>/]", re.I)
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{k}" for k in range(1, 10)), *(f"LPT{k}" for k in range(1, 10))}
_UNSAFE_IN_NAMES = re.compile(r'[<>:"|?*]')


@dataclass(frozen=True)
class Inspected:
    """What an upload was found to be: its kind, the name it will be stored under, its size
    and digest, and a preview for an image."""

    code: str  # a key of KINDS
    media_type: str
    name: str
    size: int
    sha256: str
    preview: bytes | None


@dataclass(frozen=True)
class FileInfo:
    """A stored file as lists show it (without its content)."""

    id: int
    name: str
    media_type: str
    size: int
    preview: bytes | None
    uploaded_by: str
    uploaded_at: datetime

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")


@dataclass(frozen=True)
class Quota:
    """What a network (or an admin) has stored, of how much."""

    used: int
    limit: int

    @property
    def left(self) -> int:
        return max(0, self.limit - self.used)


# -- checks by content --------------------------------------------------------------------------


def inspect(upload: Upload) -> Inspected:
    """What ``upload`` is, checked by its content, with the name it will be stored under.

    :raises FileRefused: when it is not one of :data:`KINDS` (or is empty, or too large)
    """
    data = upload.data
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise FileRefused("unsupported")
    data = bytes(data)
    if not data:
        raise FileRefused("empty")
    if len(data) > MAX_BYTES:
        raise FileRefused("too_large", {"max_mb": MAX_BYTES // MB})
    code, preview = _detect(data)
    kind = KINDS[code]
    name = sanitise_name(upload.name, kind)
    media_type = _TEXT_MEDIA.get(_suffix(name), kind.media_type) if code == "text" else kind.media_type
    return Inspected(code, media_type, name, len(data), hashlib.sha256(data).hexdigest(), preview)


def _detect(data: bytes) -> tuple[str, bytes | None]:
    """(kind code, image preview) of non-empty ``data``, or the refusal."""
    head = data[:16]
    if head.startswith(_EXECUTABLES):
        raise FileRefused("executable")
    if head.startswith(b"%PDF-"):
        return _pdf(data), None
    if head.startswith(b"PK\x03\x04"):
        return _zipped(data), None
    if head.startswith(_ARCHIVES) or data[257:262] == b"ustar":
        raise FileRefused("archive")
    for magic, code, pillow_format in _IMAGES:
        if head.startswith(magic):
            return code, _image(data, pillow_format)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp", _image(data, "WEBP")
    return _text(data), None


def _pdf(data: bytes) -> str:
    if b"%%EOF" not in data[-2048:]:
        raise FileRefused("damaged")
    # Only the objects themselves are read, not their streams: compressed bytes spell "/JS"
    # by chance about once in 20 MB, which would refuse one large PDF in three.
    objects = _PDF_STREAM.sub(b"stream endstream", data)
    if _PDF_ACTIVE.search(objects):
        raise FileRefused("pdf_active")
    # A name may spell its letters as #xx escapes (/J#61vaScript): read those too.
    for match in _PDF_ESCAPED_NAME.finditer(objects):
        name = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), match.group(0)[1:])
        if name in _PDF_ACTIVE_NAMES:
            raise FileRefused("pdf_active")
    return "pdf"


def _zipped(data: bytes) -> str:
    """An office document (OOXML or OpenDocument) told by its own structure; any other zip is
    an archive. Only the zip's directory is read (and the few bytes of an OpenDocument's
    ``mimetype`` entry): nothing is extracted."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                raise FileRefused("zip_bomb")
            declared = sum(entry.file_size for entry in entries)
            if declared > MAX_UNZIPPED_BYTES or (declared > MAX_BYTES and declared > MAX_ZIP_RATIO * len(data)):
                raise FileRefused("zip_bomb")
            names = {entry.filename for entry in entries}
            if "[Content_Types].xml" in names:
                return _ooxml(names)
            first = entries[0] if entries else None
            if first is not None and first.filename == "mimetype" and first.file_size <= 100:
                code = _ODF.get(archive.read(first).strip())
                if code is None:
                    raise FileRefused("archive")
                if any(n.startswith(("Basic/", "Scripts/")) for n in names):
                    raise FileRefused("macros")
                return code
    except FileRefused:  # a ValueError too: not to be taken for a damaged zip below
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError, OSError) as exc:
        raise FileRefused("damaged") from exc
    raise FileRefused("archive")


def _ooxml(names: set[str]) -> str:
    lowered = {n.lower() for n in names}
    if any(n.endswith("vbaproject.bin") or "/activex/" in n for n in lowered):
        raise FileRefused("macros")
    for part, code in _OOXML_MAIN.items():
        if part in names:
            return code
    raise FileRefused("unsupported")


def _image(data: bytes, pillow_format: str) -> bytes:
    """A small preview of an image, drawn again from its pixels; refused when Pillow cannot
    read it as what its first bytes say, or it has too many pixels."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != pillow_format:
                raise FileRefused("damaged")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise FileRefused("image_too_large", {"max_mp": MAX_PIXELS // 1_000_000})
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (PREVIEW_PIXELS * 2, PREVIEW_PIXELS * 2))  # JPEG: decode at a fraction
            image.thumbnail((PREVIEW_PIXELS, PREVIEW_PIXELS))
            clear = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
            small = image.convert("RGBA" if clear else "RGB")
            out = io.BytesIO()
            if clear:
                small.save(out, format="PNG", optimize=True)
            else:
                small.save(out, format="JPEG", quality=82)
            return out.getvalue()
    except FileRefused:
        raise
    except Exception as exc:  # Pillow raises many kinds (OSError, SyntaxError, struct.error...) on bad files
        raise FileRefused("damaged") from exc


def _text(data: bytes) -> str:
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise FileRefused("unsupported") from None
    if any(ord(ch) < 0x20 and ch not in "\t\n\r\f" for ch in text) or "\x7f" in text:
        raise FileRefused("unsupported")
    if text.lstrip().startswith("#!"):
        raise FileRefused("executable")
    if _MARKUP.search(body):
        raise FileRefused("svg" if _SVG.search(body) else "html")
    return "text"


def _suffix(name: str) -> str:
    stem, dot, suffix = name.rpartition(".")
    return f".{suffix.lower()}" if dot and stem else ""


def sanitise_name(name: object, kind: Kind) -> str:
    """The name a file is stored under: its last path part, without control or invisible
    characters (right-to-left overrides among them) or characters that file systems refuse,
    at most :data:`MAX_NAME` characters, ending in the extension of what it really is.

    >>> sanitise_name("C:\\\\Users\\\\ana/report\\u202efdp.exe", KINDS["pdf"])
    'reportfdp.pdf'
    """
    base = re.split(r"[\\/]", str(name or ""))[-1]
    base = unicodedata.normalize("NFC", base)
    # Control, format (bidirectional overrides, zero-width), surrogate, private and unassigned.
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = " ".join(_UNSAFE_IN_NAMES.sub("_", base).split()).strip(" .")
    stem, dot, suffix = base.rpartition(".")
    if dot and stem and f".{suffix.lower()}" in kind.extensions:
        extension = f".{suffix.lower()}"
    elif dot and stem and re.fullmatch(r"[A-Za-z0-9]{1,8}", suffix):
        extension = kind.extensions[0]  # the name's extension says something else: replaced
    else:
        stem, extension = base, kind.extensions[0]
    if stem.lower().endswith(extension):
        stem = stem[: -len(extension)]
    stem = stem.strip(" .") or "file"
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = "_" + stem
    return stem[: MAX_NAME - len(extension)].rstrip(" .") + extension


# -- quota --------------------------------------------------------------------------------------


def _quota_sql(actor: Actor) -> tuple[str, list[Any]]:
    """Whose files count against the quota the actor's uploads use: their network's, or (an
    admin, who has none) their own."""
    if actor.network:
        return "network = ?", [actor.network]
    return "network IS NULL AND uploaded_by = ?", [actor.username or ""]


def quota(db: Database, actor: Actor) -> Quota:
    """What the actor's network (an admin: the actor) has stored, of :data:`QUOTA`."""
    where, params = _quota_sql(actor)
    used = db.scalar(f"SELECT coalesce(sum(size), 0) FROM files WHERE deleted_at IS NULL AND {where}", params)
    return Quota(int(used), QUOTA)


def _store(cur: Cursor, actor: Actor, found: Inspected, data: bytes, when: datetime, context: dict) -> int:
    """Insert the file, in the caller's transaction, once its quota has room for it; audited."""
    where, params = _quota_sql(actor)
    used = int(
        cur.execute(
            f"SELECT coalesce(sum(size), 0) FROM files WHERE deleted_at IS NULL AND {where}", params
        ).fetchall()[0][0]
    )
    if used + found.size > QUOTA:
        raise FileRefused(
            "quota", {"used_mb": f"{used / MB:.1f}", "quota_mb": QUOTA // MB, "size_mb": f"{found.size / MB:.1f}"}
        )
    file_id = int(cur.execute("SELECT nextval('file_id_seq')").fetchall()[0][0])
    cur.execute(
        "INSERT INTO files (id, sha256, name, media_type, size, content, preview, uploaded_by, uploaded_at, network) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            file_id,
            found.sha256,
            found.name,
            found.media_type,
            found.size,
            data,
            found.preview,
            actor.username,
            when,
            actor.network,
        ],
    )
    after = {"name": found.name, "media_type": found.media_type, "size": found.size, "sha256": found.sha256}
    audit.record(cur, actor, "file.upload", "files", file_id, after=after | context, when=when)
    return file_id


def _delete_file(cur: Cursor, actor: Actor | str, file_id: int, when: datetime, context: dict) -> bool:
    """Forget a file's content (its row stays, for the record); audited. False if it was gone."""
    found = cur.execute(
        "SELECT name, size, sha256 FROM files WHERE id = ? AND deleted_at IS NULL", [file_id]
    ).fetchall()
    if not found:
        return False
    name, size, sha256 = found[0]
    cur.execute("UPDATE files SET content = NULL, preview = NULL, deleted_at = ? WHERE id = ?", [when, file_id])
    before = {"name": name, "size": size, "sha256": sha256}
    audit.record(cur, actor, "file.delete", "files", file_id, before=before | context, when=when)
    return True


# -- a project space's materials ----------------------------------------------------------------


def _project(db: Database, project_id: int) -> dict:
    found = db.query("SELECT id, owner, network FROM projects WHERE id = ?", [project_id])
    if found.height == 0:
        raise NotFound(project_id)
    return found.row(0, named=True)


def takes_part(db: Database, actor: Actor, project_id: int) -> dict[str, Any]:
    """How ``actor`` takes part in the project, as :func:`~aspnet_data.permissions.can` takes
    it: ``member`` (a coordinator of its owner's network or of a network with a school in it)
    and ``institution`` (a focal point whose school is in it)."""
    if actor.role == "coordinator" and actor.network:
        member = bool(
            db.scalar(
                """SELECT EXISTS (SELECT 1 FROM projects p WHERE p.id = $p AND p.network = $n)
                       OR EXISTS (SELECT 1 FROM project_members m JOIN institutions i ON i.id = m.institution_id
                                  WHERE m.project_id = $p AND m.state = 'member' AND i.network = $n)""",
                {"p": project_id, "n": actor.network},
            )
        )
        return {"member": member, "institution": None}
    if actor.role == "focal_point" and actor.institution is not None:
        joined = db.scalar(
            "SELECT count(*) FROM project_members WHERE project_id = ? AND institution_id = ? AND state = 'member'",
            [project_id, actor.institution],
        )
        return {"member": False, "institution": actor.institution if joined else None}
    return {"member": False, "institution": None}


def may_read_materials(db: Database, actor: Actor, project_id: int) -> bool:
    """Whether ``actor`` reads every material of the project (else only its public ones)."""
    return can(actor, "read_materials", **takes_part(db, actor, project_id))


def may_add_material(db: Database, actor: Actor, project_id: int) -> bool:
    """Whether ``actor`` may add materials to the project (a coordinator of one of its networks, an admin)."""
    return can(actor, "add_material", member=takes_part(db, actor, project_id)["member"])


def _material_values(values: dict[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    record: dict[str, Any] = {
        "title": clean_text(values.get("title")),
        "description": clean_text(values.get("description")),
        "language": None,
        "theme": values.get("theme") or None,
    }
    errors: list[FieldError] = []
    if not has_visible(record["title"]):
        errors.append(FieldError("title", "required"))
    elif len(record["title"]) > TITLE_LENGTH:
        errors.append(FieldError("title", "too_long", {"max": TITLE_LENGTH}))
    if record["description"] and len(record["description"]) > DESCRIPTION_LENGTH:
        errors.append(FieldError("description", "too_long", {"max": DESCRIPTION_LENGTH}))
    language = values.get("language")
    if language:
        code = languages.parse(str(language))
        if code is None:
            errors.append(FieldError("language", "unknown_language", {"values": str(language)[:40]}))
        record["language"] = code
    if record["theme"] is not None and record["theme"] not in THEMES:
        errors.append(FieldError("theme", "unknown_choice", {"values": str(record["theme"])[:40]}))
    return record, errors


def add_material(
    db: Database,
    actor: Actor,
    project_id: int,
    upload: Upload,
    values: dict[str, Any],
    *,
    now: datetime | None = None,
) -> int:
    """Share a file in a project space's materials; returns the material's id.

    :param values: ``title`` (required), ``description``, ``language`` (a name or an ISO 639
        code), ``theme`` (a priority theme's code), ``public`` (only the project's owner or an
        admin may make a material public: anyone then reads it)
    :raises PermissionDenied: unless the actor is a coordinator of a network taking part, or an admin
    :raises ValidationFailed: for the fields, :class:`~aspnet_data.errors.FileRefused` for the file
    """
    project = _project(db, project_id)
    require(actor, "add_material", member=takes_part(db, actor, project_id)["member"])
    public = bool(values.get("public"))
    if public:
        require(actor, "publish_material", owner=project["owner"])
    record, errors = _material_values(values)
    if errors:
        raise ValidationFailed(errors)
    found = inspect(upload)
    data = bytes(upload.data)
    when = now or utc_now()

    def write(cur: Cursor) -> int:
        material_id = int(cur.execute("SELECT nextval('material_id_seq')").fetchall()[0][0])
        file_id = _store(cur, actor, found, data, when, {"project_id": project_id, "material_id": material_id})
        search = fold(" ".join(filter(None, (record["title"], record["description"], found.name))))
        cur.execute(
            "INSERT INTO project_materials (id, project_id, file_id, title, description, language, theme, public, "
            "added_by, added_at, search_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                material_id,
                project_id,
                file_id,
                record["title"],
                record["description"],
                record["language"],
                record["theme"],
                public,
                actor.username,
                when,
                search,
            ],
        )
        after = {"title": record["title"], "file_id": file_id, "public": public}
        audit.record(cur, actor, "material.add", "project_materials", material_id, after=after, when=when)
        return material_id

    return db.write(write)


_MATERIAL_SCHEMA: Schema = {
    "id": pl.Int64,
    "file_id": pl.Int64,
    "title": pl.String,
    "description": pl.String,
    "language": pl.String,
    "theme": pl.String,
    "public": pl.Boolean,
    "added_by": pl.String,
    "display_name": pl.String,
    "network": pl.String,
    "added_at": pl.Datetime("us"),
    "name": pl.String,
    "media_type": pl.String,
    "size": pl.Int64,
    "preview": pl.Binary,
}


def materials(
    db: Database, actor: Actor, project_id: int, *, q: str = "", limit: int = MATERIALS_SHOWN
) -> pl.DataFrame:
    """The project's materials that ``actor`` may read (all of them for those who take part,
    else the public ones), newest first, found by words of their title, description or file
    name (accents and case ignored). Rows: id, file_id, title, description, language, theme,
    public, added_by, display_name, network (the adder's), added_at, name, media_type, size,
    preview (an image's small preview, else None)."""
    _project(db, project_id)
    conditions = ["m.project_id = $project", "m.deleted_at IS NULL", "f.deleted_at IS NULL"]
    params: dict[str, Any] = {"project": project_id, "limit": max(1, min(int(limit), MATERIALS_SHOWN))}
    if not may_read_materials(db, actor, project_id):
        conditions.append("m.public")
    for k, word in enumerate(fold(q).split()[:8]):
        conditions.append(f"strpos(m.search_text, $w{k}) > 0")
        params[f"w{k}"] = word[:60]
    return db.small_query(
        f"""SELECT m.id, m.file_id, m.title, m.description, m.language, m.theme, m.public, m.added_by,
                   u.display_name, u.network, m.added_at, f.name, f.media_type, f.size, f.preview
            FROM project_materials m JOIN files f ON f.id = m.file_id LEFT JOIN users u ON u.username = m.added_by
            WHERE {" AND ".join(conditions)}
            ORDER BY m.added_at DESC, m.id DESC LIMIT $limit""",
        params,
        _MATERIAL_SCHEMA,
    )


def _material(db: Database, material_id: int) -> dict:
    found = db.query(
        """SELECT m.id, m.project_id, m.file_id, m.title, m.added_by, m.public, p.owner
           FROM project_materials m JOIN projects p ON p.id = m.project_id
           WHERE m.id = ? AND m.deleted_at IS NULL""",
        [material_id],
    )
    if found.height == 0:
        raise NotFound(material_id)
    return found.row(0, named=True)


def may_delete_material(actor: Actor, material: dict) -> bool:
    """Whether ``actor`` may delete the material (a row of :func:`materials` with the
    project's ``owner``): who added it, the project's owner, an admin."""
    return can(actor, "delete_material", owner=material["added_by"]) or can(
        actor, "delete_material", owner=material.get("owner")
    )


def delete_material(db: Database, actor: Actor, material_id: int, *, now: datetime | None = None) -> None:
    """Remove a material and its file's content (who added it, the project's owner, an admin); audited."""
    material = _material(db, material_id)
    if not may_delete_material(actor, material):
        raise PermissionDenied("delete_material")
    when = now or utc_now()

    def write(cur: Cursor) -> None:
        updated = cur.execute(
            "UPDATE project_materials SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL", [when, material_id]
        ).fetchall()[0][0]
        if updated != 1:
            raise NotFound(material_id)
        context = {"project_id": material["project_id"], "material_id": material_id}
        _delete_file(cur, actor, material["file_id"], when, context)
        before = {"title": material["title"], "file_id": material["file_id"]}
        audit.record(cur, actor, "material.delete", "project_materials", material_id, before=before, when=when)

    db.write(write)


def set_public(db: Database, actor: Actor, material_id: int, public: bool) -> None:
    """The project's owner (or an admin) makes a material public (anyone reads it) or not; audited."""
    material = _material(db, material_id)
    require(actor, "publish_material", owner=material["owner"])
    if bool(material["public"]) == bool(public):
        return

    def write(cur: Cursor) -> None:
        cur.execute("UPDATE project_materials SET public = ? WHERE id = ?", [bool(public), material_id])
        audit.record(
            cur,
            actor,
            "material.public" if public else "material.private",
            "project_materials",
            material_id,
            {"public": not public},
            {"public": bool(public)},
        )

    db.write(write)


# -- attachments of board messages --------------------------------------------------------------


def attach(db: Database, actor: Actor, message_id: int, upload: Upload, *, now: datetime | None = None) -> int:
    """Attach a file to one's own message, while one may still edit it, in a channel one may
    write in (at most :data:`MAX_ATTACHMENTS` a message); returns the file's id.

    :raises PermissionDenied: (:class:`~aspnet_data.errors.EditWindowPassed` once the time to
        edit the message is over)
    :raises FileRefused: for the file (its content, its size, the quota, too many files)
    """
    found = db.rows(
        "SELECT channel_id, author, created_at, deleted_at IS NULL AND hidden_reason IS NULL "
        "FROM messages WHERE id = ?",
        [message_id],
    )
    if not found:
        raise NotFound(message_id)
    channel_id, author, created_at, shown = found[0]
    # A deleted or hidden message is no one's to add to.
    require(actor, "attach_file", owner=author if shown else None)
    when = now or utc_now()
    if when - created_at > board.EDIT_WINDOW:
        raise EditWindowPassed()
    if not board.can_read(db, actor, channel_id, write=True):
        raise PermissionDenied("attach_file")
    inspected = inspect(upload)
    data = bytes(upload.data)

    def write(cur: Cursor) -> int:
        count = cur.execute("SELECT count(*) FROM message_files WHERE message_id = ?", [message_id]).fetchall()[0][0]
        if count >= MAX_ATTACHMENTS:
            raise FileRefused("too_many", {"max": MAX_ATTACHMENTS})
        file_id = _store(cur, actor, inspected, data, when, {"message_id": message_id})
        cur.execute("INSERT INTO message_files (message_id, file_id) VALUES (?, ?)", [message_id, file_id])
        return file_id

    return db.write(write)


def message_attachments(db: Database, actor: Actor, message_ids: Iterable[int]) -> dict[int, list[FileInfo]]:
    """The files of each message ``actor`` may read (of those asked for, at most 500; deleted
    and hidden messages have none), by message id, oldest first."""
    ids = list(dict.fromkeys(int(i) for i in message_ids))[:500]
    if not ids:
        return {}
    marks = ", ".join(f"$m{k}" for k in range(len(ids)))
    rows = db.rows(
        f"""SELECT mf.message_id, m.channel_id, f.id, f.name, f.media_type, f.size, f.preview, f.uploaded_by,
                   f.uploaded_at
            FROM message_files mf JOIN messages m ON m.id = mf.message_id JOIN files f ON f.id = mf.file_id
            WHERE mf.message_id IN ({marks}) AND m.deleted_at IS NULL AND m.hidden_reason IS NULL
              AND f.deleted_at IS NULL
            ORDER BY mf.message_id, f.id""",
        {f"m{k}": v for k, v in enumerate(ids)},
    )
    readable: dict[int, bool] = {}
    out: dict[int, list[FileInfo]] = {}
    for message_id, channel_id, *info in rows:
        if channel_id not in readable:
            readable[channel_id] = board.can_read(db, actor, channel_id)
        if readable[channel_id]:
            out.setdefault(message_id, []).append(FileInfo(*info))
    return out


def delete_for_message(cur: Cursor, message_id: int, actor: Actor | str | None = None) -> int:
    """Delete the files of a message that is being deleted, inside the caller's transaction
    (the board's); audited under ``actor`` (by default the message's author, who alone deletes
    a message). Returns how many files were deleted."""
    found = cur.execute(
        "SELECT m.author, mf.file_id FROM message_files mf JOIN messages m ON m.id = mf.message_id "
        "WHERE mf.message_id = ? ORDER BY mf.file_id",
        [message_id],
    ).fetchall()
    when = utc_now()
    return sum(
        _delete_file(cur, actor or author, file_id, when, {"message_id": message_id}) for author, file_id in found
    )


# -- downloads ----------------------------------------------------------------------------------


def may_download(db: Database, actor: Actor, file_id: int) -> bool:
    """Whether ``actor`` may read the file: a material they may read (or a public one), or the
    file of a message they may read."""
    for project_id, public in db.rows(
        "SELECT project_id, public FROM project_materials WHERE file_id = ? AND deleted_at IS NULL", [file_id]
    ):
        if public or may_read_materials(db, actor, project_id):
            return True
    channels = db.rows(
        "SELECT DISTINCT m.channel_id FROM message_files mf JOIN messages m ON m.id = mf.message_id "
        "WHERE mf.file_id = ? AND m.deleted_at IS NULL AND m.hidden_reason IS NULL",
        [file_id],
    )
    return any(board.can_read(db, actor, channel_id) for (channel_id,) in channels)


def download(db: Database, actor: Actor, file_id: int) -> tuple[str, str, bytes]:
    """(name, media type, content) of a file ``actor`` may read, checked against its digest.

    :raises NotFound: no such file, or it was deleted
    :raises PermissionDenied: the actor may not read it
    """
    found = db.rows("SELECT name, media_type, sha256 FROM files WHERE id = ? AND deleted_at IS NULL", [file_id])
    if not found:
        raise NotFound(file_id)
    if not may_download(db, actor, file_id):
        raise PermissionDenied("read_materials")
    name, media_type, sha256 = found[0]
    data = db.blob("SELECT content FROM files WHERE id = ? AND deleted_at IS NULL", [file_id])
    if data is None:
        raise NotFound(file_id)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise NotFound(file_id)  # a damaged file is not handed out as if it were the one uploaded
    return name, media_type, data


def file_infos(rows: Sequence[dict]) -> list[FileInfo]:
    """:class:`FileInfo` of the rows of :func:`materials` (for ``ui/attachments.show``)."""
    return [
        FileInfo(
            r["file_id"],
            r["name"],
            r["media_type"],
            r["size"],
            r["preview"],
            r["added_by"],
            r["added_at"],
        )
        for r in rows
    ]
