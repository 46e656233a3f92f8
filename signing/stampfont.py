"""The visible stamp's font: an OpenType font loaded once, subset by HarfBuzz per signature.

pyHanko's ``GlyphAccumulatorFactory`` reads and parses the whole font for every signature and subsets
it with fontTools: for Noto Sans CJK that is about a second per PDF, and it cannot open a ``.ttc``
collection. Here the font is read and parsed once per process (``load_stamp_font``), text is shaped
with HarfBuzz, and only the glyphs used are embedded (``hb.subset``, a few milliseconds), so the
stamp stays fully embedded (PDF/A) and cheap.

CID-keyed CFF fonts (Noto CJK) are embedded as ``/CIDFontType0C`` and addressed by their CIDs, which
HarfBuzz's subsetter keeps; TrueType-outline fonts as ``/CIDFontType2`` with their glyph ids kept.
"""
from __future__ import annotations

import io
import struct
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

import uharfbuzz as hb
from fontTools import ttLib
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.api import FontEngine, FontEngineFactory, ShapeResult
from pyhanko.pdf_utils.font.opentype import _format_cid_glyphline_from_buffer, _segment_cmap

from signing.errors import FontError

__all__ = ["StampFont", "load_stamp_font", "StampFontFactory"]

_name = generic.NameObject
_COMMON_CHARS = "0123456789abcdefABCDEF-:./ "
_SUBSETS_KEPT = 64


@dataclass(frozen=True, eq=False)
class StampFont:
    """A parsed font, shared by every signature in the process (read-only after loading)."""

    path: str
    """The font file (``.otf``, ``.ttf`` or a ``.ttc`` collection)."""

    index: int
    """The face's index inside a collection (0 for a single font)."""

    data: bytes = field(repr=False)
    """The font file's bytes (HarfBuzz and the subsetter read from them)."""

    face: hb.Face = field(repr=False)
    """The HarfBuzz face of ``index``."""

    ps_name: str
    """PostScript name, used in the embedded font's /BaseFont."""

    units_per_em: int
    """Design units per em (widths in the PDF are per mille of an em)."""

    cid_of_gid: Optional[tuple[int, ...]] = field(repr=False)
    """For a CID-keyed CFF font: the CID of each glyph id; None for TrueType outlines (CID = GID)."""

    descriptor: dict = field(repr=False)
    """Font descriptor metrics (ascent, descent, bbox, cap height, italic angle, weight)."""

    common_gids: frozenset[int] = field(default=frozenset(), repr=False)
    """Glyphs always put in the subset (digits, hex letters, URL punctuation): then stamps that differ
    only in time and link share one subset, and ``subsets`` serves them without subsetting again."""

    subsets: dict = field(default_factory=dict, repr=False)
    """Cache: frozenset of glyph ids -> subset font bytes (at most ``_SUBSETS_KEPT`` entries)."""

    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    """Guards ``subsets`` (signatures run in several threads in the bulk job)."""

    @property
    def is_cff(self) -> bool:
        return self.cid_of_gid is not None


