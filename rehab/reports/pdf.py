"""The PDF report: A4, DejaVu fonts (degree sign, accented names), page numbers, matplotlib
charts laid out by fpdf2. No browser needed."""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from matplotlib import font_manager
from PIL import Image

from rehab.errors import RehabError
from rehab.reports import charts, text
from rehab.reports.model import ExerciseSection, Report
from rehab.reports.outcomes import OUTCOME_HEADERS, outcome_rows

FONT = "DejaVu"
MARGIN_MM = 15.0
BODY_PT, SMALL_PT, H1_PT, H2_PT = 9.5, 8.0, 16.0, 12.0
LINE_MM = 5.0
CHART_W_MM = 180.0
GREY = (100, 100, 100)


FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}


@functools.cache
def dejavu_paths() -> dict[str, Path]:
    """DejaVu Sans .ttf files by fpdf2 style: Debian's fonts-dejavu-core (where fontconfig's
    `fc-match` finds it), else the copy matplotlib ships (found by its font manager)."""
    folders = [_fontconfig_folder(), Path(font_manager.findfont("DejaVu Sans")).parent]
    for folder in folders:
        if folder is not None and all((folder / f).is_file() for f in FONT_FILES.values()):
            return {style: folder / name for style, name in FONT_FILES.items()}
    raise RehabError("DejaVu Sans not found: install fonts-dejavu-core (the PDF needs it)")


def _fontconfig_folder() -> Path | None:
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", "DejaVu Sans"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(found).parent if found else None


