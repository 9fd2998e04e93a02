//! The ledger as an .xlsx workbook: one sheet per ledger table, named by its label, that the
//! ingest layer reads back into the same tasks.

use duban_model::{Ledger, Task, UnitRef, Verdict};
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet};

use crate::DocsError;

/// The header row, in order, with column widths in Excel character units (a Chinese
/// character is two units).
pub const LEDGER_COLUMNS: [(&str, f64); 13] = [
    ("序号", 6.0),
    ("工作板块", 16.0),
    ("具体任务", 40.0),
    ("牵头单位", 18.0),
    ("配合单位", 18.0),
    ("完成情况", 60.0),
    ("完成状态", 10.0),
    ("机器判定", 10.0),
    ("判定说明", 30.0),
    ("证据", 30.0),
    ("办结销号", 12.0),
    // Read back on import: the deadline and the milestones (written by
    // `duban_model::milestones_cell`, which reads back to the same steps).
    ("完成时限", 14.0),
    ("时间节点", 36.0),
];

/// Excel refuses longer cell strings.
const MAX_CELL_CHARS: usize = 32_767;

fn cell_text(s: &str) -> String {
    if s.chars().count() <= MAX_CELL_CHARS {
        return s.to_string();
    }
    let mut t: String = s.chars().take(MAX_CELL_CHARS - 1).collect();
    t.push('…');
    t
}

/// Sheet names: at most 31 characters, none of `[]:*?/\`, not quoted, unique (case-blind).
fn sheet_name(label: &str, index: usize, taken: &[String]) -> String {
    let clean: String = label
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') && !c.is_control())
        .take(31)
        .collect();
    let clean = clean.trim().trim_matches('\'').to_string();
    let base = if clean.is_empty() || clean.eq_ignore_ascii_case("history") {
        format!("表{index}")
    } else {
        clean
    };
    let mut name = base.clone();
    let mut n = 2;
    while taken
        .iter()
        .any(|t| t.to_lowercase() == name.to_lowercase())
    {
        let suffix = format!("({n})");
        let keep = 31usize.saturating_sub(suffix.chars().count());
        name = base.chars().take(keep).collect::<String>() + &suffix;
        n += 1;
    }
    name
}

