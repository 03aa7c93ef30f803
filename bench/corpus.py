"""The benchmark corpus: thousands of article-sized files of real English prose, built
deterministically from what is already on this machine (nothing is downloaded).

Sources, each optional (whatever the machine has is used, in a fixed order):
- the seed articles, verbatim (so the golden questions stay answerable), plus recombined and
  perturbed variants (sentences reordered across articles, numbers and names changed);
- Debian manual pages (troff, reduced to their prose paragraphs);
- /usr/share/doc files (README, NEWS, Markdown, reStructuredText, HTML, gzip'd text);
- Vim's help files; the licence texts in /usr/share/common-licenses and copyright files;
- docstrings of Python's standard library; *.rst/*.md/*.txt in site-packages.

Only prose survives: paragraphs are re-flowed to one line each (the loader's news format),
and a paragraph is kept when it reads like sentences (mostly words, few code characters,
ending in punctuation) and has not been seen before. The result is cached under
bench/corpus/<name>-v<version>/ with a manifest; a second call returns the cached folder.
"""
from __future__ import annotations

import ast
import datetime as dt
import gzip
import hashlib
import html
import json
import random
import re
import shutil
import sys
import sysconfig
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DEFAULT_DIR = Path(__file__).resolve().parent / "corpus"
VERSION = 2
MAX_READ = 2_000_000  # bytes read from any one source file


@dataclass(frozen=True)
class CorpusSpec:
    name: str
    articles: int           # including the seed articles copied verbatim
    min_chars: int          # article length range (drawn uniformly, deterministically)
    max_chars: int
    seed_share: float = 0.05  # share of recombined/perturbed seed articles


FULL = CorpusSpec("full", 2200, 3500, 9500)
QUICK = CorpusSpec("quick", 150, 400, 1000)


@dataclass
class Doc:
    family: str
    key: str
    title: str
    paragraphs: list[str]


# -- prose filtering -------------------------------------------------------------------------
_CODEY = re.compile(r"[{}\[\]<>=_|\\`$#@~^*]|::|->|\(\)|\w\.\w+\(|https?://|/\w+/")
_MD_LINK = re.compile(r"\[([^\]]{1,200})\]\([^)]{0,300}\)")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)])\s+")


def _unmark(s: str) -> str:
    """Inline Markdown/reST/Vim markup reduced to its words."""
    s = _MD_LINK.sub(r"\1", s)
    s = re.sub(r"\*\*([^*]+)\*\*|__([^_]+)__", lambda m: m.group(1) or m.group(2), s)
    s = re.sub(r"(?<!\w)\*([^*\s][^*]*)\*(?!\w)", r"\1", s)
    s = re.sub(r"``([^`]+)``|`([^`]+)`", lambda m: m.group(1) or m.group(2), s)
    s = re.sub(r":\w+:`([^`]+)`", r"\1", s)
    s = re.sub(r"\|([\w.-]+)\|", r"\1", s)  # Vim links
    return s


def prose(paragraph: str) -> str | None:
    """The paragraph re-flowed to one line when it reads as English prose, else None."""
    s = " ".join(_unmark(paragraph).split())
    s = _BULLET.sub("", s)
    if not 100 <= len(s) <= 4000:
        return None
    if not (s[0].isupper() or s[0] in "\"“‘'(") or s[-1] not in ".!?\"”’)":
        return None
    words = s.split()
    if len(words) < 15:
        return None
    alpha = sum(1 for w in words if w.strip(".,;:!?\"'“”‘’()").isalpha())
    if alpha / len(words) < 0.78:
        return None
    if len(_CODEY.findall(s)) > len(s) / 250:
        return None
    upper = sum(1 for w in words if w.isupper() and len(w) > 1)
    if upper / len(words) > 0.3:
        return None
    if not re.search(r"[a-z]{3,}[.!?]", s) and not re.search(r"\w[.!?]\s+[A-Z]", s):
        return None
    return s


