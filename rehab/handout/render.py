"""The home exercise program as an A4 PDF (fpdf2, DejaVu fonts for accents and the degree
sign): the clinic and the patient, a QR code to the patient's page, and per exercise its
dose, the demonstration's start and peak stills, the steps and the therapist's note."""

from __future__ import annotations

import io
from typing import cast

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from rehab.handout import words
from rehab.handout.model import Handout, HandoutItem
from rehab.i18n import Translator, translator
from rehab.reports.pdf import dejavu_paths

FONT = "DejaVu"
MARGIN_MM = 15.0
QR_MM = 30.0
STILL_W_MM, STILL_GAP_MM = 38.0, 3.0
TEXT_X_MM = MARGIN_MM + 2 * STILL_W_MM + STILL_GAP_MM + 5.0
LINE_MM = 5.2
CAPTION_MM = 4.0
INK, MUTED, ACCENT = (33, 37, 41), (100, 100, 100), (190, 85, 20)
NOTE_FILL = (253, 243, 231)


class HandoutPDF(FPDF):
    def __init__(self, handout: Handout, t: Translator) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.handout, self.t = handout, t
        for style, path in dejavu_paths().items():
            self.add_font(FONT, style, path)
        self.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        self.set_auto_page_break(True, margin=MARGIN_MM + 4)
        self.alias_nb_pages("{pages}")

    def footer(self) -> None:
        self.set_y(-MARGIN_MM)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*MUTED)
        left = f"{self.handout.clinic_name} · {self.handout.patient_name}"
        self.cell(self.epw * 0.7, 4, left)
        page = self.t.gettext(words.PAGE).format(page=self.page_no(), pages="{pages}")
        self.cell(self.epw * 0.3, 4, page, align="R")
        self.set_text_color(*INK)

    def line_of_text(
        self, text: str, size: float, style: str = "", colour: tuple[int, ...] = INK
    ) -> None:
        self.set_font(FONT, style, size)
        self.set_text_color(*colour)
        self.multi_cell(0, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)


def render_handout(handout: Handout) -> bytes:
    """The handout as PDF bytes."""
    t = translator(handout.language)
    pdf = HandoutPDF(handout, t)
    pdf.set_title(f"{t.gettext(words.TITLE)} · {handout.patient_name}")
    pdf.set_creator(handout.clinic_name)
    pdf.add_page()
    _header(pdf, handout, t)
    for number, item in enumerate(handout.items, start=1):
        _item(pdf, number, item, t)
    return bytes(pdf.output())


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()


def _header(pdf: HandoutPDF, handout: Handout, t: Translator) -> None:
    top = pdf.get_y()
    pdf.image(io.BytesIO(qr_png(handout.patient_url)), x=pdf.w - MARGIN_MM - QR_MM, y=top, w=QR_MM)
    pdf.set_xy(pdf.w - MARGIN_MM - QR_MM - 4, top + QR_MM)
    pdf.set_font(FONT, "", 7)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(QR_MM + 8, 3.2, t.gettext(words.SCAN), align="C")
    pdf.set_xy(MARGIN_MM, top)
    pdf.set_right_margin(MARGIN_MM + QR_MM + 6)
    pdf.line_of_text(handout.clinic_name, 15, "B")
    pdf.line_of_text(t.gettext(words.TITLE), 12, "", ACCENT)
    pdf.ln(1.5)
    pdf.line_of_text(t.gettext(words.FOR_PATIENT).format(patient=handout.patient_name), 10, "B")
    pdf.line_of_text(t.gettext(words.THERAPIST).format(name=handout.therapist_name), 9.5)
    pdf.line_of_text(_period(handout, t), 9.5)
    pdf.line_of_text(t.gettext(words.ISSUED).format(day=t.day(handout.issued_on)), 8, "", MUTED)
    pdf.set_right_margin(MARGIN_MM)
    pdf.set_y(max(pdf.get_y(), top + QR_MM + 8) + 2)
    pdf.line_of_text(handout.title, 12, "B")
    if handout.instructions:
        pdf.line_of_text(handout.instructions, 9.5)
    pdf.ln(2)


def _period(handout: Handout, t: Translator) -> str:
    start = t.day(handout.start_date)
    if handout.end_date is None:
        return t.gettext(words.FROM).format(start=start)
    return t.gettext(words.FROM_TO).format(start=start, end=t.day(handout.end_date))


def _still_height(item: HandoutItem) -> float:
    if item.stills is None:
        return 0.0
    from PIL import Image

    with Image.open(io.BytesIO(item.stills[0])) as image:
        return STILL_W_MM * image.height / image.width


def _steps_height(pdf: HandoutPDF, item: HandoutItem) -> float:
    pdf.set_font(FONT, "", 9.5)
    width = pdf.w - MARGIN_MM - (TEXT_X_MM if item.stills else MARGIN_MM)
    text = "\n".join(f"{n}. {step}" for n, step in enumerate(item.instructions, 1))
    height = pdf.multi_cell(width, LINE_MM, text, align="L", dry_run=True, output="HEIGHT")
    return float(cast(float, height))


def _item(pdf: HandoutPDF, number: int, item: HandoutItem, t: Translator) -> None:
    body = max(_still_height(item) + CAPTION_MM, _steps_height(pdf, item))
    note = 8 + LINE_MM * (1 + len(item.note) // 90) if item.note else 0
    if pdf.get_y() + 16 + body + note > pdf.page_break_trigger:
        pdf.add_page()
    pdf.set_draw_color(222, 226, 230)
    pdf.line(MARGIN_MM, pdf.get_y(), pdf.w - MARGIN_MM, pdf.get_y())
    pdf.ln(2)
    pdf.line_of_text(f"{number}. {item.name}", 12.5, "B")
    dose = " · ".join(
        (
            words.dose(item.sets, item.reps, item.hold_s, t),
            words.days(item.days_per_week, t),
            words.side(item.side, item.alternating, t),
        )
    )
    pdf.line_of_text(dose, 10, "B", ACCENT)
    pdf.ln(1)
    top = pdf.get_y()
    x_text = MARGIN_MM
    if item.stills is not None:
        for n, png in enumerate(item.stills):
            x = MARGIN_MM + n * (STILL_W_MM + STILL_GAP_MM)
            pdf.image(io.BytesIO(png), x=x, y=top, w=STILL_W_MM)
            pdf.set_xy(x, top + _still_height(item))
            pdf.set_font(FONT, "", 7.5)
            pdf.set_text_color(*MUTED)
            pdf.cell(STILL_W_MM, CAPTION_MM, t.gettext((words.START, words.PEAK)[n]), align="C")
            pdf.set_text_color(*INK)
        x_text = TEXT_X_MM
    pdf.set_xy(x_text, top)
    pdf.set_font(FONT, "", 9.5)
    for n, step in enumerate(item.instructions, 1):
        pdf.set_x(x_text)
        pdf.multi_cell(0, LINE_MM, f"{n}. {step}", align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(pdf.get_y(), top + _still_height(item) + CAPTION_MM) + 2)
    if item.note:
        _note(pdf, item.note, t)
    pdf.ln(3)


def _note(pdf: HandoutPDF, note: str, t: Translator) -> None:
    pdf.set_fill_color(*NOTE_FILL)
    pdf.set_font(FONT, "B", 9)
    pdf.multi_cell(
        0, LINE_MM, t.gettext(words.NOTE), fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_font(FONT, "", 9.5)
    pdf.multi_cell(0, LINE_MM, note, fill=True, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