@lru_cache(maxsize=8)
def load_stamp_font(path: str, index: int = 0) -> StampFont:
    """Read and parse a font once per process; FontError if it cannot serve as the stamp font."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise FontError(f"stamp font {path} cannot be read: {exc.strerror or exc}") from None
    try:
        tt = ttLib.TTFont(io.BytesIO(data), fontNumber=index, lazy=True)
        if "CFF " in tt:
            top = tt["CFF "].cff[0]
            if not hasattr(top, "ROS"):
                raise FontError(f"stamp font {path} has name-keyed CFF outlines; use a CID-keyed "
                                "OpenType font (Noto Sans CJK) or a TrueType font")
            cid_of_gid: Optional[tuple[int, ...]] = tuple(
                0 if name == ".notdef" else int(name[3:]) for name in top.charset)
        elif "glyf" in tt:
            cid_of_gid = None
        else:
            raise FontError(f"stamp font {path} has no CFF or TrueType outlines")
        ps_name = tt["name"].getDebugName(6) or "StampFont"
        head, hhea, os2, post = tt["head"], tt["hhea"], tt["OS/2"], tt["post"]
        upem = head.unitsPerEm
        scale = 1000.0 / upem
        descriptor = {
            "ascent": round(hhea.ascent * scale), "descent": round(hhea.descent * scale),
            "bbox": [round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)],
            "cap_height": round(getattr(os2, "sCapHeight", 0.7 * upem) * scale),
            "italic_angle": float(getattr(post, "italicAngle", 0)),
            "stem_v": int(10 + 220 * (os2.usWeightClass - 50) / 900),
        }
    except FontError:
        raise
    except Exception as exc:  # fontTools raises many types for a bad file
        raise FontError(f"stamp font {path} (face {index}) is not a readable OpenType font: {exc}") from None
    face = hb.Face(hb.Blob(data), index)
    probe = hb.Font(face)
    common = frozenset(g for g in (probe.get_nominal_glyph(ord(c)) for c in _COMMON_CHARS) if g)
    return StampFont(path=path, index=index, data=data, face=face, ps_name="".join(ps_name.split()),
                     units_per_em=upem, cid_of_gid=cid_of_gid, descriptor=descriptor, common_gids=common)


def _table(font_bytes: bytes, tag: bytes) -> bytes:
    """One table's bytes from an sfnt (the subsetter's output is a single font)."""
    num_tables = struct.unpack(">H", font_bytes[4:6])[0]
    for i in range(num_tables):
        entry = font_bytes[12 + 16 * i: 28 + 16 * i]
        if entry[:4] == tag:
            offset, length = struct.unpack(">II", entry[8:16])
            return font_bytes[offset:offset + length]
    raise FontError(f"subset font has no {tag.decode()} table")


class _StampFontEngine(FontEngine):
    """One signature's use of a ``StampFont``: shapes text, then embeds the glyphs it used."""

    def __init__(self, writer, font: StampFont, font_size: int, obj_stream=None):
        super().__init__(writer, font.ps_name, embedded_subset=True, obj_stream=obj_stream, font_size=font_size)
        self.font = font
        self.hb_font = hb.Font(font.face)  # cheap; per engine, so shaping state is never shared
        self._widths: dict[int, tuple[int, int]] = {}  # gid -> (cid, width in 1/1000 em)
        self._to_unicode: dict[int, str] = {}
        self._ref = writer.allocate_placeholder()
        self._written = False

    def _cid_and_width(self, gid: int) -> tuple[int, int]:
        hit = self._widths.get(gid)
        if hit is None:
            cid = self.font.cid_of_gid[gid] if self.font.cid_of_gid is not None else gid
            advance = self.hb_font.get_glyph_h_advance(gid)
            hit = self._widths[gid] = (cid, round(advance * 1000 / self.font.units_per_em))
        return hit

    def _drawable(self, txt: str) -> str:
        """``txt`` with characters the font has no glyph for replaced by "?" (marks and format
        characters dropped): PDF/A forbids drawing .notdef, and a name is still legible."""
        out = []
        for char in txt:
            if self.hb_font.get_nominal_glyph(ord(char)):
                out.append(char)
            elif unicodedata.category(char)[0] not in "MC":
                out.append("?")
        return "".join(out)

    def shape(self, txt: str) -> ShapeResult:
        txt = self._drawable(txt)
        if not txt:
            return ShapeResult(b"", 0, 0)
        buf = hb.Buffer()
        buf.add_str(txt)
        buf.guess_segment_properties()
        hb.shape(self.hb_font, buf)
        # widths in the TJ arithmetic must be in font units, as HarfBuzz's advances are
        upem = self.font.units_per_em

        def cid_width_in_units(gid: int) -> tuple[int, int]:
            cid, _ = self._cid_and_width(gid)
            return cid, self.hb_font.get_glyph_h_advance(gid)

        ops, (x_total, y_total) = _format_cid_glyphline_from_buffer(
            buf, cid_width_callback=cid_width_in_units, units_per_em=upem, font_size=self.font_size, vertical=False)
        infos = buf.glyph_infos
        count = len(infos)
        for i, info in enumerate(infos):
            start = info.cluster
            shared = (i > 0 and infos[i - 1].cluster == start) or (i + 1 < count and infos[i + 1].cluster == start)
            if info.codepoint == 0 or shared:
                continue  # .notdef, or a many-glyph cluster a one-CID ToUnicode entry cannot describe
            end = infos[i + 1].cluster if i + 1 < count else len(txt)
            cid, _ = self._cid_and_width(info.codepoint)
            self._to_unicode.setdefault(cid, txt[start:end])
        return ShapeResult(graphics_ops=ops, x_advance=x_total / upem, y_advance=y_total / upem)

    def as_resource(self) -> generic.IndirectObject:
        return self._ref

    def _subset(self) -> bytes:
        font = self.font
        gids = frozenset(self._widths) | font.common_gids
        with font.lock:
            cached = font.subsets.get(gids)
        if cached is not None:
            return cached
        plan_input = hb.SubsetInput()
        for gid in gids:
            plan_input.glyph_set.add(gid)
        flags = hb.SubsetFlags.NO_LAYOUT_CLOSURE | hb.SubsetFlags.NOTDEF_OUTLINE
        if not font.is_cff:
            flags |= hb.SubsetFlags.RETAIN_GIDS  # CIDToGIDMap /Identity: glyph ids must not move
        plan_input.flags = flags
        face = hb.subset(font.face, plan_input)
        if face is None:
            raise FontError(f"subsetting {font.path} failed")
        data = face.blob.data
        with font.lock:
            if len(font.subsets) >= _SUBSETS_KEPT:
                font.subsets.pop(next(iter(font.subsets)))
            font.subsets[gids] = data
        return data

    def _tounicode(self) -> generic.StreamObject:
        body = "\n".join(_segment_cmap((cid, text.encode("utf-16be")) for cid, text in self._to_unicode.items()))
        cmap = ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
                "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
                "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
                "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
                f"{body}\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend")
        stream = generic.StreamObject(stream_data=cmap.encode("ascii"))
        stream.compress()
        return stream

    def prepare_write(self) -> None:
        if self._written:
            return
        self._written = True
        writer, font = self.writer, self.font
        subset = self._subset()
        base = f"{self.subset_prefix}+{font.ps_name}"
        if font.is_cff:
            program = generic.StreamObject({_name("/Subtype"): _name("/CIDFontType0C")},
                                           stream_data=_table(subset, b"CFF "))
            file_key, subtype = "/FontFile3", "/CIDFontType0"
        else:
            program = generic.StreamObject(stream_data=subset)
            file_key, subtype = "/FontFile2", "/CIDFontType2"
        program.compress()
        d = font.descriptor
        descriptor = generic.DictionaryObject({
            _name("/Type"): _name("/FontDescriptor"), _name("/FontName"): _name("/" + base),
            _name("/Flags"): generic.NumberObject(0b100),  # symbolic: glyphs addressed by CID
            _name("/FontBBox"): generic.ArrayObject(generic.NumberObject(v) for v in d["bbox"]),
            _name("/ItalicAngle"): generic.FloatObject(d["italic_angle"]),
            _name("/Ascent"): generic.NumberObject(d["ascent"]), _name("/Descent"): generic.NumberObject(d["descent"]),
            _name("/CapHeight"): generic.NumberObject(d["cap_height"]), _name("/StemV"): generic.NumberObject(d["stem_v"]),
            _name(file_key): writer.add_object(program),
        })
        widths = generic.ArrayObject()
        for cid, width in sorted(self._widths.values()):
            widths.append(generic.NumberObject(cid))
            widths.append(generic.ArrayObject([generic.NumberObject(width)]))
        cid_font = generic.DictionaryObject({
            _name("/Type"): _name("/Font"), _name("/Subtype"): _name(subtype), _name("/BaseFont"): _name("/" + base),
            _name("/CIDSystemInfo"): generic.DictionaryObject({
                _name("/Registry"): generic.pdf_string("Adobe"), _name("/Ordering"): generic.pdf_string("Identity"),
                _name("/Supplement"): generic.NumberObject(0)}),
            _name("/FontDescriptor"): writer.add_object(descriptor),
            _name("/W"): widths, _name("/DW"): generic.NumberObject(1000),
        })
        if not font.is_cff:
            cid_font[_name("/CIDToGIDMap")] = _name("/Identity")
        type0 = generic.DictionaryObject({
            _name("/Type"): _name("/Font"), _name("/Subtype"): _name("/Type0"),
            _name("/BaseFont"): _name(f"/{base}-Identity-H" if font.is_cff else f"/{base}"), _name("/Encoding"): _name("/Identity-H"),
            _name("/DescendantFonts"): generic.ArrayObject([writer.add_object(cid_font)]),
            _name("/ToUnicode"): writer.add_object(self._tounicode()),
        })
        writer.add_object(type0, idnum=self._ref.idnum)


@dataclass(frozen=True)
class StampFontFactory(FontEngineFactory):
    """What pyHanko's ``TextBoxStyle(font=...)`` takes: makes an engine per signature."""

    font: StampFont
    """The loaded font."""

    font_size: int = 10
    """Nominal size; the stamp layout scales the text box to fit the signature box."""

    def create_font_engine(self, writer, obj_stream=None) -> FontEngine:
        return _StampFontEngine(writer, self.font, self.font_size, obj_stream=None)