class ReportPDF(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        for style, path in dejavu_paths().items():
            self.add_font(FONT, style, path)
        self.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        self.set_auto_page_break(True, margin=MARGIN_MM + 3)

    def footer(self) -> None:
        self.set_y(-MARGIN_MM + 2)
        self.set_font(FONT, "", SMALL_PT - 1)
        self.set_text_color(*GREY)
        self.cell(self.epw / 2, 5, self.footer_text)
        self.cell(self.epw / 2, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0, 0, 0)

    # -- building blocks ---------------------------------------------------------------------

    def heading(self, title: str, size: float = H2_PT) -> None:
        self.ensure_space(size * 0.6 + 20)
        self.ln(2)
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.5, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)
        self.set_font(FONT, "", BODY_PT)

    def paragraph(self, words: str, size: float = BODY_PT, style: str = "") -> None:
        self.set_font(FONT, style, size)
        self.multi_cell(0, LINE_MM, words, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", BODY_PT)

    def key_values(self, rows: Sequence[tuple[str, str]]) -> None:
        """Bold keys in a column as wide as the widest of them (at least 45 mm), values
        beside them: a long key never runs into its value."""
        self.set_font(FONT, "B", BODY_PT)
        key_mm = max([45.0, *(self.get_string_width(key) + 3 for key, _ in rows)])
        for key, value in rows:
            self.set_font(FONT, "B", BODY_PT)
            self.cell(key_mm, LINE_MM, key)
            self.set_font(FONT, "", BODY_PT)
            self.multi_cell(0, LINE_MM, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid(
        self, headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]
    ) -> None:
        self.ensure_space(LINE_MM * min(len(rows) + 1, 4) + 4)
        self.set_font(FONT, "", SMALL_PT)
        with self.table(
            col_widths=tuple(widths),
            line_height=LINE_MM - 0.5,
            text_align="LEFT",
            headings_style=_HEADINGS,
            borders_layout="HORIZONTAL_LINES",
            padding=0.8,
        ) as table:
            for row in [headers, *rows]:
                cells = table.row()
                for value in row:
                    cells.cell(value)
        self.set_font(FONT, "", BODY_PT)
        self.ln(1.5)

    def chart(self, picture: Image.Image, size_in: tuple[float, float]) -> None:
        self.ensure_space(charts.height_mm(size_in, CHART_W_MM) + 2)
        self.image(picture, x=MARGIN_MM, w=CHART_W_MM)
        self.ln(1)

    def ensure_space(self, height_mm: float) -> None:
        if self.get_y() + height_mm > self.page_break_trigger:
            self.add_page()


_HEADINGS = FontFace(emphasis="BOLD", fill_color=(235, 238, 243))


def render_pdf(report: Report) -> bytes:
    pdf = ReportPDF(f"{report.patient_label} · {text.period(report)}")
    pdf.set_title(f"Progress report {report.patient_label}")
    pdf.set_creator(f"rehab {report.app_version}")
    pdf.add_page()
    _front(pdf, report)
    if report.is_empty:
        pdf.heading("Sessions")
        pdf.paragraph(text.NO_SESSIONS)
    else:
        _adherence(pdf, report)
        for section in report.exercises:
            _exercise(pdf, report, section)
        _pain(pdf, report)
    _outcomes(pdf, report)
    return bytes(pdf.output())


def _front(pdf: ReportPDF, report: Report) -> None:
    pdf.heading("Rehabilitation progress report", H1_PT)
    pdf.key_values(text.header_rows(report))
    pdf.heading("Summary")
    pdf.key_values(text.summary_rows(report))
    _note_and_alerts(pdf, report)
    for program in report.programs:
        pdf.heading(f"Program #{program.prescription_id}: {program.title}")
        pdf.paragraph(text.program_line(program))
        pdf.grid(("Exercise", "Prescribed"), program.items, (70, 110))
    _method(pdf)


def _adherence(pdf: ReportPDF, report: Report) -> None:
    pdf.heading("Adherence: sessions per week")
    pdf.paragraph(text.adherence_line(report))
    pdf.chart(charts.adherence_chart(report), charts.ADHERENCE_SIZE_IN)


def _exercise(pdf: ReportPDF, report: Report, section: ExerciseSection) -> None:
    rows = len(section.rom) + 1 + int(section.asymmetry is not None)
    pdf.ensure_space(22 + LINE_MM * rows + charts.height_mm(charts.EXERCISE_SIZE_IN, CHART_W_MM))
    pdf.heading(section.name)
    if section.prescribed:
        pdf.paragraph(f"Prescribed: {section.prescribed}.")
    pdf.paragraph(text.volume_line(section))
    if section.sessions == 0:
        return
    if section.rom:
        pdf.grid(text.ROM_HEADERS, text.rom_rows(section), (20, 20, 22, 22, 22, 24, 24, 26))
    if section.asymmetry is not None:
        pdf.paragraph(text.asymmetry_line(section))
    pdf.chart(charts.exercise_chart(report, section), charts.EXERCISE_SIZE_IN)
    if section.form_issues:
        pdf.grid(text.FORM_HEADERS, text.form_rows(section), (66, 22, 18, 22, 32, 20))
    else:
        pdf.paragraph("No form issues recorded.", SMALL_PT, "I")


def _pain(pdf: ReportPDF, report: Report) -> None:
    pdf.heading("Pain and effort")
    if not report.check_ins:
        pdf.paragraph("No check-ins in this period.")
        return
    pdf.chart(charts.pain_chart(report), charts.PAIN_SIZE_IN)


def _outcomes(pdf: ReportPDF, report: Report) -> None:
    """Questionnaires answered in the period: the change against the MCID, the trend."""
    if not report.outcomes:
        return
    pdf.ensure_space(30)
    pdf.heading("Outcome measures")
    pdf.grid(OUTCOME_HEADERS, outcome_rows(report.outcomes), (58, 18, 14, 14, 16, 46, 14))
    for summary in report.outcomes:
        pdf.chart(charts.outcome_chart(report, summary), charts.OUTCOME_SIZE_IN)


def _note_and_alerts(pdf: ReportPDF, report: Report) -> None:
    """What a reader looks for first: the therapist's note and the standing alerts."""
    pdf.heading("Therapist's note")
    pdf.paragraph(report.therapist_note or "(none)", style="" if report.therapist_note else "I")
    if report.alerts:
        pdf.heading("Alerts at the end of the period")
        for line in text.alert_lines(report):
            pdf.paragraph(line)


def _method(pdf: ReportPDF) -> None:
    """How the figures are computed: on the first page, never a last page of its own."""
    pdf.ensure_space(14)
    pdf.ln(1)
    pdf.paragraph(text.METHOD_NOTE, SMALL_PT, "I")
