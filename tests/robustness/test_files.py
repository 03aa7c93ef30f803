"""Odd files: every one is either indexed with exact offsets or named as failed; the rest
of the folder is always indexed."""
import shutil

from hypothesis import HealthCheck, given, settings, strategies as st

from index import IndexSettings, build_index, get_article
from index.chunking import chunk_article
from index.loaders import LoadError, load_bytes
from tests.conftest import SEEDS

NESTED = ("<html><head><title>Deep</title></head><body>" + "<div>" * 3000
          + "<p>The deeply nested paragraph says Rheinmetall will build barrels in 2027.</p>" + "</div>" * 3000
          + "</body></html>")
HOSTILE = ("<html><head><title>Hostile page</title><script>fetch('http://evil')</script></head><body>"
           "<article><h1>Hostile page</h1><p onclick=\"alert(1)\">Germany and the UK signed a defence pact in Berlin, "
           "the ministry said in a statement on Wednesday afternoon.</p><img src=x onerror=\"alert(2)\">"
           "<p>A second paragraph of ordinary news text follows here for the extractor to keep.</p></article>"
           "<style>body{display:none}</style></body></html>")


def _minimal_pdf_without_text() -> bytes:
    import io

    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(width=300, height=300)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def test_a_folder_of_odd_files(tmp_path, embedder):
    d = tmp_path / "odd"
    shutil.copytree(SEEDS, d, ignore=shutil.ignore_patterns("*.jsonl"))
    files = {
        "empty.txt": b"",
        "binary.txt": bytes(range(256)) * 40,
        "latin1.txt": "Défense: the Zürich café report on the pact.".encode("latin-1"),
        "cp1252.txt": "The “pact” – signed – costs €0.".encode("cp1252"),
        "bom.txt": "\ufeffA UTF-8 file with a byte order mark about NATO.".encode("utf-8"),
        "crlf.txt": b"First line about Rheinmetall.\r\nSecond line about barrels.\r\n",
        "nested.html": NESTED.encode(),
        "hostile.html": HOSTILE.encode(),
        "scan.pdf": _minimal_pdf_without_text(),
        "name with spaces é 日本.txt": "Unicode names are fine: the E5 group met in March.".encode(),
        "huge.txt": b"x" * (50 * 1024 * 1024 + 1),
    }
    for name, data in files.items():
        (d / name).write_bytes(data)
    outside = tmp_path / "outside.txt"
    outside.write_text("secret outside the folder")
    (d / "escape.txt").symlink_to(outside)

    report = build_index(d, settings=IndexSettings(home=tmp_path / "h"), embedder=embedder)
    s = IndexSettings(home=tmp_path / "h")
    assert set(report.failed) == {"empty.txt", "binary.txt", "scan.pdf", "huge.txt"}, report.failed
    assert "escape.txt" in report.skipped
    for name in ("latin1.txt", "cp1252.txt", "bom.txt", "crlf.txt", "nested.html", "hostile.html",
                 "name with spaces é 日本.txt", "000_469921e68f22111a.txt"):
        assert name in report.added, name
    assert get_article("crlf.txt", settings=s).text == "First line about Rheinmetall.\r\nSecond line about barrels.\r\n"
    assert get_article("bom.txt", settings=s).text.startswith("A UTF-8")
    assert "€" in get_article("cp1252.txt", settings=s).text
    hostile = get_article("hostile.html", settings=s).text
    assert "defence pact" in hostile and "alert" not in hostile and "fetch(" not in hostile and "display:none" not in hostile
    assert "2027" in get_article("nested.html", settings=s).text
    from index.store import Store

    store = Store(s)
    for c in store.all_chunks():
        assert store.get_article(c.source).text[c.start:c.end] == c.text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_loader_never_crashes_on_bytes(data):
    try:
        art = load_bytes(data, "x.txt")
    except LoadError:
        return
    for c in chunk_article(art, 120, 1):
        assert art.text[c.start:c.end] == c.text


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=3000))
def test_loader_keeps_text_unchanged(text):
    data = text.encode("utf-8")
    try:
        art = load_bytes(data, "x.md")
    except LoadError:
        return
    assert art.text == data.decode("utf-8-sig")
