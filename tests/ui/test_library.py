"""Library uploads against a real index: sanitised names, limits, failures that change nothing."""
from __future__ import annotations

from pathlib import Path

import pytest

from index import IndexSettings, get_article, list_articles
from ui import library

from htmltext import plain_text

ARTICLE = ("Harbour bridge reopens after repairs\n"
           "The Kestrel harbour bridge reopened on Monday after eight months of repairs costing 3 million euros.\n"
           "Engineers replaced 240 steel cables, the city council said.\n")


@pytest.fixture
def idx(tmp_path) -> IndexSettings:
    return IndexSettings(home=tmp_path / "home")


def write(folder: Path, name: str, data: bytes | str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    return p


@pytest.mark.parametrize("given,expected", [
    ("report.txt", "report.txt"),
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\win.md", "win.md"),
    ("/abs/path/x.PDF", "x.pdf"),
    ("a<b>|c:d?.html", "a_b_c_d.html"),
    ("...", "upload"),
    (".hidden.txt", "hidden.txt"),
    ("Über café.txt", "Uber cafe.txt"),
    ("x" * 300 + ".txt", "x" * 100 + ".txt"),
])
def test_safe_name(given, expected):
    assert library.safe_name(given) == expected


def test_upload_indexes_and_names_failures(idx, tmp_path, embedder):
    src = tmp_path / "incoming"
    good = write(src, "good.txt", ARTICLE)
    bad_type = write(src, "tool.exe", "MZ")
    empty = write(src, "empty.txt", "")
    fake_pdf = write(src, "broken.pdf", "this is not a PDF at all")
    huge = src / "huge.txt"
    with huge.open("wb") as f:
        f.truncate(library.MAX_UPLOAD_BYTES + 1)   # sparse: over the limit without writing 20 MB

    result = library.upload([good, bad_type, empty, fake_pdf, huge], idx,
                            names=["../../outside/good.txt", "tool.exe", "empty.txt", "broken.pdf", "huge.txt"])

    assert result.saved == {"../../outside/good.txt": "good.txt", "broken.pdf": "broken.pdf"}
    assert set(result.rejected) == {"tool.exe", "empty.txt", "huge.txt"}
    assert "unsupported type .exe" in result.rejected["tool.exe"]
    assert "too large" in result.rejected["huge.txt"] and "20 MB" in result.rejected["huge.txt"]
    assert result.report.added == ["good.txt"]
    assert "broken.pdf" in result.report.failed and not result.ok
    uploads = library.uploads_dir(idx)
    assert sorted(p.name for p in uploads.iterdir()) == ["good.txt"]      # the failed PDF was taken back out
    assert not (tmp_path / "outside").exists()
    assert [a["source"] for a in list_articles(settings=idx)] == ["good.txt"]
    assert get_article("good.txt", settings=idx).text == ARTICLE
    # Its sentences were read (spaCy) with the upload, so the first answer about it does not wait.
    from qa.readings import ReadingStore

    assert ReadingStore.beside(idx.home).get_many(["Engineers replaced 240 steel cables, the city council said."])


def test_failed_replacement_leaves_the_library_as_it_was(idx, tmp_path, embedder):
    first = library.upload([write(tmp_path / "v1", "bridge.txt", ARTICLE)], idx)
    assert first.ok and first.report.added == ["bridge.txt"]
    broken = write(tmp_path / "v2", "bridge.txt", b"\x00\x01binary\x00" * 50)
    second = library.upload([broken], idx)
    assert "bridge.txt" in second.report.failed
    assert (library.uploads_dir(idx) / "bridge.txt").read_text() == ARTICLE
    assert get_article("bridge.txt", settings=idx).text == ARTICLE
    assert not any(p.name.startswith(".") for p in library.uploads_dir(idx).iterdir())


def test_remove_deletes_the_uploaded_file_too(idx, tmp_path, embedder):
    library.upload([write(tmp_path / "in", "bridge.txt", ARTICLE)], idx)
    ok, message = library.remove("bridge.txt", idx)
    assert ok and "Removed bridge.txt" in message
    assert list_articles(settings=idx) == []
    assert not (library.uploads_dir(idx) / "bridge.txt").exists()
    ok, message = library.remove("bridge.txt", idx)
    assert not ok and "not in the library" in message


def test_cli_remove_deletes_the_uploaded_copy_like_the_library(idx, tmp_path, embedder, monkeypatch, capsys):
    from index import build_index
    from sourcebook_cli import main

    monkeypatch.setenv("SOURCEBOOK_HOME", str(idx.home))
    library.upload([write(tmp_path / "in", "bridge.txt", ARTICLE)], idx)
    elsewhere = write(tmp_path / "mine", "own.txt", ARTICLE.replace("Kestrel", "Osprey"))
    build_index([elsewhere], settings=idx, prune=False, embedder=embedder)
    assert main(["index", "--remove", "bridge.txt", "own.txt"]) == 0
    assert "removed 2" in capsys.readouterr().out
    assert list_articles(settings=idx) == []
    assert not (library.uploads_dir(idx) / "bridge.txt").exists()
    assert elsewhere.read_text().startswith("Harbour bridge")     # not Sourcebook's copy: left in place


def test_the_upload_report_names_the_users_files(idx, tmp_path, embedder):
    from ui import render

    # What Gradio hands over unprocessed: its sanitised copy, and the name the file had.
    copy = write(tmp_path / "gradio-cache", "Budget 5m draft.txt", ARTICLE)
    payload = [{"path": str(copy), "orig_name": "Budget $5m! {draft}.txt", "size": len(ARTICLE)},
               {"path": str(write(tmp_path / "gradio-cache", "x.exe", "MZ")), "orig_name": "tool (1).exe"}]
    paths, names = library.named_files(payload)
    assert names == ["Budget $5m! {draft}.txt", "tool (1).exe"] and paths[0] == str(copy)
    assert library.named_files(None) == ([], [])
    result = library.upload(paths, idx, names=names)
    shown = plain_text(render.render_index_report(result.report, result.saved, result.rejected))
    assert "Indexed Budget $5m! {draft}.txt (in the library as Budget _5m_ _draft.txt)" in shown
    assert "Failed tool (1).exe: unsupported type .exe" in shown
    assert "Budget 5m draft.txt" not in shown and "x.exe" not in shown


def test_files_over_the_limit_reported_from_the_browser():
    from ui import upload_guard

    big = library.MAX_UPLOAD_BYTES + 2**20
    why = upload_guard.rejected(f'[{{"name": "big <b>.txt", "size": {big}}}]')
    assert why == {"big <b>.txt": library.too_large(big)} and "21.0 MB; the limit is 20 MB" in why["big <b>.txt"]
    for junk in ("", "not json", '{"name": "a"}', '[{"name": "a", "size": "huge"}, 3]'):
        assert upload_guard.rejected(junk) == {}