def _blocks(text: str) -> list[str]:
    """Blank-line separated blocks, with fenced code and indented code dropped."""
    out, cur, fenced = [], [], False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            if cur:
                out.append("\n".join(cur))
                cur = []
            continue
        if fenced:
            continue
        if not line.strip() or line.startswith(("    ", "\t")) or re.match(r"^\s*(?:[=\-~^*#]{4,}|\.\. )", line):
            if cur:
                out.append("\n".join(cur))
                cur = []
            continue
        if _BULLET.match(line) and cur:  # a list item starts its own paragraph
            out.append("\n".join(cur))
            cur = []
        cur.append(line)
    if cur:
        out.append("\n".join(cur))
    return out


def _read(path: Path) -> str:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                data = f.read(MAX_READ)
        else:
            with open(path, "rb") as f:
                data = f.read(MAX_READ)
    except (OSError, EOFError, gzip.BadGzipFile):
        return ""
    if b"\x00" in data[:4096]:
        return ""
    return data.decode("utf-8", errors="replace")


def _hash_order(paths: list[Path]) -> list[Path]:
    """A fixed pseudo-random order (by path hash): a diverse sample whatever is cut off."""
    return sorted(paths, key=lambda p: hashlib.sha1(str(p).encode()).hexdigest())


def _title(s: str, fallback: str) -> str:
    s = " ".join(re.sub(r"[#*`_|]", " ", s).split()).strip(" .,;:-—")
    if len(s) < 4:
        s = fallback
    if len(s) > 100:
        s = s[:100].rsplit(" ", 1)[0]
    return s.strip(" .,;:-—") or fallback


# -- troff (manual pages) --------------------------------------------------------------------
_SPECIAL = {"em": "—", "en": "–", "aq": "'", "dq": '"', "lq": "“", "rq": "”", "oq": "‘", "cq": "’",
            "bu": "•", "co": "©", "rg": "®", "hy": "-", "mi": "-", "ti": "~", "ha": "^", "cq ": "’"}
_BREAKS = {"SH", "SS", "PP", "P", "LP", "TP", "IP", "HP", "sp", "br", "RS", "RE", "Pp", "Sh", "Ss", "Bl", "El",
           "It", "TH", "Dd", "Dt", "Os", "TQ", "in", "ti", "ce", "bp", "ne", "PD", "UR", "UE", "MT", "ME", "Bd", "Ed"}
_TEXT_MACROS = {"B", "I", "SM", "SB", "Em", "Sy", "Ar", "Nm", "Dq", "Sq", "Ql", "Pa", "Va", "Xr", "Nd", "Fl", "Cm"}
_ALT_MACROS = {"BR", "RB", "IR", "RI", "BI", "IB"}


def _troff_clean(s: str) -> str:
    s = re.sub(r"\\f(?:\[[^\]]*\]|\(..|.)", "", s)
    s = re.sub(r"\\\((..)|\\\[(\w\w)\]", lambda m: _SPECIAL.get(m.group(1) or m.group(2), ""), s)
    s = re.sub(r"\\\*(?:\[[^\]]*\]|\(..|.)", "", s)
    s = re.sub(r"\\s[+-]?\d", "", s)
    for a, b in (("\\-", "-"), ("\\&", ""), ("\\|", ""), ("\\^", ""), ("\\e", "\\"), ("\\ ", " "), ("\\~", " "),
                 ("\\c", ""), ("\\0", " "), ("\\:", ""), ("\\%", "")):
        s = s.replace(a, b)
    return s


def _macro_args(args: str) -> list[str]:
    return [a.strip('"') for a in re.findall(r'"[^"]*"|\S+', args)]


