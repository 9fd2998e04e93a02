#!/usr/bin/env python3
"""Independent check of duban's documents with python-docx and openpyxl.

    check_report.py REPORT.docx [--xlsx LEDGER.xlsx] [--counts COUNTS.json]
                    [--expect-unmet N] [--expect-met N] [--office-verdicts]
                    [--bulletin BULLETIN.docx]

Reads the report's summary and attachment tables back, checks that every number in the
summary equals the rows of its table, that the page setup is GB/T 9704-2012's, that header
rows repeat and attachments are landscape; reads the .xlsx back and checks its header, frozen
pane, filter and row count. COUNTS.json is what the render example printed. Exits 1 naming
every mismatch.
"""
import argparse
import json
import re
import sys

import docx
from docx.oxml.ns import qn
from docx.shared import Mm

problems = []


def check(cond, message):
    if not cond:
        problems.append(message)


def near(length, mm):
    return abs(length - Mm(mm)) <= Mm(0.1)


def summary_counts(document):
    for p in document.paragraphs:
        t = p.text
        if "项重点工作任务中，" in t:
            total = int(re.match(r"\s*(\d+)项重点工作任务中", t).group(1))
            met = int(re.search(r"已完成既定目标任务(\d+)项", t).group(1))
            unmet = int(re.search(r"未完成既定目标任务(\d+)项", t).group(1))
            m = re.search(r"尚待核实(\d+)项", t)
            q = re.search(r"定性任务(\d+)项", t)
            return total, met, unmet, int(q.group(1)) if q else 0, int(m.group(1)) if m else 0
    return None


def attachment_tables(document):
    """(title paragraph before the table, table) in body order."""
    out = []
    last = ""
    tables = iter(document.tables)
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            text = "".join(t.text or "" for t in child.iter(qn("w:t"))).strip()
            if text:
                last = text
        elif child.tag == qn("w:tbl"):
            out.append((last, next(tables)))
    return out


def check_docx(path, expect):
    document = docx.Document(path)
    sections = document.sections
    first = sections[0]
    check(near(first.page_width, 210) and near(first.page_height, 297), "first section is not A4 portrait")
    for name, mm in [("top_margin", 37), ("bottom_margin", 35), ("left_margin", 28), ("right_margin", 26)]:
        check(near(getattr(first, name), mm), f"{name} is {getattr(first, name).mm:.2f} mm, expected {mm}")
    check(first.even_page_footer is not None, "no even-page footer")
    check(document.settings.odd_and_even_pages_header_footer, "evenAndOddHeaders is off")
    for footer in (first.footer, first.even_page_footer):
        xml = footer._element.xml
        check("PAGE" in xml and "fldChar" in xml, "footer lacks a PAGE field")
    # Attachments are landscape; a last portrait section holds only the 版记 (印发 line).
    colophon_page = len(sections) > 1 and any(p.text.endswith("印发") for p in document.paragraphs)
    for s in sections[1:len(sections) - 1 if colophon_page else None]:
        check(s.orientation == docx.enum.section.WD_ORIENT.LANDSCAPE, "an attachment section is not landscape")
    if colophon_page:
        check(sections[-1].orientation == docx.enum.section.WD_ORIENT.PORTRAIT, "the 版记 page is not portrait")

    parts = [("document", document.element.body), ("odd footer", first.footer._element),
             ("even footer", first.even_page_footer._element)]
    for where, element in parts:
        bare = 0
        for r in element.iter(qn("w:r")):
            fonts = r.find(qn("w:rPr") + "/" + qn("w:rFonts"))
            if fonts is None or not fonts.get(qn("w:eastAsia")):
                bare += 1
        check(bare == 0, f"{where}: {bare} runs without an eastAsia font")

    counts = summary_counts(document)
    check(counts is not None, "no summary paragraph")
    if counts is None:
        return None
    total, met, unmet, qualitative, pending = counts
    rows = {"unmet": 0, "met": 0, "qualitative": 0, "pending": 0}
    for title, table in attachment_tables(document):
        header = [c.text for c in table.rows[0].cells]
        check(header[:6] == ["序号", "工作板块", "具体任务", "牵头单位", "配合单位", "完成情况"],
              f"unexpected header {header}")
        tr_pr = table.rows[0]._tr.trPr
        check(tr_pr is not None and tr_pr.find(qn("w:tblHeader")) is not None, f"header of {title} does not repeat")
        n = len(table.rows) - 1
        numbers = [r.cells[0].text for r in table.rows[1:]]
        check(numbers == [str(i) for i in range(1, n + 1)], f"{title}: rows not numbered 1..{n}")
        if "未完成既定目标" in title:
            rows["unmet"] += n
            check(f"{n}项" in title, f"title '{title}' does not state its {n} rows")
        elif "已完成既定目标" in title:
            rows["met"] += n
            check(f"{n}项" in title, f"title '{title}' does not state its {n} rows")
        elif "定性任务" in title:
            rows["qualitative"] += n
            check(f"{n}项" in title, f"title '{title}' does not state its {n} rows")
        elif "尚待核实" in title:
            rows["pending"] += n
        else:
            problems.append(f"table after unknown title '{title}'")
    check(unmet == rows["unmet"], f"summary says {unmet} unmet, 附件 lists {rows['unmet']}")
    check(met == rows["met"], f"summary says {met} met, 附件 lists {rows['met']}")
    check(qualitative == rows["qualitative"],
          f"summary says {qualitative} qualitative, 附件 lists {rows['qualitative']}")
    check(pending == rows["pending"], f"summary says {pending} pending, 附件 lists {rows['pending']}")
    check(total == met + unmet + qualitative + pending,
          f"summary total {total} is not {met}+{unmet}+{qualitative}+{pending}")
    items = [p.text for p in document.paragraphs if re.match(r"\s*\d+\. ", p.text) and not p.text.endswith("情况表")]
    check(len(items) == unmet, f"{len(items)} numbered unmet items for {unmet} unmet tasks")
    got = {"total": total, "met": met, "not_met": unmet, "qualitative": qualitative, "pending": pending}
    for k, v in expect.items():
        if v is not None:
            check(got[k] == v, f"{k}: report says {got[k]}, expected {v}")
    print(f"{path}: {total} tasks, {met} met, {unmet} not met, {qualitative} qualitative, "
          f"{pending} pending; {len(sections)} sections")
    return counts


