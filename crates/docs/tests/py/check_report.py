#!/usr/bin/env python3
"""Independent check of duban's documents with python-docx and openpyxl.

    check_report.py REPORT.docx [--xlsx LEDGER.xlsx] [--counts COUNTS.json]
                    [--expect-unmet N] [--expect-met N] [--office-verdicts]
                    [--bulletin BULLETIN.docx] [--notice NOTICE.docx ...] [--office NAME]

Reads the report's summary and attachment tables back, checks that every number in the
summary equals the rows of its table, that the page setup is GB/T 9704-2012's, that header
rows repeat and attachments are landscape; reads the .xlsx back and checks its header, frozen
pane, filter, title row, print setup and row count; reads back the 公文 elements of every
.docx (发文机关 heading the title and signing, 成文日期 under it, 附注, the 版记's 抄送 and
印发机关/印发日期 between its rules at the foot of the page), the bulletin's unit lists adding
up to its stated total, and the 督办单/催办单's 文号 and form. COUNTS.json is what the render
example printed. Exits 1 naming every mismatch.
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


def floating(table):
    """The 版记 is a table floating at the foot of the page; the others are in the text."""
    ppr = table._tbl.tblPr
    return ppr is not None and ppr.find(qn("w:tblpPr")) is not None


def attachment_tables(document):
    """(title paragraph before the table, table) in body order, the 版记 left out."""
    out = []
    last = ""
    tables = iter(document.tables)
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            text = "".join(t.text or "" for t in child.iter(qn("w:t"))).strip()
            if text:
                last = text
        elif child.tag == qn("w:tbl"):
            t = next(tables)
            if not floating(t):
                out.append((last, t))
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
    # Attachments are landscape; a last portrait section holds only the 版记.
    colophon_page = len(sections) > 1 and any(floating(t) for t in document.tables)
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
    want = ["序号", "工作板块", "具体任务", "牵头单位", "配合单位", "完成情况", "完成状态", "机器判定", "判定说明", "证据", "办结销号", "完成时限", "时间节点"]
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


DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")


def para_xml(p, tag):
    ppr = p._p.pPr
    return None if ppr is None else ppr.find(qn(tag))


def border(p, side):
    bdr = para_xml(p, "w:pBdr")
    if bdr is None:
        return None
    b = bdr.find(qn("w:" + side))
    return None if b is None else (b.get(qn("w:sz")), b.get(qn("w:color")))


def check_official(path, office, what):
    """发文机关 heads the title and signs; 成文日期 under the signature; 版记 at the foot."""
    document = docx.Document(path)
    paras = [p for p in document.paragraphs]
    texts = [p.text.strip() for p in paras]
    head = [t for t in texts[:5] if t]
    if office:
        check(office in head, f"{path}: 发文机关 '{office}' does not head the {what} ({head})")
    signed = [i for i, t in enumerate(texts) if t and (t == office if office else False)]
    check(len(signed) >= 2, f"{path}: no 发文机关署名")
    if len(signed) >= 2:
        i = signed[-1]
        date = texts[i + 1] if i + 1 < len(texts) else ""
        check(DATE.match(date) is not None, f"{path}: no 成文日期 under the signature ('{date}')")
        check(all(not t for t in texts[i - 3:i]), f"{path}: no room for the seal above the signature")
        for j in (i, i + 1):
            jc = para_xml(paras[j], "w:jc")
            check(jc is not None and jc.get(qn("w:val")) == "right", f"{path}: signature line not right-aligned")
    else:
        date = None
    note = [t for t in texts if t.startswith("（联系人") or t.startswith("（电话")]
    check(len(note) == 1, f"{path}: no 附注 (联系人、电话)")
    colophons = [t for t in document.tables if floating(t)]
    check(len(colophons) == 1, f"{path}: {len(colophons)} 版记 tables")
    cc, printed = [], []
    if colophons:
        t = colophons[0]
        rows = [[c.text for c in r.cells] for r in t.rows]
        cc = [r[0] for r in rows if r[0].startswith("抄送：")]
        printed = [r for r in rows if r[-1].endswith("印发")]
        pos = t._tbl.tblPr.find(qn("w:tblpPr"))
        check(pos.get(qn("w:tblpYSpec")) == "bottom" and pos.get(qn("w:vertAnchor")) == "margin",
              f"{path}: 版记 is not at the foot of the page")
        borders = t._tbl.tblPr.find(qn("w:tblBorders"))
        sz = {side: (borders.find(qn("w:" + side)).get(qn("w:sz")) if borders is not None
                     and borders.find(qn("w:" + side)) is not None else None)
              for side in ("top", "bottom", "insideH")}
        check(sz == {"top": "8", "bottom": "8", "insideH": "6"},
              f"{path}: 版记 rules are {sz}, not 0.35/0.25/0.35 mm")
    check(len(cc) == 1 and cc[0].endswith("。"), f"{path}: no 抄送 line in the 版记")
    check(len(printed) == 1, f"{path}: no 印发机关/印发日期 line in the 版记")
    if printed:
        by, on = printed[0][0], printed[0][-1]
        if office:
            check(by == office, f"{path}: 印发机关 is not '{office}': '{by}'")
        if date:
            check(on == date + "印发", f"{path}: 印发日期 is not the 成文日期 {date}: '{on}'")
    cc = cc + ["\t".join(printed[0])] if printed else cc
    print(f"{path}: 发文机关 {office}, 成文日期 {date}, 版记 {' | '.join(cc)!r}")


def check_bulletin_lists(document, path):
    """The unit lists add up to the units the bulletin counts, and each names as many units."""
    paras = [p.text for p in document.paragraphs]
    summary = next((t for t in paras if t.startswith("本轮共涉及")), "")
    m = re.search(r"责任单位(\d+)个", summary)
    check(m is not None, f"{path}: no unit count")
    if m is None:
        return
    stated = int(m.group(1))
    listed = 0
    for i, t in enumerate(paras):
        h = re.match(r"（[一二三四]）(.+的单位)（(\d+)个）$", t)
        if not h:
            continue
        n = int(h.group(2))
        names = re.sub(r"（[^）]*）", "", paras[i + 1].rstrip("。")).split("、")
        check(len(names) == n, f"{path}: '{h.group(1)}' says {n}, names {len(names)}")
        check(f"{h.group(1)}{n}个" in summary, f"{path}: the summary does not state '{h.group(1)}{n}个'")
        listed += n
    check(listed == stated, f"{path}: lists hold {listed} units, the bulletin says {stated}")
    print(f"{path}: unit lists add up to {listed} of {stated}")


def check_notice(path, office):
    document = docx.Document(path)
    texts = [p.text.strip() for p in document.paragraphs]
    kind = next((t for t in texts[:4] if t in ("督办单", "催办单")), None)
    check(kind is not None, f"{path}: neither 督办单 nor 催办单")
    number = next((t for t in texts[:5] if re.search(r"〔\d{4}〕[1-9]\d*号$", t)), None)
    check(number is not None, f"{path}: no 文号")
    forms = [t for t in document.tables if not floating(t)]
    check(len(forms) == 1, f"{path}: {len(forms)} form tables")
    if forms:
        labels = [r.cells[0].text for r in forms[0].rows]
        for want in ["承办单位", "任务", "反馈要求"]:
            check(want in labels, f"{path}: form lacks {want}")
        check(("督办事项" if kind == "督办单" else "催办事项") in labels, f"{path}: form lacks its 事项 row")
    print(f"{path}: {kind} {number}")
    check_official(path, office, kind or "notice")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("docx")
    ap.add_argument("--xlsx")
    ap.add_argument("--counts", help="JSON printed by the render example")
    ap.add_argument("--expect-unmet", type=int)
    ap.add_argument("--expect-met", type=int)
    ap.add_argument("--bulletin", help="a bulletin .docx to check as well")
    ap.add_argument("--notice", action="append", default=[], help="a 督办单/催办单 .docx to check")
    ap.add_argument("--office", help="the issuing office the documents must name")
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
    if a.office:
        check_official(a.docx, a.office, "report")
    if a.bulletin:
        check_bulletin(a.bulletin)
        check_bulletin_lists(docx.Document(a.bulletin), a.bulletin)
        if a.office:
            check_official(a.bulletin, a.office, "bulletin")
    for n in a.notice:
        check_notice(n, a.office)
    for p in problems:
        print(f"MISMATCH: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