def troff_paragraphs(src: str) -> tuple[str, list[str]]:
    """(title, paragraphs) of a manual page's source."""
    paras: list[str] = []
    cur: list[str] = []
    section, name, literal = "", "", False

    def flush() -> None:
        nonlocal name
        if cur:
            text = " ".join(cur)
            if section == "NAME" and not name:
                name = text
            else:
                paras.append(text)
            cur.clear()

    for line in src.splitlines():
        if line.startswith((".", "'")):
            m = re.match(r"[.']\s*(\w+)\s*(.*)", line)
            if not m:
                continue
            mac, args = m.group(1), m.group(2)
            if mac in ("nf", "EX"):
                flush()
                literal = True
            elif mac in ("fi", "EE"):
                literal = False
            elif mac in ("SH", "SS", "Sh", "Ss"):
                flush()
                section = _troff_clean(" ".join(_macro_args(args))).upper()
            elif mac in _BREAKS:
                flush()
            elif mac in _TEXT_MACROS and not literal:
                cur.append(_troff_clean(" ".join(_macro_args(args))))
            elif mac in _ALT_MACROS and not literal:
                cur.append(_troff_clean("".join(_macro_args(args))))
            continue
        if literal:
            continue
        if not line.strip():
            flush()
            continue
        cur.append(_troff_clean(line))
    flush()
    title = ""
    if name:
        cmd, _, what = name.partition(" - ")
        title = f"{cmd.strip()}: {what.strip()}" if what else name
    return title, paras


# -- sources ---------------------------------------------------------------------------------
def _man_docs() -> Iterator[Doc]:
    files: list[Path] = []
    for sec in ("1", "2", "3", "5", "7", "8"):
        d = Path(f"/usr/share/man/man{sec}")
        if d.is_dir():
            files.extend(p for p in d.iterdir() if p.is_file())
    for p in _hash_order(files):
        src = _read(p)
        if src.lstrip().startswith(".so "):  # an alias of another page
            continue
        title, paras = troff_paragraphs(src)
        yield Doc("man", str(p), _title(title, p.name.split(".")[0]), paras)


_DOC_NAMES = re.compile(r"^(?:README|NEWS|FAQ|TODO|HACKING|CONTRIBUTING|AUTHORS|THANKS|BUGS|USAGE|INSTALL|"
                        r"DESIGN|NOTES|HISTORY|ChangeLog|CHANGES)|\.(?:md|rst|txt|html?)(?:\.gz)?$", re.I)


def _strip_html(src: str) -> str:
    src = re.sub(r"(?is)<(script|style|pre|code|head)\b.*?</\1>", " ", src)
    src = re.sub(r"(?i)<(?:p|br|div|h\d|li|tr|td|dt|dd|section|article|blockquote)\b[^>]*>", "\n\n", src)
    src = re.sub(r"<[^>]+>", "", src)
    src = html.unescape(src)
    # Re-join lines inside a paragraph (HTML wraps at will) but keep blank-line breaks.
    return re.sub(r"[ \t]*\n(?![ \t]*\n)", " ", src)


def _doc_file_docs() -> Iterator[Doc]:
    base = Path("/usr/share/doc")
    if not base.is_dir():
        return
    files = []
    for p in base.rglob("*"):
        name = p.name
        if not p.is_file() or p.is_symlink() or "changelog" in name.lower() or name == "copyright":
            continue
        if _DOC_NAMES.search(name):
            files.append(p)
    for p in _hash_order(files):
        src = _read(p)
        if re.search(r"\.html?(\.gz)?$", p.name, re.I):
            m = re.search(r"(?is)<title>(.*?)</title>", src)
            head = html.unescape(m.group(1)) if m else ""
            src = _strip_html(src)
        else:
            m = re.search(r"^#\s+(.+)$|^(.+)\n[=#]{3,}\s*$", src, re.M)
            head = (m.group(1) or m.group(2)) if m else ""
        pkg = p.relative_to(base).parts[0]
        fallback = f"{pkg}: {p.name.split('.')[0]}"
        yield Doc("docs", str(p), _title(f"{pkg}: {head}" if head else fallback, fallback), _blocks(src))