def check_xlsx(path, counts):
    import openpyxl

    wb = openpyxl.load_workbook(path)
    data_rows = 0
    unmet = 0
    want = ["序号", "工作板块", "具体任务", "牵头单位", "配合单位", "完成情况", "完成状态", "机器判定", "判定说明", "证据"]
    for ws in wb.worksheets:
        title = ws.cell(1, 1).value or ""
        check(title.endswith("台账") or "台账（" in title, f"sheet {ws.title}: title row '{title}'")
        check(re.search(r"\d{4}年", title) is not None, f"sheet {ws.title}: title names no year")
        header = [c.value for c in ws[2]]
        check(header == want, f"sheet {ws.title}: header {header}")
        check(ws.freeze_panes == "A3", f"sheet {ws.title}: title and header not frozen ({ws.freeze_panes})")
        check(bool(ws.auto_filter.ref), f"sheet {ws.title}: no autofilter")
        check(ws.page_setup.orientation == "landscape", f"sheet {ws.title}: not landscape")
        check(ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0,
              f"sheet {ws.title}: not fitted to the page width")
        check(str(ws.print_title_rows).replace("$", "") == "1:2", f"sheet {ws.title}: print titles {ws.print_title_rows}")
        for row in ws.iter_rows(min_row=3, values_only=True):
            if any(v not in (None, "") for v in row):
                data_rows += 1
                if row[6] == "未完成":
                    unmet += 1
    print(f"{path}: {len(wb.worksheets)} sheets, {data_rows} task rows, {unmet} marked 未完成 by the office")
    if counts is not None:
        check(data_rows == counts[0], f"xlsx has {data_rows} tasks, report {counts[0]}")
    return data_rows, unmet


def check_bulletin(path):
    """The bulletin's overall paragraph equals the sums of its unit table; the chart part
    caches one value per unit and series."""
    import zipfile

    document = docx.Document(path)
    summary = next((p.text for p in document.paragraphs if p.text.startswith("本轮共涉及")), None)
    check(summary is not None, f"{path}: no overall paragraph")
    if summary is None:
        return
    table = document.tables[0]
    header = [c.text for c in table.rows[0].cells]
    check(header == ["排名", "责任单位", "应报", "按时", "逾期", "未报", "退回", "按时率"], f"bulletin header {header}")
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    sums = [sum(int(r[j]) for r in rows) for j in range(2, 7)]
    said = [int(re.search(k + r"(\d+)项", summary).group(1)) for k in ["应报送", "按时报送", "逾期报送", "未报送", "退回修改"]]
    check(said == sums, f"bulletin says {said}, its table sums to {sums}")
    units = int(re.search(r"责任单位(\d+)个", summary).group(1))
    check(units == len(rows), f"bulletin says {units} units, table has {len(rows)}")
    with zipfile.ZipFile(path) as z:
        charts = [n for n in z.namelist() if n.startswith("word/charts/chart") and n.endswith(".xml")]
        check(len(charts) == 1, f"bulletin has {len(charts)} chart parts")
        if charts:
            xml = z.read(charts[0]).decode("utf-8")
            check(xml.count("<c:ser>") == 3, "chart does not have 3 series")
    print(f"{path}: {len(rows)} units, totals {sums}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("docx")
    ap.add_argument("--xlsx")
    ap.add_argument("--counts", help="JSON printed by the render example")
    ap.add_argument("--expect-unmet", type=int)
    ap.add_argument("--expect-met", type=int)
    ap.add_argument("--bulletin", help="a bulletin .docx to check as well")
    ap.add_argument("--office-verdicts", action="store_true",
                    help="the report split by the office's verdicts: 未完成 in the xlsx must match")
    a = ap.parse_args()
    expect = {"total": None, "met": a.expect_met, "not_met": a.expect_unmet, "qualitative": None,
              "pending": None}
    if a.counts:
        with open(a.counts, encoding="utf-8") as f:
            expect.update(json.load(f))
    counts = check_docx(a.docx, expect)
    if a.xlsx:
        _, unmet = check_xlsx(a.xlsx, counts)
        if a.office_verdicts and counts is not None:
            check(unmet == counts[2], f"xlsx marks {unmet} 未完成, report lists {counts[2]}")
    if a.bulletin:
        check_bulletin(a.bulletin)
    for p in problems:
        print(f"MISMATCH: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
