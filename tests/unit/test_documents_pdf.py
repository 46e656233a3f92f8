"""PDF output: PDF/A-3u, every font embedded, the cited hashes and indexes extractable as text,
Chinese extracted correctly, page X of Y, and the signature box empty where the signer stamps.

Each PDF is rendered once per module (about 0.3 s each) and inspected with poppler's tools.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from casework.documents import (
    DOCUMENT_KINDS, LANGUAGES, PAGE, SIGNATURE_BOX, RenderError, deposits_relied_on, render_document,
    render_pdf,
)
from casework.documents.samples import sample_context

pytestmark = pytest.mark.skipif(not (shutil.which("pdffonts") and shutil.which("pdftotext")),
                                reason="poppler-utils (pdffonts, pdftotext) not installed")

TITLES = {
    ("cease_desist", "zh"): "律师函", ("cease_desist", "en"): "Cease and Desist Letter",
    ("takedown_notice_us", "zh"): "侵权通知", ("takedown_notice_us", "en"): "Notice of Claimed Infringement",
    ("takedown_notice_cn", "zh"): "侵权通知书", ("takedown_notice_cn", "en"): "Notice of Infringement",
    ("deposit_certificate", "zh"): "存证证书", ("deposit_certificate", "en"): "Deposit Certificate",
    ("evidence_catalogue", "zh"): "证据目录", ("evidence_catalogue", "en"): "Evidence Catalogue",
}


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    folder = tmp_path_factory.mktemp("documents")
    out = {}
    for kind in DOCUMENT_KINDS:
        for lang in LANGUAGES:
            path = folder / f"{kind}.{lang}.pdf"
            path.write_bytes(render_document(kind, lang, sample_context(kind, lang)))
            out[(kind, lang)] = path
    return out


CASES = [(k, l) for k in DOCUMENT_KINDS for l in LANGUAGES]


@pytest.mark.parametrize("kind,lang", CASES)
def test_every_font_is_embedded(pdfs: dict[tuple[str, str], Path], kind: str, lang: str) -> None:
    rows = _run("pdffonts", str(pdfs[(kind, lang)])).splitlines()[2:]
    assert rows, "no fonts at all"
    for row in rows:
        emb = row.split()[-5]  # columns: name type encoding emb sub uni object ID
        assert emb == "yes", row
    if lang == "zh":
        assert any("Noto-Serif-CJK-SC" in row or "Noto-Sans-CJK-SC" in row for row in rows)
        assert not any("CJK-JP" in row for row in rows)


@pytest.mark.parametrize("kind,lang", CASES)
def test_text_carries_title_hashes_and_indexes(pdfs: dict[tuple[str, str], Path], kind: str, lang: str) -> None:
    text = _run("pdftotext", "-enc", "UTF-8", str(pdfs[(kind, lang)]), "-")
    assert TITLES[(kind, lang)] in text
    joined = re.sub(r"\s+", "", text)  # hashes wrap inside narrow table cells
    tokens = set(re.findall(r"\d+", text))
    rows = deposits_relied_on(kind, sample_context(kind, lang))
    assert rows
    for row in rows:
        assert row["sha256"] in joined, row
        assert str(row["index"]) in tokens, row


@pytest.mark.parametrize("kind,lang", CASES)
def test_page_x_of_y(pdfs: dict[tuple[str, str], Path], kind: str, lang: str) -> None:
    pages = int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", str(pdfs[(kind, lang)])))[1])
    text = re.sub(r"\s+", "", _run("pdftotext", "-enc", "UTF-8", str(pdfs[(kind, lang)]), "-"))
    label = "第{x}页共{y}页" if lang == "zh" else "Page{x}of{y}"
    for x in range(1, pages + 1):
        assert label.format(x=x, y=pages) in text


def test_pdf_a_3u_is_declared(pdfs: dict[tuple[str, str], Path]) -> None:
    meta = _run("pdfinfo", "-meta", str(pdfs[("cease_desist", "zh")]))
    assert re.search(r"pdfaid:part[^0-9]{1,3}3", meta) and re.search(r"pdfaid:conformance[^A-Z]{1,3}U", meta)


def test_chinese_letter_text_is_extracted_as_written(pdfs: dict[tuple[str, str], Path]) -> None:
    text = re.sub(r"\s+", "", _run("pdftotext", "-enc", "UTF-8", str(pdfs[("cease_desist", "zh")]), "-"))
    ctx = sample_context("cease_desist", "zh")
    assert "北京明理律师事务所（以下简称“本所”）接受北京星河影视文化有限公司（以下简称“委托人”）的委托" in text
    assert re.sub(r"\s+", "", ctx["demands"][0]) in text
    assert "2026年12月1日" in text  # the deadline


def _words(path: Path, page: int) -> list[tuple[float, float, float, float, str]]:
    """Words on a page as (x1, y1, x2, y2, text) in PDF points, origin bottom-left."""
    out = _run("pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-")
    words = []
    for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', out):
        x1, top, x2, bottom = (float(v) for v in m.groups()[:4])
        words.append((x1, PAGE.height - bottom, x2, PAGE.height - top, m[5]))
    return words


def _inside(word: tuple[float, float, float, float, Any], box: tuple[float, float, float, float]) -> bool:
    return word[0] < box[2] and word[2] > box[0] and word[1] < box[3] and word[3] > box[1]


@pytest.mark.parametrize("kind,lang", CASES)
def test_signature_box_is_empty_on_the_last_page(pdfs: dict[tuple[str, str], Path], kind: str, lang: str) -> None:
    path = pdfs[(kind, lang)]
    pages = int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", str(path)))[1])
    crowding = [w for w in _words(path, pages) if _inside(w, SIGNATURE_BOX)]
    assert crowding == []


@pytest.mark.parametrize("lang", ["zh"])  # one language: the geometry is shared
def test_draft_label_sits_in_the_signature_box(tmp_path: Path, lang: str) -> None:
    """The draft prints a label at the box's top-left corner: proof SIGNATURE_BOX is where CSS puts it."""
    ctx = sample_context("takedown_notice_us", lang) | {"draft": True}
    path = tmp_path / "draft.pdf"
    path.write_bytes(render_document("takedown_notice_us", lang, ctx))
    pages = int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", str(path)))[1])
    label = [w for w in _words(path, pages) if w[4] in ("电子签章区", "Electronic")]
    assert len(label) == 1
    x1, y1, x2, y2 = SIGNATURE_BOX
    assert x1 < label[0][0] < x1 + 12 and y2 - 20 < label[0][3] < y2  # inside, near the top-left corner