def _vim_docs() -> Iterator[Doc]:
    files = sorted(Path("/usr/share/vim").glob("vim*/doc/*.txt"))
    for p in _hash_order(files):
        src = _read(p)
        first = src.splitlines()[0] if src else ""
        m = re.match(r"\*[\w.-]+\*\s+(?:For Vim version [\d.]+\s+)?(.*)", first)
        head = re.sub(r"Last change:.*", "", m.group(1)) if m else ""
        src = re.sub(r"\*[\w.'-]+\*", "", src)  # help tags
        yield Doc("vim", str(p), _title(f"Vim help: {head or p.stem}", f"Vim help: {p.stem}"), _blocks(src))


def _license_docs() -> Iterator[Doc]:
    files = sorted(Path("/usr/share/common-licenses").glob("*")) if Path("/usr/share/common-licenses").is_dir() else []
    files += _hash_order(list(Path("/usr/share/doc").glob("*/copyright")))
    for p in files:
        if p.is_file():
            fallback = f"Licence: {p.name}" if "common-licenses" in str(p) else f"Copyright of {p.parent.name}"
            yield Doc("licenses", str(p), fallback, _blocks(_read(p)))


def _python_docstring_docs() -> Iterator[Doc]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = [p for p in stdlib.rglob("*.py") if not ({"test", "tests", "idle_test", "site-packages"} & set(p.parts))]
    for p in _hash_order(files):
        try:
            tree = ast.parse(_read(p))
        except (SyntaxError, ValueError):
            continue
        docs = []
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                d = ast.get_docstring(node)
                if d:
                    docs.append(d)
        module = ".".join(p.relative_to(stdlib).with_suffix("").parts).removesuffix(".__init__")
        yield Doc("python", str(p), f"Python's {module} module", [b for d in docs for b in _blocks(d)])


def _site_packages_docs() -> Iterator[Doc]:
    sp = Path(sysconfig.get_paths()["purelib"])
    files = []
    for ext in ("*.rst", "*.md", "*.txt"):
        files.extend(p for p in sp.rglob(ext) if p.is_file() and p.stat().st_size > 2000)
    for p in _hash_order(files):
        pkg = p.relative_to(sp).parts[0].split("-")[0]
        yield Doc("site-packages", str(p), _title(f"{pkg}: {p.stem}", pkg), _blocks(_read(p)))


def _info_docs() -> Iterator[Doc]:
    base = Path("/usr/share/info")
    files = [p for p in base.glob("*") if p.is_file()] if base.is_dir() else []
    for p in _hash_order(files):
        src = _read(p).replace("\x1f", "\n\n")
        name = p.name.split(".")[0]
        for k, node in enumerate(re.split(r"\n\n(?=File: )", src)):
            m = re.search(r"Node: ([^,\n]+)", node)
            head = m.group(1).strip() if m else ""
            yield Doc("info", f"{p}#{k}", _title(f"{name} manual: {head}" if head else f"{name} manual",
                                                 f"{name} manual"), _blocks(node))


_TRIPLE = re.compile(r'"""(.{80,}?)"""|\'\'\'(.{80,}?)\'\'\'', re.S)


def _site_packages_docstring_docs() -> Iterator[Doc]:
    """Triple-quoted strings (docstrings, mostly) of installed packages; a regex, not a parser,
    because parsing thousands of modules takes minutes."""
    sp = Path(sysconfig.get_paths()["purelib"])
    files = [p for p in sp.rglob("*.py") if not ({"test", "tests", "testing"} & set(p.parts))]
    for p in _hash_order(files):
        strings = [a or b for a, b in _TRIPLE.findall(_read(p))]
        if strings:
            mod = ".".join(p.relative_to(sp).with_suffix("").parts).removesuffix(".__init__")
            yield Doc("docstrings", str(p), _title(f"The {mod} module", mod),
                      [b for d in strings for b in _blocks(__import__("inspect").cleandoc(d))])


FAMILIES = {"man": _man_docs, "docs": _doc_file_docs, "vim": _vim_docs, "licenses": _license_docs,
            "python": _python_docstring_docs, "site-packages": _site_packages_docs, "info": _info_docs,
            "docstrings": _site_packages_docstring_docs}


