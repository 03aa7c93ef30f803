"""The Library tab's work: list, upload (checked, sanitised, indexed), remove.

Uploads are copied to SOURCEBOOK_HOME/uploads under a sanitised name and indexed with
`build_index`. A file that fails to index is taken back out (and a file it replaced is put
back), so a failed upload leaves the library as it was. This module does not render.
"""
from __future__ import annotations

import logging
import re
import shutil
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from index import IndexReport, IndexSettings, StoreError, build_index, list_articles, remove_articles
from qa.readings import read_index

log = logging.getLogger(__name__)
ALLOWED = (".txt", ".md", ".html", ".htm", ".pdf")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def uploads_dir(settings: IndexSettings) -> Path:
    return settings.uploads_path


def safe_name(name: str) -> str:
    """A plain file name: no folders, no traversal, no control or shell-special characters."""
    base = re.split(r"[\\/]", str(name))[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    base = _UNSAFE.sub("_", base).strip(" ._-")
    base = re.sub(r"_+", "_", re.sub(r"\s+", " ", base))
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = stem.strip(" ._-")[:100] or "upload"
    return f"{stem}.{ext.lower()}" if ext else stem


@dataclass
class UploadResult:
    report: IndexReport | None = None
    saved: dict[str, str] = field(default_factory=dict)      # original name -> saved name
    rejected: dict[str, str] = field(default_factory=dict)   # name -> reason (never written)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.rejected and self.error is None and (self.report is None or self.report.ok)


def too_large(size: int, max_bytes: int = MAX_UPLOAD_BYTES) -> str:
    return f"too large ({size / 2**20:.1f} MB; the limit is {max_bytes / 2**20:.0f} MB): split it into smaller files"


def named_files(payload) -> tuple[list[str], list[str]]:
    """Gradio's raw File payload -> (paths of its copies, the names the user's files had)."""
    items = payload if isinstance(payload, list) else [payload] if payload else []
    items = [f if isinstance(f, dict) else getattr(f, "model_dump", lambda: {})() for f in items]
    items = [f for f in items if f.get("path")]
    return [str(f["path"]) for f in items], [str(f.get("orig_name") or Path(f["path"]).name) for f in items]


def check_upload(path: Path, max_bytes: int = MAX_UPLOAD_BYTES) -> str | None:
    """Why a file cannot be uploaded, or None."""
    if path.suffix.lower() not in ALLOWED:
        return f"unsupported type {path.suffix or '(none)'}: upload {', '.join(ALLOWED)} files"
    try:
        size = path.stat().st_size
    except OSError as exc:
        return f"cannot read the upload ({exc.strerror or exc})"
    if size > max_bytes:
        return too_large(size, max_bytes)
    if size == 0:
        return "empty file"
    return None


def upload(files: list[str | Path], settings: IndexSettings, *, names: list[str] | None = None,
           progress: bool = False, max_bytes: int = MAX_UPLOAD_BYTES) -> UploadResult:
    """Save and index uploaded files. `names` are the names the user gave (default: the paths')."""
    result = UploadResult()
    dest = uploads_dir(settings)
    dest.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[Path, Path | None]] = []      # (saved file, backup of what it replaced)
    names = names or [Path(f).name for f in files]
    for f, orig in zip(files, names):
        f = Path(f)
        name = safe_name(orig)
        why = check_upload(f, max_bytes) or (None if Path(name).suffix.lower() in ALLOWED else "unsupported type")
        if why:
            result.rejected[orig] = why
            continue
        target = dest / name
        if any(t == target for t, _ in staged):
            result.rejected[orig] = f"another file in this upload is also named {name}"
            continue
        backup = None
        if target.exists():
            backup = target.with_name(f".{name}.previous")
            shutil.copy2(target, backup)
        shutil.copyfile(f, target)
        result.saved[orig] = name
        staged.append((target, backup))
    if not staged:
        return result
    try:
        result.report = build_index([t for t, _ in staged], settings=settings, prune=False, progress=progress)
    except Exception as exc:  # StoreError or worse: take every file back out
        if isinstance(exc, StoreError):   # the store's fault, said in its message: no traceback
            log.warning("indexing uploads failed: %s", exc)
        else:
            log.exception("indexing uploads failed")
        result.error = f"Indexing failed, nothing was added: {exc}"
        for target, backup in staged:
            _restore(target, backup)
        return result
    for target, backup in staged:
        if target.name in result.report.failed:
            _restore(target, backup)
        elif backup:
            backup.unlink(missing_ok=True)
    if result.report.added or result.report.updated:
        try:   # spaCy reads the new sentences now, not in the first answers about them
            read_index(settings)
        except Exception:   # a cache: answering reads what it needs if this fails
            log.exception("reading the uploaded articles' sentences failed")
    return result


def _restore(target: Path, backup: Path | None) -> None:
    if backup and backup.exists():
        backup.replace(target)
    else:
        target.unlink(missing_ok=True)


def remove(source: str, settings: IndexSettings) -> tuple[bool, str]:
    """Remove an article from the index (`remove_articles` deletes an uploaded copy too)."""
    rows = {r["source"]: r for r in list_articles(settings=settings)}
    row = rows.get(source)
    if row is None:
        return False, f"{source} is not in the library."
    remove_articles([source], settings=settings)
    if Path(row["root"]).resolve() == uploads_dir(settings).resolve():
        return True, f"Removed {source} and its uploaded file."
    return True, f"Removed {source} from the library (the file in {row['root']} was left in place)."


def articles(settings: IndexSettings) -> list[dict]:
    return list_articles(settings=settings)
