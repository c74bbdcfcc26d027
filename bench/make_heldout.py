"""Make the held-out search-quality corpus (and the translated-title pairs of the tuning corpus).

The ranking and the synonym table are tuned on `real-zh-5k` (Visual Studio docs + classical
poetry). This script builds a second corpus the project never tunes on, from different sources:

* **SQL Server documentation** in zh-TW and zh-CN (`MicrosoftDocs/sql-docs`, translated
  snapshots `zelanko/sql-docs.zh-tw` and `yy28/sql-docs.zh-cn` on GitHub; CC BY 4.0, code MIT).
  Pages that exist in both locales are drawn at random; each keeps ONE locale (zh-TW or zh-CN,
  at random), and the other locale's title of the same page goes to `translations.json`: the
  "translated title" queries (a mainland visitor typing 数据库属性（“更改跟踪”页） for the
  zh-TW page 資料庫屬性 (變更追蹤頁面)).
* **Classical Chinese prose** (`NiuTrans/Classical-Modern`, folder 古文原文; MIT; the texts
  themselves are centuries old): chapters of histories, tales, travel notes, essays, one article
  per chapter; half are converted to Traditional characters with OpenCC `s2t`.

Both come from snapshots brought by the project's `fetch` tool (bare git directories under
`/work/.mirror/<owner>+<name>/repo`); the commit of each is recorded. Nothing here is ever
committed: the output goes to `--out` (default `/tmp/heldout-1k`):

    <out>/*.md              articles in feedindex's front matter (title, description, date, lang,
                            category, tags)
    <out>/translations.json slug -> the other locale's title (and lang, source path) of docs pages
    <out>/SOURCES.json      repositories, commits, licences, seed and counts
    <out>/ATTRIBUTION.txt   the same in prose

Run:

    python bench/make_heldout.py corpus --out /tmp/heldout-1k            # the held-out corpus
    python bench/make_heldout.py tuning-pairs /tmp/corpus/real-zh-5k \\
        --out /tmp/real-zh-5k-translations.json                         # translated titles, tuning

`tuning-pairs` finds, for each Visual Studio page of the tuning corpus, the same page in the other
locale (`MicrosoftDocs/visualstudio-docs.zh-tw`, `noctwolf/visualstudio-docs.zh-cn`) by its title
and file name, so `search_quality.py --translations` can ask translated-title queries on the
tuning corpus too. Same seed and snapshots give the same bytes.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import opencc
import yaml

MIRROR = Path("/work/.mirror")
SOURCES = {
    "sql_tw": ("zelanko/sql-docs.zh-tw", "CC BY 4.0 (text), MIT (code samples)"),
    "sql_cn": ("yy28/sql-docs.zh-cn", "CC BY 4.0 (text), MIT (code samples)"),
    "classical": ("NiuTrans/Classical-Modern", "MIT"),
    "vs_tw": ("MicrosoftDocs/visualstudio-docs.zh-tw", "CC BY 4.0 (text), MIT (code samples)"),
    "vs_cn": ("noctwolf/visualstudio-docs.zh-cn", "CC BY 4.0 (text), MIT (code samples)"),
}
DEFAULT_SEED = 15
DOC_ARTICLES = 650
CLASSICAL_ARTICLES = 350
DOC_BODY_CHARS = (400, 30_000)  # cleaned body length of a usable page
DOC_MIN_HAN = 150  # a page mostly left in English is not a Chinese page
CLASSICAL_CHARS = (300, 12_000)
INCLUDE_MAX_CHARS = 200  # short DocFX includes (product names) are inlined, longer ones dropped
# Books of narrative or essay prose; medicine, divination and name lists are left out (their
# chapters are lists, not prose a reader searches).
_BOOKS = """
    聊斋志异 世说新语 徐霞客游记 陶庵梦忆 容斋随笔 夜航船 围炉夜话 唐传奇 史记 战国策
    左传 国语 晏子春秋 资治通鉴 三国志 后汉书 汉书 晋书 梦溪笔谈 搜神记
    太平广记 酉阳杂俎 幽梦影 菜根谭 曾国藩家书 颜氏家训 吕氏春秋 淮南子 韩非子 庄子
    列子 孟子 荀子 墨子 说苑 新序 明季北略 笑林广记 阅微草堂笔记 子不语
    济公全传 绣云阁
    """
CLASSICAL_BOOKS = tuple(_BOOKS.split())
LOCALES = {"zh-TW": "sql_tw", "zh-CN": "sql_cn"}
CATEGORIES = {  # top folder of a SQL docs page -> category
    "relational-databases": "Relational Databases",
    "t-sql": "Transact-SQL",
    "connect": "Drivers",
    "odbc": "ODBC",
    "ado": "ADO",
    "reporting-services": "Reporting Services",
    "integration-services": "Integration Services",
    "ssms": "SSMS",
    "database-engine": "Database Engine",
    "analysis-services": "Analysis Services",
    "master-data-services": "Master Data Services",
    "machine-learning": "Machine Learning",
    "linux": "Linux",
    "big-data-cluster": "Big Data Clusters",
}

FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n(.*?)\n---[ \t]*\n", re.S)
H1 = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.M)
TITLE_SUFFIX = re.compile(r"\s*[|｜]\s*Microsoft\s*(Docs|文件|文档|Learn)?\s*$", re.I)
ANCHOR = re.compile(r"<a\s+(name|id)=[^>]*>\s*</a>", re.I)
INCLUDE = re.compile(r"\[!INCLUDE\s*\[[^\]]*\]\(([^)]+)\)\]", re.I)
ALERT = re.compile(r"^(\s*>\s*)\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*$", re.I | re.M)
IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
DOCFX_BLOCK = re.compile(r"^\s*:::.*$|^\s*\[!div[^\]]*\]\s*$|^\s*>\s*\[!div[^\]]*\]\s*$", re.M | re.I)
HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
BLANK_LINES = re.compile(r"\n{3,}")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
TRAILING = re.compile(r"[ \t]+$", re.M)
NOT_WORD = re.compile(r"[\W_]+")
MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|])")
SAME_PAGE_SIMILARITY = 0.5  # bigram overlap of two titles for a page matched by file name only


def progress(message: str) -> None:
    """A progress line on stderr."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- reading a fetched snapshot ---------------------------------------------------------------


