import pytest

from index.loaders import TITLE_CHARS, LoadError, decode, derive_title, find_published, load_bytes
from tests.conftest import SEEDS


def test_text_article_is_the_file_unchanged():
    for f in SEEDS.glob("*.txt"):
        art = load_bytes(f.read_bytes(), f.name)
        assert art.text == f.read_text(encoding="utf-8")
        assert art.source == f.name


def test_titles_dates_and_boilerplate_of_the_seeds():
    a1 = load_bytes((SEEDS / "001_b844504321f5a661.txt").read_bytes(), "001_b844504321f5a661.txt")
    assert a1.title == "UK and Germany Deepen Military Ties with Joint Defence Pact"
    assert a1.published == "2025-07-24"
    a3 = load_bytes((SEEDS / "003_7a58e549412a915d.txt").read_bytes(), "003_7a58e549412a915d.txt")
    assert a3.title == "UK Deepens Defence Collaboration with Europe on Joint Weapons Production"
    spans = {a3.text[s:e] for s, e in a3.boilerplate}
    assert {"Must read", "More articles", "Latest article", "For more on UK defence and foreign policy, follow London Pulse News."} <= spans
    a0 = load_bytes((SEEDS / "000_469921e68f22111a.txt").read_bytes(), "000.txt")
    assert a0.title.startswith("Britain and Germany will sign") and len(a0.title) < 100
    assert a0.published is None  # "in 2027" in the body is not a dateline


@pytest.mark.parametrize("data,expected", [
    ("café – naïve".encode("cp1252"), "café – naïve"),
    ("Zürich".encode("latin-1"), "Zürich"),
    ("\ufeffHello BOM".encode("utf-8"), "Hello BOM"),
    (b"line one\r\nline two\r\n", "line one\r\nline two\r\n"),
])
def test_decoding(data, expected):
    assert decode(data) == expected


@pytest.mark.parametrize("data", [b"", b"   \n\n", b"\x00\x01\x02binary\x00" * 10, bytes(range(0, 32)) * 40])
def test_empty_and_binary_are_refused(data):
    with pytest.raises(LoadError):
        decode(data)


def test_unknown_extension():
    with pytest.raises(LoadError, match="unsupported"):
        load_bytes(b"hello", "x.docx")


def test_html_main_text_without_scripts():
    html = b"""<html><head><title>Factory news</title><script>alert('x')</script><style>p{}</style></head>
    <body><nav>Home | About | Contact</nav><article><h1>Factory news</h1>
    <p>Rheinmetall will open a new factory in the UK to manufacture barrels for artillery guns.</p>
    <p>The first barrels are expected in 2027, the ministry said on Tuesday in a long statement to the press.</p>
    </article><footer>Copyright</footer></body></html>"""
    art = load_bytes(html, "news.html")
    assert "Rheinmetall will open a new factory" in art.text
    assert "alert" not in art.text and "p{}" not in art.text
    assert art.title == "Factory news"


def test_title_fallbacks():
    assert derive_title("# Heading here\nbody", "a.md") == "Heading here"
    assert derive_title("\n\n", "my_file-name.txt") == "My file name"
    assert find_published("Title\n\n24 July 2024\nbody") == "2024-07-24"


LEAD = ("Engineers at the Kestrel harbour authority finally completed the extraordinarily complicated "
        "replacement of two hundred and forty corroded suspension cables on Monday, the council said.")


def test_an_untitled_article_is_titled_by_its_lead_cut_at_a_word_boundary():
    title = derive_title(LEAD + "\nSecond paragraph.", "kestrel.txt")
    assert title.endswith("…") and len(title) <= TITLE_CHARS + 1
    kept = title[:-1]
    assert LEAD.startswith(kept) and LEAD[len(kept)] == " ", title    # whole words only
    assert kept[-1].isalnum() and len(kept.split()) >= 8


def test_a_short_lead_sentence_is_the_whole_title():
    assert derive_title("The bridge reopened on Monday. Engineers replaced 240 cables over eight long months "
                        "of work, the city council said in a statement.", "b.txt") == "The bridge reopened on Monday"
    assert derive_title("Dockers strike over pay. " + "More detail follows here. " * 10, "c.txt") == (
        "Dockers strike over pay")


def test_a_title_without_word_boundaries_is_still_bounded():
    title = derive_title("x" * 500 + ".", "x.txt")
    assert title == "x" * TITLE_CHARS + "…"


def test_pdf_text_and_no_text_layer(tmp_path):
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(width=200, height=200)
    path = tmp_path / "blank.pdf"
    with open(path, "wb") as f:
        w.write(f)
    with pytest.raises(LoadError, match="no text layer"):
        load_bytes(path.read_bytes(), "blank.pdf")
