"""The chat's example questions come from the indexed articles, not from a list in the code."""
from __future__ import annotations

from index import IndexSettings, build_index, list_articles
from ui import suggest
from ui.app import examples

MADE_UP = ("Otter census counts record numbers on the Varn estuary\n"
           "Volunteers counted 412 otters along the Varn estuary this spring, the wildlife trust said.\n")


def test_suggestions_name_the_library_and_not_the_seeds(tmp_path, embedder, seeded_settings):
    from qa import QASettings

    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "otters.txt").write_text(MADE_UP, encoding="utf-8")
    idx = IndexSettings(home=tmp_path / "home")
    assert build_index([folder], settings=idx, embedder=embedder).ok
    shown = [e["text"] for e in examples(QASettings.from_env(index=idx))]
    assert shown == ["What does “Otter census counts record numbers on the Varn estuary” report?"]
    # with the seeds indexed, the suggestions are about them; without, none names one
    seed_titles = [suggest.short_title(r["title"]).rstrip("…") for r in list_articles(settings=seeded_settings.index)]
    seeded = [e["text"] for e in examples(seeded_settings)]
    assert len(seeded) == 4 and all(any(t in q for t in seed_titles) for q in seeded), seeded
    assert not any(t in q for t in seed_titles for q in shown)


def test_empty_library_has_no_suggestions(tmp_path):
    from qa import QASettings

    assert examples(QASettings.from_env(index=IndexSettings(home=tmp_path / "home"))) == []
    assert list_articles(settings=IndexSettings(home=tmp_path / "home")) == []


def test_latest_first_distinct_and_short():
    rows = [{"title": "Added last", "published": "2001-01-01", "indexed_at": 2.0},
            {"title": "Old news", "published": "2020-01-01"},
            {"title": "Fresh  report\non   rates", "published": "2025-03-02"},
            {"title": "old NEWS", "published": None},
            {"title": "", "published": "2026-01-01"},
            {"title": "A " + "very " * 30 + "long title", "published": "2024-05-05"}]
    got = suggest.suggestions(rows, n=4)
    assert got[0] == "What does “Added last” report?"
    assert got[1] == "What are the key facts in “Fresh report on rates”?"
    assert got[2].startswith("What does “A very very") and got[2].endswith("…” report?")
    assert len(suggest.short_title(rows[-1]["title"])) <= suggest.TITLE_CHARS + 1
    assert got[3] == "What are the key facts in “Old news”?" and len(got) == 4
    assert suggest.suggestions([]) == []
