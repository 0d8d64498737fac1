"""Reports uploaded over the API, read exactly as `ceasefire ingest` reads files.

Unlike the command line, which stores what it can and lists what it rejected, an upload is taken
whole or not at all: every file is read and checked before the pipeline stores anything, so a
client that sent one bad file fixes it and sends the same upload again."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from starlette.requests import Request

from ceasefire.dedupe import DuplicateIndex
from ceasefire.errors import InputError
from ceasefire.ingest import MAX_FILE_BYTES, read_documents
from ceasefire.keys import Signer
from ceasefire.model import Document
from ceasefire.pipeline import Pipeline
from ceasefire.store import DocumentRow, IncidentRow, Store

MAX_UPLOAD_BYTES = MAX_FILE_BYTES  # all files of one upload together
MAX_UPLOAD_FILES = 100


@dataclass(frozen=True)
class Upload:
    """One uploaded file: the name the client gave it and its bytes."""

    name: str
    data: bytes


class Rejected(Exception):
    """The upload as a whole is refused; `errors` are one-line messages naming the files."""

    def __init__(self, errors: Sequence[InputError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))


class TooLarge(InputError):
    """More bytes than one upload may hold."""

    def __init__(self, size: int) -> None:
        mb = 2**20
        problem = (
            f"too large ({size / mb:.1f} MB > {MAX_UPLOAD_BYTES / mb:.0f} MB); "
            "send the files in several uploads"
        )
        super().__init__("upload", problem)


def check_size(total: int) -> None:
    """Refuse an upload larger than `MAX_UPLOAD_BYTES`, ideally before reading it."""
    if total > MAX_UPLOAD_BYTES:
        raise TooLarge(total)


async def read_upload(request: Request) -> tuple[list[Upload], dict[str, str]]:
    """The files (field `files`) and text fields of a multipart upload, refused as too large as
    soon as that is known: from its declared length before anything is read."""
    declared = request.headers.get("content-length", "")
    check_size(int(declared) if declared.isdigit() else 0)
    form = await request.form(max_files=MAX_UPLOAD_FILES, max_fields=10)
    uploads: list[Upload] = []
    fields: dict[str, str] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            if key == "files":
                raise Rejected([InputError("files", "send each report as a file, not as text")])
            fields[key] = value
        elif key == "files":
            data = await value.read()
            if value.filename or data:  # a browser sends an empty part when none is chosen
                uploads.append(Upload(value.filename or "", data))
            check_size(sum(len(u.data) for u in uploads))
    return uploads, fields


def published_day(value: str | None) -> date | None:
    """The `published` field: a date YYYY-MM-DD, or nothing."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise Rejected([InputError("published", f"{value!r} is not a date (YYYY-MM-DD)")]) from None


def _saved(folder: Path, uploads: Sequence[Upload]) -> dict[Path, str]:
    """Each upload written under its own name (its suffix says how to read it), in a folder of
    its own so two files of the same name do not collide: path -> the name the client gave."""
    names: dict[Path, str] = {}
    for n, upload in enumerate(uploads):
        name = Path(upload.name.replace("\\", "/")).name or "upload"
        path = folder / str(n) / name
        path.parent.mkdir()
        path.write_bytes(upload.data)
        names[path] = name
    return names


def _named(exc: InputError, names: Mapping[Path, str]) -> InputError:
    """The error as the client knows the file: by its upload name, not the scratch path."""
    for path, name in names.items():
        if exc.source == str(path):
            return InputError(name, exc.problem, exc.line)
    return exc


class Ingester:
    """The pipeline of one app, built when first needed (the language model takes seconds to
    load) and run by one upload at a time: the store's write lock serialises the writes anyway,
    and the pipeline's near-duplicate index is not meant to be shared between threads. When
    another process stored documents since, the index is read again from the store, so a copy of
    one of them is still known for a copy."""

    def __init__(self, store: Store, pipeline: Callable[[], Pipeline]) -> None:
        self.store = store
        self._make = pipeline
        self._pipeline: Pipeline | None = None
        self._indexed = 0  # documents in the store when the index was last complete
        self._lock = threading.Lock()

    def _ready(self) -> Pipeline:
        stored = self.store.count(DocumentRow)
        if self._pipeline is None:
            self._pipeline = self._make()
        elif stored != self._indexed:
            index = DuplicateIndex(load=self.store.signatures_of)
            for doc_id, signature, duplicate_of in self.store.signatures():
                index.restore(doc_id, signature, duplicate_of)
            self._pipeline.duplicates = index
        return self._pipeline

    def ingest(
        self,
        uploads: Sequence[Upload],
        *,
        by: str,
        signer: Signer | None = None,
        outlet: str | None = None,
        published: date | None = None,
    ) -> dict[str, Any]:
        """Read, check and store the uploaded reports; the run's audit events are signed by
        `signer` (the installation if None) and name `by`. Raises `TooLarge`, or `Rejected` if any
        file, line or entry is bad; either way nothing is stored."""
        if not uploads:
            raise Rejected([InputError("upload", "no files")])
        if len(uploads) > MAX_UPLOAD_FILES:
            raise Rejected([InputError("upload", f"more than {MAX_UPLOAD_FILES} files")])
        check_size(sum(len(u.data) for u in uploads))
        with tempfile.TemporaryDirectory(prefix="ceasefire-upload-") as scratch:
            names = _saved(Path(scratch), uploads)
            read = list(read_documents(names, outlet=outlet, published=published))
            errors = [_named(e, names) for e in read if isinstance(e, InputError)]
            if errors:
                raise Rejected(errors)
            documents = [d for d in read if isinstance(d, Document)]
            with self._lock:
                pipeline = self._ready()
                newest = self._newest_incident()
                details = {"by": by, "files": sorted(set(names.values()))}
                report = pipeline.run(
                    list(names), outlet=outlet, published=published, signer=signer, details=details
                )
                self._indexed = self.store.count(DocumentRow)
        ids = sorted({d.id for d in documents})
        touched = sorted(
            {c.incident_id for c in self.store.claims(document_ids=ids) if c.incident_id}
        )
        return {
            "run": report.run_id,
            "read": report.read,
            "stored": report.stored,
            "already_stored": report.already_stored,
            "near_duplicates": report.near_duplicates,
            "claims": dict(report.claims),
            "kept_as_claims": report.kept_as_claims,
            "incidents_new": report.incidents_new,
            "incidents_updated": report.incidents_updated,
            "verdicts": dict(report.verdicts),
            "documents": ids,
            "incidents": [{"id": str(i), "new": i > newest} for i in touched],
        }

    def _newest_incident(self) -> int:
        with self.store.session() as s:
            return s.scalar(select(func.max(IncidentRow.id))) or 0