def test_signature_box_geometry() -> None:
    x1, y1, x2, y2 = SIGNATURE_BOX
    assert (round(x2 - x1), round(y2 - y1)) == (220, 90)
    assert x2 == pytest.approx(PAGE.width - PAGE.margin_right, abs=0.01) and y1 == PAGE.margin_bottom


def test_render_pdf_refuses_empty_html() -> None:
    with pytest.raises(RenderError):
        render_pdf("   ")


@pytest.mark.skipif(not (shutil.which("pdfdetach") and shutil.which("pdfimages")), reason="poppler-utils missing")
def test_rendering_fetches_nothing_but_inline_data(tmp_path: Path) -> None:
    """An admin-edited template (or anything that reaches the HTML) must not make WeasyPrint read server files
    (embedded as PDF attachments: the signing key, the secret key) or fetch URLs (SSRF); documents are
    self-contained, so only data: URLs load."""
    from casework.documents import template_source

    secret = tmp_path / "secret.txt"
    secret.write_text("server secret 42")
    png = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5"
           "ErkJggg==")
    extra = (f'<link rel="attachment" href="file://{secret}"><a rel="attachment" href="file://{secret}">x</a>'
             f'<img src="file://{secret}"><img src="http://render-probe.invalid/x.png"><img src="{png}" alt="inline">')
    head, end, tail = template_source("cease_desist", "en").rpartition("{% endblock %}")
    source = head + extra + end + tail
    path = tmp_path / "doc.pdf"
    path.write_bytes(render_document("cease_desist", "en", sample_context("cease_desist", "en"), source))
    assert "0 embedded files" in _run("pdfdetach", "-list", str(path))
    assert "server secret 42" not in _run("pdftotext", str(path), "-")
    assert len(_run("pdfimages", "-list", str(path)).strip().splitlines()) >= 3  # header lines + the inline image