fn units(units: &[UnitRef], groups: &[String]) -> String {
    units
        .iter()
        .map(UnitRef::display)
        .chain(groups.iter().cloned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn fill(v: Option<Verdict>) -> Option<Color> {
    match v {
        Some(Verdict::Met) => Some(Color::RGB(0xC6EFCE)),
        Some(Verdict::NotMet) => Some(Color::RGB(0xFFC7CE)),
        Some(Verdict::Unverifiable) => Some(Color::RGB(0xFFEB9C)),
        Some(Verdict::Qualitative) => Some(Color::RGB(0xEDEDED)),
        None => None,
    }
}

fn explanation(t: &Task) -> String {
    if let Some(e) = t.explanation.as_deref().filter(|e| !e.trim().is_empty()) {
        return e.to_string();
    }
    t.targets
        .iter()
        .map(|g| g.explanation.trim())
        .filter(|e| !e.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn evidence(t: &Task) -> String {
    t.targets
        .iter()
        .filter_map(|g| {
            g.evidence
                .as_ref()
                .map(|e| format!("{}：{}", g.text, e.text))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The plan a ledger is of, for the sheets' title row: "2022年区政府工作报告重点任务" out of
/// "关于2022年区政府工作报告重点任务完成情况的报告", the year put in front when the title
/// lacks it; "2022年重点任务" when there is no title. Never a verdict or a count, so a
/// re-import reads no claim from it.
pub fn plan_title(ledger: &Ledger) -> String {
    let title = ledger.title.as_deref().map(str::trim).unwrap_or("");
    let t = title.strip_prefix("关于").unwrap_or(title);
    let cut = ["完成情况", "进展情况", "推进情况", "的报告", "的通报"]
        .iter()
        .filter_map(|k| t.find(k))
        .min()
        .unwrap_or(t.len());
    let mut plan = t[..cut].trim().to_string();
    if plan.is_empty() {
        plan = "重点任务".to_string();
    }
    match ledger.year {
        Some(y) if !plan.contains(&format!("{y}年")) => format!("{y}年{plan}"),
        _ => plan,
    }
}

/// Lines a wrapped cell of this column width (Excel character units, a Chinese character
/// two) takes, at least one.
fn wrapped_lines(s: &str, width: f64) -> usize {
    let per_line = (width - 1.0).max(2.0);
    s.split('\n')
        .map(|line| {
            let units: f64 = line
                .chars()
                .map(|c| if c.is_ascii() { 1.1 } else { 2.1 })
                .sum();
            ((units / per_line).ceil() as usize).max(1)
        })
        .sum::<usize>()
        .max(1)
}

/// Rows above the data: the title (row 1) and the header (row 2).
const HEAD_ROWS: u32 = 2;

fn write_sheet(ws: &mut Worksheet, tasks: &[&Task], title: &str) -> Result<(), DocsError> {
    let last_col = LEDGER_COLUMNS.len() as u16 - 1;
    let title_fmt = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    ws.merge_range(0, 0, 0, last_col, title, &title_fmt)?;
    ws.set_row_height(0, 30)?;
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color(Color::RGB(0xD9D9D9))
        .set_border(FormatBorder::Thin);
    for (c, (name, width)) in LEDGER_COLUMNS.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(1, c, *name, &head)?;
        ws.set_column_width(c, *width)?;
    }
    // Print setup: A4 landscape, every column on one page's width, the title and header
    // repeated on each page, page numbers in the footer.
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(0, HEAD_ROWS - 1)?;
    ws.set_print_center_horizontally(true);
    ws.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    ws.set_footer("&C第 &P 页，共 &N 页");
    let base = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::Thin);
    for (i, t) in tasks.iter().enumerate() {
        let r = i as u32 + HEAD_ROWS;
        let fmt = match fill(t.effective_verdict()) {
            Some(c) => base.clone().set_background_color(c),
            None => base.clone(),
        };
        // A machine verdict that contradicts the office's shows in red.
        let judged = if t.disputed() {
            fmt.clone().set_font_color(Color::RGB(0xC00000)).set_bold()
        } else {
            fmt.clone()
        };
        ws.write_number_with_format(r, 0, f64::from(t.row), &fmt)?;
        let texts = [
            t.section.clone().unwrap_or_default(),
            t.text.clone(),
            units(&t.lead_units, &t.lead_groups),
            units(&t.coop_units, &t.coop_groups),
            t.progress.clone(),
            t.office_verdict
                .map(|v| v.label_zh().to_string())
                .unwrap_or_default(),
        ];
        for (c, s) in texts.iter().enumerate() {
            ws.write_string_with_format(r, c as u16 + 1, cell_text(s), &fmt)?;
        }
        // Wrapped rows get their height set: LibreOffice (and Excel for rows it does not
        // refit) would otherwise show one line and cut the text off in print.
        let steps = duban_model::milestones_cell(&t.milestones);
        let lines = texts
            .iter()
            .zip(&LEDGER_COLUMNS[1..7])
            .map(|(s, (_, w))| wrapped_lines(s, *w))
            .chain([
                wrapped_lines(&explanation(t), LEDGER_COLUMNS[8].1),
                wrapped_lines(&evidence(t), LEDGER_COLUMNS[9].1),
                wrapped_lines(&steps, LEDGER_COLUMNS[12].1),
            ])
            .max()
            .unwrap_or(1);
        ws.set_row_height(r, (15.0 * lines as f64).min(409.0))?;
        let machine = t.verdict.map(|v| v.label_zh()).unwrap_or_default();
        ws.write_string_with_format(r, 7, machine, &judged)?;
        ws.write_string_with_format(r, 8, cell_text(&explanation(t)), &fmt)?;
        ws.write_string_with_format(r, 9, cell_text(&evidence(t)), &fmt)?;
        ws.write_string_with_format(r, 10, t.closed_on.as_deref().unwrap_or_default(), &fmt)?;
        ws.write_string_with_format(r, 11, t.deadline.as_deref().unwrap_or_default(), &fmt)?;
        ws.write_string_with_format(r, 12, cell_text(&steps), &fmt)?;
    }
    ws.set_freeze_panes(HEAD_ROWS, 0)?;
    ws.autofilter(
        HEAD_ROWS - 1,
        0,
        tasks.len() as u32 + HEAD_ROWS - 1,
        last_col,
    )?;
    Ok(())
}

/// Writes the ledger as an .xlsx workbook: a sheet per table (named by the table's label, in
/// table order) with a title row naming the plan and year ([`plan_title`]), the columns of
/// [`LEDGER_COLUMNS`], the title and header frozen, filtered and repeated on printed pages
/// (A4 landscape, fitted to the page's width, text wrapped), rows
/// coloured by the final verdict (green met, red not met, yellow unverifiable, grey
/// qualitative) and the machine's verdict in bold red where it disputes the office's.
pub fn ledger_xlsx(ledger: &Ledger) -> Result<Vec<u8>, DocsError> {
    let mut wb = Workbook::new();
    // Tables in order, plus any table index a task names that the table list lacks.
    let mut indices: Vec<usize> = ledger.tables.iter().map(|t| t.index).collect();
    for t in &ledger.tasks {
        if !indices.contains(&t.table) {
            indices.push(t.table);
        }
    }
    indices.sort_unstable();
    indices.dedup();
    let mut names: Vec<String> = Vec::new();
    let plan = plan_title(ledger);
    let several = indices.len() > 1;
    if indices.is_empty() {
        let ws = wb.add_worksheet();
        ws.set_name("台账")?;
        write_sheet(ws, &[], &format!("{plan}台账"))?;
    }
    for idx in indices {
        let label = ledger
            .tables
            .iter()
            .find(|t| t.index == idx)
            .map(|t| t.label.as_str())
            .unwrap_or_default();
        let name = sheet_name(label, idx, &names);
        let mut tasks: Vec<&Task> = ledger.tasks_in(idx).collect();
        tasks.sort_by_key(|t| t.row);
        let ws = wb.add_worksheet();
        ws.set_name(name.as_str())?;
        let title = if several {
            format!("{plan}台账（{name}）")
        } else {
            format!("{plan}台账")
        };
        write_sheet(ws, &tasks, &title)?;
        names.push(name);
    }
    Ok(wb.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_and_unique() {
        assert_eq!(sheet_name("附件1", 1, &[]), "附件1");
        assert_eq!(sheet_name("a/b:c", 2, &[]), "abc");
        assert_eq!(sheet_name("", 3, &[]), "表3");
        assert_eq!(sheet_name("附件1", 2, &["附件1".into()]), "附件1(2)");
        let long = "甲".repeat(40);
        let n = sheet_name(&long, 1, &[long.chars().take(31).collect()]);
        assert_eq!(n.chars().count(), 31);
        assert!(n.ends_with("(2)"));
    }

    #[test]
    fn the_plan_comes_from_the_title_with_its_year() {
        let mut l = Ledger::new("x.txt", duban_model::SourceFormat::Txt);
        l.title = Some("关于2022年区政府工作报告重点任务完成情况的报告".into());
        l.year = Some(2022);
        assert_eq!(plan_title(&l), "2022年区政府工作报告重点任务");
        l.title = Some("重点任务推进情况".into());
        assert_eq!(plan_title(&l), "2022年重点任务");
        l.title = None;
        l.year = None;
        assert_eq!(plan_title(&l), "重点任务");
    }

    #[test]
    fn wrapped_lines_count_chinese_as_two_units() {
        assert_eq!(wrapped_lines("", 10.0), 1);
        assert_eq!(wrapped_lines("甲乙丙丁", 10.0), 1);
        assert_eq!(wrapped_lines("甲乙丙丁戊", 10.0), 2);
        assert_eq!(wrapped_lines("甲\n乙", 10.0), 2);
    }

    #[test]
    fn overlong_cells_are_cut_to_excel_limit() {
        let s = "字".repeat(40_000);
        assert_eq!(cell_text(&s).chars().count(), MAX_CELL_CHARS);
    }
}