class Snapshot:
    """The files of a bare git directory at HEAD, read through one `git cat-file --batch`."""

    def __init__(self, repo: str) -> None:
        self.repo = repo
        self.git_dir = MIRROR / repo.replace("/", "+") / "repo"
        if not self.git_dir.is_dir():
            raise SystemExit(f"no snapshot of {repo} at {self.git_dir}: bring it with the fetch tool first")
        self.commit = self._git("rev-parse", "HEAD").strip()
        listing = self._git("ls-tree", "-r", "-z", "HEAD")
        self.blobs: dict[str, str] = {}
        for entry in listing.split("\0"):
            if entry:
                info, path = entry.split("\t", 1)
                self.blobs[path] = info.split()[2]
        self._batch = subprocess.Popen(
            ["git", "--git-dir", str(self.git_dir), "cat-file", "--batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    def _git(self, *args: str) -> str:
        return subprocess.run(
            ["git", "--git-dir", str(self.git_dir), *args], check=True, capture_output=True, text=True
        ).stdout

    def read(self, path: str) -> str | None:
        """The text of `path`, or None when absent or not stored (large files may be missing)."""
        blob = self.blobs.get(path)
        if blob is None or self._batch.stdin is None or self._batch.stdout is None:
            return None
        self._batch.stdin.write(f"{blob}\n".encode())
        self._batch.stdin.flush()
        header = self._batch.stdout.readline().decode().split()
        if len(header) < 3 or header[1] != "blob":
            return None
        data = self._batch.stdout.read(int(header[2]) + 1)[:-1]
        return data.decode("utf-8", errors="replace")

    def close(self) -> None:
        """Stop the reader process."""
        if self._batch.stdin:
            self._batch.stdin.close()
        self._batch.wait()


# --- Microsoft docs pages ------------------------------------------------------------------


@dataclass(frozen=True)
class DocPage:
    """One Microsoft docs page in one locale, cleaned."""

    path: str
    title: str
    description: str
    date: str
    body: str
    meta: dict[str, Any]


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(front matter, body) of a Markdown page; an unreadable front matter gives {}."""
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        meta = None
    return (meta if isinstance(meta, dict) else {}), text[match.end() :]


def clean_inline(text: str) -> str:
    """A title or a line without DocFX anchors, includes, links and entities."""
    text = ANCHOR.sub("", text)
    text = INCLUDE.sub("", text)
    text = LINK.sub(r"\1", text)
    text = HTML_TAG.sub("", text)
    text = MARKDOWN_ESCAPE.sub(r"\1", text)
    return " ".join(html.unescape(text).split())


def page_title(meta: dict[str, Any], body: str) -> str:
    """The page's H1 (what a reader sees), else its front matter title without the site suffix."""
    heading = H1.search(body)
    if heading:
        title = clean_inline(heading.group(1))
        if title:
            return title
    return TITLE_SUFFIX.sub("", clean_inline(str(meta.get("title") or "")))


def docs_date(meta: dict[str, Any]) -> str:
    """ms.date (MM/DD/YYYY) as YYYY-MM-DD, or a fixed date when missing or odd."""
    value = str(meta.get("ms.date") or "")
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value.strip())
    if not match:
        return "2019-01-01"
    month, day, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return "2019-01-01"


class DocsReader:
    """Cleans Microsoft docs Markdown (DocFX) into plain Markdown, inlining short includes."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._includes: dict[str, str] = {}

    def include(self, page: str, target: str) -> str:
        """The text of a short include, relative to `page`; long or missing ones give ''."""
        parts = [*page.split("/")[:-1]]
        for piece in target.strip().split("/"):
            if piece == "..":
                if parts:
                    parts.pop()
            elif piece and piece != ".":
                parts.append(piece)
        path = "/".join(parts)
        if path not in self._includes:
            raw = self.snapshot.read(path) or ""
            _, body = split_front_matter(raw)
            text = clean_inline(body.strip())
            self._includes[path] = text if len(text) <= INCLUDE_MAX_CHARS and "\n" not in body.strip() else ""
        return self._includes[path]

    def page(self, path: str) -> DocPage | None:
        """The cleaned page at `path`, or None when it cannot be read."""
        raw = self.snapshot.read(path)
        if raw is None:
            return None
        meta, body = split_front_matter(raw)
        title = page_title(meta, body)
        heading = H1.search(body)
        if heading:
            body = body[: heading.start()] + body[heading.end() :]
        body = INCLUDE.sub(lambda m: self.include(path, m.group(1)), body)
        body = ANCHOR.sub("", body)
        body = ALERT.sub(r"\1", body)
        body = DOCFX_BLOCK.sub("", body)
        body = IMAGE.sub("", body)
        body = LINK.sub(r"\1", body)
        body = REF_LINK.sub(r"\1", body)
        body = HTML_TAG.sub(" ", body)
        body = html.unescape(body)
        body = BLANK_LINES.sub("\n\n", TRAILING.sub("", body)).strip()
        description = clean_inline(str(meta.get("description") or ""))
        return DocPage(path, title, description, docs_date(meta), body, meta)


def usable(page: DocPage | None) -> bool:
    """A page worth an article: a title, a body of a sensible size, mostly Chinese prose."""
    if page is None or not page.title or not HAN.search(page.body[:2000]):
        return False
    low, high = DOC_BODY_CHARS
    return low <= len(page.body) <= high and len(HAN.findall(page.body)) >= DOC_MIN_HAN


def docs_slug(path: str, taken: set[str]) -> str:
    """`sql-<file name>` (with -2, -3 … if taken)."""
    stem = path.rsplit("/", 1)[-1].removesuffix(".md").lower()
    base = "sql-" + re.sub(r"[^a-z0-9]+", "-", stem).strip("-")
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    taken.add(slug)
    return slug


def docs_tags(page: DocPage) -> list[str]:
    """A few tags from the page's metadata (topic type, technology, languages)."""
    tags = []
    for key in ("ms.technology", "ms.topic"):
        value = page.meta.get(key)
        if isinstance(value, str) and value.strip():
            tags.append(value.strip())
    langs = page.meta.get("dev_langs")
    if isinstance(langs, list):
        tags += [str(lang) for lang in langs[:2]]
    return list(dict.fromkeys(tags))[:4]


# --- writing articles ----------------------------------------------------------------------


def front_matter(fields: dict[str, Any]) -> str:
    """YAML front matter with every string quoted (JSON strings are YAML strings)."""
    lines = ["---"]
    for key, value in fields.items():
        if isinstance(value, list):
            lines.append(f"{key}: [{', '.join(json.dumps(v, ensure_ascii=False) for v in value)}]")
        else:
            lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    lines.append("---")
    return "\n".join(lines) + "\n\n"


def summary(text: str, limit: int = 80) -> str:
    """The first prose line of `text`, cut at `limit` characters."""
    for line in text.splitlines():
        line = clean_inline(line.strip().lstrip(">#*-| ").strip())
        if HAN.search(line) and not line.startswith("```"):
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""


def write_article(out: Path, slug: str, fields: dict[str, Any], body: str) -> None:
    """One article file."""
    (out / f"{slug}.md").write_text(front_matter(fields) + body.rstrip() + "\n", encoding="utf-8")


# --- the held-out corpus -------------------------------------------------------------------


def docs_articles(out: Path, rng: random.Random, wanted: int) -> tuple[dict[str, Any], Counter[str]]:
    """Write `wanted` SQL docs articles; return the translated titles and counts."""
    tw, cn = Snapshot(SOURCES["sql_tw"][0]), Snapshot(SOURCES["sql_cn"][0])
    readers = {"zh-TW": DocsReader(tw), "zh-CN": DocsReader(cn)}
    shared = sorted(
        path
        for path in tw.blobs.keys() & cn.blobs.keys()
        if path.startswith("docs/")
        and path.endswith(".md")
        and "/includes/" not in path
        and not path.rsplit("/", 1)[-1].lower().startswith(("toc", "index"))
    )
    rng.shuffle(shared)
    progress(f"SQL docs: {len(shared)} pages in both locales")
    translations: dict[str, Any] = {}
    counts: Counter[str] = Counter()
    taken: set[str] = set()
    for path in shared:
        if counts["written"] >= wanted:
            break
        pages = {locale: reader.page(path) for locale, reader in readers.items()}
        if not all(usable(page) for page in pages.values()):
            counts["skipped"] += 1
            continue
        kept = rng.choice(sorted(pages))
        other = "zh-CN" if kept == "zh-TW" else "zh-TW"
        page, twin = pages[kept], pages[other]
        assert page is not None and twin is not None
        slug = docs_slug(path, taken)
        folder = path.split("/")[1]
        fields = {
            "title": page.title,
            "description": page.description or summary(page.body),
            "date": page.date,
            "lang": kept,
            "category": CATEGORIES.get(folder, "SQL Server"),
            "tags": docs_tags(page),
        }
        write_article(out, slug, fields, page.body)
        translations[slug] = {"title": twin.title, "lang": other, "path": path}
        counts["written"] += 1
        counts[kept] += 1
    tw.close()
    cn.close()
    return translations, counts


def classical_title(parts: list[str]) -> str:
    """`书名·篇名` (with the volume too when the chapter name alone is generic, 第一节)."""
    book, *rest = parts
    generic = len(rest) >= 2 and re.fullmatch(r"第.{1,4}[节章篇回]", rest[-1])
    return "·".join([book, *(rest[-2:] if generic else rest[-1:])])


def classical_articles(out: Path, rng: random.Random, wanted: int) -> Counter[str]:
    """Write `wanted` classical prose articles, half converted to Traditional characters."""
    snapshot = Snapshot(SOURCES["classical"][0])
    s2t = opencc.OpenCC("s2t")
    by_book: defaultdict[str, list[str]] = defaultdict(list)
    for path in snapshot.blobs:
        parts = path.split("/")
        if parts[0] == "古文原文" and parts[-1] == "text.txt" and len(parts) >= 4 and parts[1] in CLASSICAL_BOOKS:
            by_book[parts[1]].append(path)
    # Books take turns, so that no one book (太平广记 has 500 chapters) fills the sample.
    queues = {book: sorted(paths) for book, paths in sorted(by_book.items())}
    for paths in queues.values():
        rng.shuffle(paths)
    counts: Counter[str] = Counter()
    start = date(2018, 1, 1)
    titles: set[str] = set()
    while counts["written"] < wanted and any(queues.values()):
        for book in sorted(queues):
            if counts["written"] >= wanted or not queues[book]:
                continue
            path = queues[book].pop()
            text = snapshot.read(path)
            parts = path.split("/")[1:-1]
            title = classical_title(parts)
            if text is None or title in titles:
                continue
            paragraphs = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
            body = "\n\n".join(paragraphs)
            if not CLASSICAL_CHARS[0] <= len(body) <= CLASSICAL_CHARS[1]:
                counts["skipped"] += 1
                continue
            titles.add(title)
            traditional = rng.random() < 0.5
            convert = s2t.convert if traditional else str
            fields = {
                "title": convert(title),
                "description": convert(summary(body, 60)),
                "date": (start + timedelta(days=rng.randrange(2000))).isoformat(),
                "lang": "zh-Hant" if traditional else "zh-Hans",
                "category": convert(book),
                "tags": [convert(part) for part in parts[:-1]][:3] or [convert(book)],
            }
            write_article(out, f"guwen-{counts['written'] + 1:04d}", fields, convert(body))
            counts["written"] += 1
            counts["zh-Hant" if traditional else "zh-Hans"] += 1
    snapshot.close()
    return counts


def make_corpus(out: Path, seed: int, docs: int, classical: int) -> None:
    """The held-out corpus in `out` (which must be empty or absent)."""
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"{out} is not empty; remove it first")
    out.mkdir(parents=True, exist_ok=True)
    translations, doc_counts = docs_articles(out, random.Random(f"{seed}:docs"), docs)
    progress(f"SQL docs: {dict(doc_counts)}")
    classical_counts = classical_articles(out, random.Random(f"{seed}:classical"), classical)
    progress(f"classical prose: {dict(classical_counts)}")
    (out / "translations.json").write_text(
        json.dumps(translations, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    sources = {
        key: {"repository": repo, "commit": Snapshot(repo).commit, "licence": licence}
        for key, (repo, licence) in SOURCES.items()
        if key in ("sql_tw", "sql_cn", "classical")
    }
    report = {
        "made_by": "bench/make_heldout.py corpus",
        "seed": seed,
        "sources": sources,
        "counts": {"docs": dict(doc_counts), "classical": dict(classical_counts)},
    }
    (out / "SOURCES.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (out / "ATTRIBUTION.txt").write_text(attribution(sources, seed), encoding="utf-8")
    progress(f"wrote {doc_counts['written'] + classical_counts['written']} articles to {out}")


def attribution(sources: dict[str, dict[str, str]], seed: int) -> str:
    """The licence notice of the corpus."""
    sql = f"{sources['sql_tw']['repository']}@{sources['sql_tw']['commit'][:12]}"
    sql_cn = f"{sources['sql_cn']['repository']}@{sources['sql_cn']['commit'][:12]}"
    classical = f"{sources['classical']['repository']}@{sources['classical']['commit'][:12]}"
    return (
        f"Articles in this folder were generated by feedindex's bench/make_heldout.py (seed {seed}) from:\n\n"
        "- SQL Server documentation (zh-TW / zh-CN), (c) Microsoft Corporation, licensed CC BY 4.0 (code samples"
        f" MIT). Snapshots: {sql}, {sql_cn} (translations of MicrosoftDocs/sql-docs). Modified: DocFX syntax,"
        " images and links removed, short includes inlined, one locale of each page kept, front matter replaced.\n"
        f"- Classical Chinese texts from {classical} (folder 古文原文), (c) 2022 NiuTrans, MIT licence; the texts"
        " are public-domain classics. One article per chapter, about half converted to Traditional characters"
        " with OpenCC s2t.\n"
    )


# --- translated titles of the tuning corpus ------------------------------------------------


def folded_key(text: str, t2s: Any) -> str:
    """A title compared across scripts: t2s, lowercase, punctuation and spaces removed."""
    return NOT_WORD.sub("", t2s.convert(text).lower())


def similarity(a: str, b: str) -> float:
    """Overlap (Jaccard) of the character bigrams of two folded titles."""
    grams_a = {a[i : i + 2] for i in range(len(a) - 1)} or {a}
    grams_b = {b[i : i + 2] for i in range(len(b) - 1)} or {b}
    return len(grams_a & grams_b) / len(grams_a | grams_b)


def stem_of(path: str) -> str:
    """A page's file name without `.md`, lower-cased."""
    return path.rsplit("/", 1)[-1].removesuffix(".md").lower()


def tuning_pairs(corpus: Path, out: Path) -> None:
    """translations.json for the Visual Studio pages of the tuning corpus.

    An article is matched to its source page by its title (folded: the corpus converted some
    pages' script), else by the file name its slug ends with, if that page's title is close
    enough (SAME_PAGE_SIMILARITY); the other locale's page is the same path in the other
    repository, or the same page of the other documentation version (docs/vs-2015/...).
    """
    t2s = opencc.OpenCC("t2s")
    snapshots = {"zh-TW": Snapshot(SOURCES["vs_tw"][0]), "zh-CN": Snapshot(SOURCES["vs_cn"][0])}
    titles: dict[str, dict[str, str]] = {}  # locale -> path -> title
    by_title: defaultdict[str, list[tuple[str, str]]] = defaultdict(list)  # folded title -> (locale, path)
    by_stem: defaultdict[str, list[tuple[str, str]]] = defaultdict(list)  # file name -> (locale, path)
    for locale, snapshot in snapshots.items():
        titles[locale] = {}
        for path in sorted(snapshot.blobs):
            if not path.endswith(".md") or "/includes/" in path:
                continue
            meta, body = split_front_matter(snapshot.read(path) or "")
            title = page_title(meta, body)
            if title:
                titles[locale][path] = title
                by_title[folded_key(title, t2s)].append((locale, path))
                by_stem[stem_of(path)].append((locale, path))
        progress(f"{snapshot.repo}: {len(titles[locale])} titled pages")
    translations: dict[str, Any] = {}
    counts: Counter[str] = Counter()
    for article in sorted(corpus.glob("*.md")):
        meta, _ = split_front_matter(article.read_text(encoding="utf-8"))
        title, slug = str(meta.get("title") or ""), article.stem
        if re.match(r"(song|tang|songci)-", slug):
            continue  # poetry: no translations
        key = folded_key(title, t2s)
        candidates = by_title.get(key, [])
        if not candidates:
            base = re.sub(r"-\d+$", "", slug)
            stems = [base[i + 1 :] for i in range(len(base)) if base[i] == "-"] + [base]
            by_file = [c for stem in stems for c in by_stem.get(stem, [])]
            scored = [(similarity(key, folded_key(titles[loc][path], t2s)), loc, path) for loc, path in by_file]
            candidates = [
                (loc, path) for score, loc, path in sorted(scored, reverse=True) if score >= SAME_PAGE_SIMILARITY
            ]
            counts["matched by file name"] += bool(candidates)
        if not candidates:
            counts["no source page found"] += 1
            continue
        # Prefer the page whose file name is in the slug (debugger-foo-2 <- docs/debugger/foo.md).
        candidates = sorted(candidates, key=lambda c: stem_of(c[1]) not in slug)
        twin = None
        for locale, path in candidates:
            other = "zh-CN" if locale == "zh-TW" else "zh-TW"
            for other_path in (path, path.replace("docs/vs-2015/", "docs/"), path.replace("docs/", "docs/vs-2015/", 1)):
                if other_path in titles[other]:
                    twin = (other, other_path, titles[other][other_path])
                    break
            if twin:
                break
        if twin is None:
            counts["no page in the other locale"] += 1
            continue
        translations[slug] = {"title": twin[2], "lang": twin[0], "path": twin[1]}
        counts["paired"] += 1
    for snapshot in snapshots.values():
        snapshot.close()
    out.write_text(json.dumps(translations, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    progress(f"{dict(counts)}; wrote {out}")


def main(argv: list[str] | None = None) -> int:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command", required=True)
    corpus = commands.add_parser("corpus", help="make the held-out corpus")
    corpus.add_argument("--out", type=Path, default=Path("/tmp/heldout-1k"))
    corpus.add_argument("--seed", type=int, default=DEFAULT_SEED)
    corpus.add_argument("--docs", type=int, default=DOC_ARTICLES, help="SQL docs articles")
    corpus.add_argument("--classical", type=int, default=CLASSICAL_ARTICLES, help="classical prose articles")
    pairs = commands.add_parser("tuning-pairs", help="translated titles for the tuning corpus")
    pairs.add_argument("corpus", type=Path)
    pairs.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "corpus":
        make_corpus(args.out, args.seed, args.docs, args.classical)
    else:
        tuning_pairs(args.corpus, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