# -- seeds -----------------------------------------------------------------------------------
_SWAPS = [("Germany", "France"), ("German", "French"), ("Rheinmetall", "Thales"), ("Britain", "Norway"),
          ("British", "Norwegian"), ("UK", "Netherlands"), ("Scotland", "Wales"), ("Sheffield", "Glasgow"),
          ("Boxer", "Warrior"), ("Challenger", "Ajax"), ("Berlin", "Paris"), ("London", "Oslo")]


def _seed_articles() -> list[tuple[str, str]]:
    return [(p.name, p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))]


def _perturb(sentence: str, rng: random.Random) -> str:
    def num(m: re.Match) -> str:
        n = int(m.group(0).replace(",", ""))
        if 1900 <= n <= 2100:
            return str(n + rng.choice((-2, -1, 1, 2)))
        return f"{max(1, n + rng.randint(1, 9) * max(1, n // 10)):,}" if "," in m.group(0) else str(max(1, n + rng.randint(1, 9) * max(1, n // 10)))

    s = re.sub(r"\d{1,3}(?:,\d{3})+|\d+", num, sentence)
    for a, b in _SWAPS:
        if rng.random() < 0.5:
            s = re.sub(rf"\b{a}\b", b, s)
    return s


def _seed_variant(seeds: list[tuple[str, str]], rng: random.Random, target: int) -> tuple[str, list[str]]:
    picks = rng.sample(seeds, k=min(len(seeds), rng.choice((1, 2, 2, 3))))
    title = picks[0][1].splitlines()[0].strip()
    title = _title(_perturb(title, rng), "Defence news")
    sentences = []
    for _, text in picks:
        body = [l for l in text.splitlines()[1:] if l.strip()]
        sentences.extend(re.split(r"(?<=[.!?”])\s+(?=[A-Z“‘\"])", " ".join(body)))
    rng.shuffle(sentences)
    out, used, paras, cur = [], 0, [], []
    while used < target and sentences:
        s = _perturb(sentences[len(out) % len(sentences)], rng)
        out.append(s)
        cur.append(s)
        used += len(s) + 1
        if len(cur) >= rng.randint(1, 3):
            paras.append(" ".join(cur))
            cur = []
        if len(out) > 4 * len(sentences):
            break
    if cur:
        paras.append(" ".join(cur))
    return title, paras


# -- assembly --------------------------------------------------------------------------------
def _date(rng: random.Random) -> str:
    day = dt.date(2018, 1, 1) + dt.timedelta(days=rng.randrange(0, 7 * 365))
    return f"{day.strftime('%B')} {day.day}, {day.year}"


def _render(title: str, date: str, paras: list[str]) -> str:
    return f"{title}\n{date}\n\n" + "\n".join(paras) + "\n"


def _gather(spec: CorpusSpec, rng: random.Random, progress: bool) -> tuple[list[tuple[str, list[str]]], dict]:
    """Article (title, paragraphs) from the machine's text, balanced across source families."""
    n_seedlike = max(1, round(spec.articles * spec.seed_share))
    wanted = spec.articles - len(_seed_articles()) - n_seedlike
    targets = [rng.randint(spec.min_chars, spec.max_chars) for _ in range(wanted)]
    gens = {name: fn() for name, fn in FAMILIES.items()}
    volume = {name: 0 for name in gens}
    docs_used = {name: 0 for name in gens}
    open_: dict[str, tuple[str, list[str], int]] = {}
    parts: dict[str, int] = {}
    seen: set[bytes] = set()
    articles: list[tuple[str, list[str]]] = []
    t0 = time.time()
    while len(articles) < wanted and gens:
        fam = min(gens, key=lambda f: (volume[f], f))  # the family with the least text so far
        try:
            doc = next(gens[fam])
        except StopIteration:
            del gens[fam]
            continue
        docs_used[fam] += 1
        title0 = doc.title
        for raw in doc.paragraphs:
            p = prose(raw)
            if p is None:
                continue
            h = hashlib.sha1(p.lower().encode()).digest()
            if h in seen:
                continue
            seen.add(h)
            volume[fam] += len(p)
            title, paras, target = open_.get(fam) or (None, [], targets[len(articles) % len(targets)] if targets else spec.max_chars)
            if title is None:
                k = parts.get(title0, 0) + 1
                parts[title0] = k
                title = title0 if k == 1 else f"{title0} (part {k})"
            paras.append(p)
            if sum(len(x) + 1 for x in paras) >= target:
                articles.append((title, paras))
                open_.pop(fam, None)
                if len(articles) >= wanted:
                    break
            else:
                open_[fam] = (title, paras, target)
        if progress and docs_used[fam] % 200 == 0:
            print(f"  corpus: {len(articles)}/{wanted} articles ({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)
    for fam, (title, paras, _) in sorted(open_.items()):  # sources ran dry: keep what was read
        if len(articles) < wanted and sum(map(len, paras)) >= spec.min_chars:
            articles.append((title, paras))
    stats = {"chars_by_family": volume, "docs_by_family": docs_used, "from_machine": len(articles),
             "seed_variants": n_seedlike + max(0, wanted - len(articles))}
    return articles, stats


def build_corpus(spec: CorpusSpec = FULL, base: Path | None = None, *, progress: bool = True) -> Path:
    """The folder of the corpus for `spec`, built on first use and cached afterwards."""
    base = Path(base or DEFAULT_DIR)
    out = base / f"{spec.name}-v{VERSION}"
    manifest = base / f"{out.name}.json"  # beside the folder: build_index only sees articles
    if manifest.is_file():
        try:
            meta = json.loads(manifest.read_text())
            if meta.get("spec") == asdict(spec) and all((out / f).is_file() for f in meta["files"]):
                return out
        except (ValueError, KeyError):
            pass
    t0 = time.time()
    if progress:
        print(f"building the {spec.name} corpus ({spec.articles} articles) in {out} ...", file=sys.stderr, flush=True)
    rng = random.Random(f"sourcebook-bench-{spec.name}-{VERSION}")
    seeds = _seed_articles()
    articles, stats = _gather(spec, rng, progress)
    n_variants = spec.articles - len(seeds) - len(articles)
    for _ in range(n_variants):
        articles.append(_seed_variant(seeds, rng, rng.randint(spec.min_chars, spec.max_chars)))
    rng.shuffle(articles)

    tmp = base / f".{out.name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    files = []
    for name, text in seeds:  # verbatim, under their own names: the golden set cites them
        (tmp / name).write_text(text, encoding="utf-8")
        files.append(name)
    chars = 0
    for i, (title, paras) in enumerate(articles):
        text = _render(title, _date(rng), paras)
        name = f"{i:05d}_{hashlib.sha1(text.encode()).hexdigest()[:12]}.txt"
        (tmp / name).write_text(text, encoding="utf-8")
        files.append(name)
        chars += len(text)
    meta = {"spec": asdict(spec), "version": VERSION, "files": files, "articles": len(files), "chars": chars,
            "seed_variants": n_variants, **{k: v for k, v in stats.items() if k != "seed_variants"},
            "built_seconds": round(time.time() - t0, 1)}
    manifest.unlink(missing_ok=True)
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    manifest.write_text(json.dumps(meta, indent=1))
    if progress:
        print(f"  corpus: {len(files)} articles, {chars / 1e6:.1f} M characters, {n_variants} seed variants "
              f"({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)
    return out


def corpus_key(folder: Path) -> str:
    """A short fingerprint of a built corpus (its manifest), for caches derived from it."""
    folder = Path(folder)
    return hashlib.sha1((folder.parent / f"{folder.name}.json").read_bytes()).hexdigest()[:12]


if __name__ == "__main__":
    which = QUICK if "--quick" in sys.argv else FULL
    print(build_corpus(which))
