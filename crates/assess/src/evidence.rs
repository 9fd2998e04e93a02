//! Finding, in a progress narrative, the words that speak to one target.

use duban_model::{Evidence, TargetKind};

use crate::numbers::{NumToken, scan_numbers};
use crate::targets::ParsedTarget;
use crate::text::{self, Span};
use crate::units;

/// A progress text prepared once for all of a task's targets.
pub struct Progress {
    /// The text with traditional characters simplified, one for one: what is read.
    pub chars: Vec<char>,
    /// The text as written: what evidence quotes.
    pub orig: Vec<char>,
    pub tokens: Vec<NumToken>,
    pub sentences: Vec<Span>,
    pub clauses: Vec<Span>,
    quoted: Vec<bool>,
}

impl Progress {
    pub fn new(s: &str) -> Self {
        let chars = crate::script::simplified(s);
        let orig: Vec<char> = s.chars().collect();
        let tokens = scan_numbers(&chars);
        let sentences = text::sentences(&chars);
        let clauses = text::clauses(&chars);
        let quoted = text::quoted_mask(&chars);
        Progress {
            chars,
            orig,
            tokens,
            sentences,
            clauses,
            quoted,
        }
    }

    pub fn evidence(&self, sp: Span, value: Option<f64>, unit: Option<&str>) -> Evidence {
        let sp = text::trim(&self.chars, sp);
        Evidence {
            text: self.quote(sp),
            start: sp.start,
            end: sp.end,
            value,
            unit: unit.map(str::to_string),
        }
    }

    /// The written text of a span.
    pub fn quote(&self, sp: Span) -> String {
        text::string(&self.orig, sp)
    }

    /// At most two full sentences or items: a text about one thing.
    pub fn is_short(&self) -> bool {
        let n = self
            .chars
            .iter()
            .filter(|&&c| c == '。' || text::is_list_mark(c))
            .count();
        let open = self.chars.last().is_some_and(|&c| c != '。');
        n + usize::from(open) <= 2
    }

    fn sentence_of(&self, pos: usize) -> Span {
        self.sentences
            .iter()
            .copied()
            .find(|s| s.start <= pos && pos < s.end)
            .unwrap_or_else(|| text::sentence_at(&self.chars, pos))
    }

    fn clause_of(&self, pos: usize) -> Span {
        self.clauses
            .iter()
            .copied()
            .find(|s| s.start <= pos && pos < s.end)
            .unwrap_or_else(|| text::clause_at(&self.chars, pos))
    }

    /// The span to show for a figure: its clause, cut down around the figure when long.
    fn figure_span(&self, start: usize, end: usize) -> Span {
        let cl = self.clause_of(start);
        Span {
            start: cl.start.max(start.saturating_sub(20)),
            end: cl.end.min(end + 12).max(end),
        }
    }

    fn before_in_sentence(&self, pos: usize) -> &[char] {
        let s = self.sentence_of(pos);
        self.chars.get(s.start..pos).unwrap_or(&[])
    }

    /// Words that make a figure a forecast or a plan rather than a result.
    ///
    /// 预计/预期 make the rest of their sentence a forecast; the other words only their
    /// clause ("累计下达搬迁计划53.8万人，累计完成42.3万人": the second figure is a result).
    pub(crate) fn is_forecast(&self, pos: usize) -> bool {
        let b = self.before_in_sentence(pos);
        if ["预计", "预期"].iter().any(|w| text::contains_str(b, w)) {
            return true;
        }
        let cl = self.clause_of(pos);
        let c = self.chars.get(cl.start..pos).unwrap_or(&[]);
        FORECAST.iter().any(|w| text::contains_str(c, w))
    }

    /// A part-year figure ("1-11月", "上半年").
    fn is_partial(&self, pos: usize) -> bool {
        let s = self.sentence_of(pos);
        let b = self.before_in_sentence(pos);
        if PARTIAL_WORDS.iter().any(|w| text::contains_str(b, w)) {
            return true;
        }
        self.tokens.iter().any(|t| {
            t.start >= s.start
                && t.end <= pos
                && t.upper.is_some_and(|u| u < 12.0)
                && self.chars.get(t.num_end) == Some(&'月')
        })
    }

    fn full_year(&self, pos: usize) -> bool {
        let b = self.before_in_sentence(pos);
        FULL_YEAR.iter().any(|w| text::contains_str(b, w))
    }

    /// The words that say what a figure counts: up to 18 chars before it in its
    /// sentence, and a few after it up to the next clause or list break.
    fn context(&self, start: usize, end: usize) -> (&[char], &[char]) {
        let s = self.sentence_of(start);
        let a = s.start.max(start.saturating_sub(18));
        let mut b = end;
        while b < end + 8
            && self
                .chars
                .get(b)
                .is_some_and(|&c| !text::is_clause_end(c) && c != '、' && c != '（')
        {
            b += 1;
        }
        (
            self.chars.get(a..start).unwrap_or(&[]),
            self.chars.get(end..b).unwrap_or(&[]),
        )
    }
}

const FORECAST: [&str; 8] = [
    "预计",
    "计划",
    "将于",
    "未来将",
    "力争",
    "有望",
    "预期",
    "争取",
];
const PARTIAL_WORDS: [&str; 6] = ["上半年", "前三季度", "一季度", "二季度", "三季度", "1-11月"];
const FULL_YEAR: [&str; 6] = ["全年", "累计", "年底", "12月31日", "2022年", "截至"];

/// Words that say work on a figure only started.
const UNFINISHED: [&str; 6] = ["已开工", "开工", "正在", "推进中", "在建", "启动"];

/// A figure found for a numeric target.
pub struct Figure {
    pub value: f64,
    pub span: Span,
    pub token: Option<NumToken>,
    pub partial: bool,
    /// The clause says the work only started ("改造已开工").
    pub unfinished: bool,
}

/// Looks for the figure that answers a quantity or share target.
pub fn find_figure(p: &Progress, t: &ParsedTarget, others_same_unit: usize) -> Option<Figure> {
    let unit = t.unit?;
    let keys: Vec<char> = t.keywords.chars().collect();
    let mut cands: Vec<(NumToken, u32)> = Vec::new();
    for tok in &p.tokens {
        let Some(u) = tok.unit else { continue };
        if !units::compatible(u, unit) || p.quoted.get(tok.start).copied().unwrap_or(false) {
            continue;
        }
        if p.is_forecast(tok.start) {
            continue;
        }
        if t.kind == TargetKind::Share && (is_growth_figure(p, tok) || is_completion_figure(p, tok))
        {
            continue;
        }
        if restates_target(p, tok) || per_capita(p, tok) {
            continue;
        }
        let (before, after) = p.context(tok.start, tok.end);
        let mut ctx = before.to_vec();
        ctx.push('|');
        ctx.extend_from_slice(after);
        let score = text::overlap(&keys, &ctx);
        cands.push((*tok, score));
    }
    let specific = !units::is_generic(unit) && unit.dim != units::Dim::Money;
    let lone = cands.len() == 1 && others_same_unit == 0 && specific;
    // A figure without its noun ("完成620个") speaks for the row's one target of its unit.
    let mut bare: Vec<usize> = cands
        .iter()
        .filter(|(tok, _)| is_bare(p, tok))
        .map(|(tok, _)| tok.start)
        .collect();
    if bare.len() > 1 && t.verb.is_some() {
        // "已开工30个，完工22个": for work to finish, the figure of what is finished.
        bare.retain(|&at| !only_started(p, at));
    }
    let lone_bare = (bare.len() == 1 && others_same_unit == 0).then(|| bare[0]);
    let best = cands
        .iter()
        .filter(|(tok, s)| *s >= 2 || lone || lone_bare == Some(tok.start))
        .max_by_key(|(tok, s)| {
            (
                !p.is_partial(tok.start),
                // A figure of work done before one of work still pending ("1家已提交申报").
                !pending(p, tok.start),
                *s,
                p.full_year(tok.start),
                std::cmp::Reverse(tok.start),
            )
        })?;
    let tok = best.0;
    let span = p.figure_span(tok.start, tok.end);
    let clause = text::slice(&p.chars, p.clause_of(tok.start));
    let unfinished = t.verb.is_some() && UNFINISHED.iter().any(|w| text::contains_str(clause, w));
    Some(Figure {
        value: tok.value(),
        span,
        token: Some(tok),
        partial: p.is_partial(tok.start),
        unfinished,
    })
}

/// The clause of a figure says its work is not done ("已提交申报材料", "正在施工").
fn pending(p: &Progress, at: usize) -> bool {
    clause_signal(p, p.clause_of(at), VerbClass::Build, &[]).is_some_and(|s| !s.done())
}

/// The clause of a figure says the work only started ("已开工30个", "在建5个").
fn only_started(p: &Progress, at: usize) -> bool {
    let clause = text::slice(&p.chars, p.clause_of(at));
    UNFINISHED.iter().any(|w| text::contains_str(clause, w))
}

/// "超额完成40所的年度目标任务": the target restated, not a result.
fn restates_target(p: &Progress, tok: &NumToken) -> bool {
    let after = p
        .chars
        .get(tok.end..(tok.end + 6).min(p.chars.len()))
        .unwrap_or(&[]);
    [
        "的年度目标",
        "的目标",
        "的年度任务",
        "的任务",
        "目标任务",
        "年度目标",
        "的全年目标",
    ]
    .iter()
    .any(|w| text::starts_with(after, w))
}

/// "每千人6.8批次": a rate per head, not a count.
fn per_capita(p: &Progress, tok: &NumToken) -> bool {
    let before = p
        .chars
        .get(tok.start.saturating_sub(4)..tok.start)
        .unwrap_or(&[]);
    before.contains(&'每')
}

/// Nothing but a figure in its clause: no noun after it to say what it counts.
fn is_bare(p: &Progress, tok: &NumToken) -> bool {
    let mut i = tok.end;
    while let Some(&c) = p.chars.get(i) {
        if text::is_clause_end(c) || "（(".contains(c) {
            break;
        }
        if ('\u{4e00}'..='\u{9fff}').contains(&c) && !"以上左右余多".contains(c) {
            return false;
        }
        i += 1;
    }
    true
}

fn is_growth_figure(p: &Progress, tok: &NumToken) -> bool {
    let a = tok.start.saturating_sub(5);
    let b = p.chars.get(a..tok.start).unwrap_or(&[]);
    [
        "增长", "下降", "增加", "减少", "提高", "降低", "上升", "增幅", "增速",
    ]
    .iter()
    .any(|w| text::contains_str(b, w))
}

fn is_completion_figure(p: &Progress, tok: &NumToken) -> bool {
    let a = tok.start.saturating_sub(6);
    let b = p.chars.get(a..tok.start).unwrap_or(&[]);
    ["完成", "进度", "总量的"]
        .iter()
        .any(|w| text::contains_str(b, w))
}

const UP: [&str; 7] = ["增长", "增加", "提高", "上升", "增速", "增幅", "提升"];
const DOWN: [&str; 3] = ["下降", "降低", "减少"];

/// Looks for the growth figure that answers a growth target: "同比增长2.54%",
/// "同比下降2.6%", "增长-2.6%", "与2021年持平" (0%).
pub fn find_growth(p: &Progress, t: &ParsedTarget, others_growth: usize) -> Option<Figure> {
    let keys: Vec<char> = t.metric.as_deref().unwrap_or(&t.keywords).chars().collect();
    let mut cands: Vec<(Figure, u32)> = Vec::new();
    for tok in &p.tokens {
        if !tok.unit.is_some_and(units::is_percent) {
            continue;
        }
        let a = tok.start.saturating_sub(4);
        let before = p.chars.get(a..tok.start).unwrap_or(&[]);
        let down = DOWN.iter().find(|w| text::contains_str(before, w));
        let up = UP.iter().find(|w| text::contains_str(before, w));
        let Some(word) = down.or(up) else { continue };
        let mut wstart = a + text::find_str(before, word).unwrap_or(0);
        if wstart >= 2 && p.chars.get(wstart - 2..wstart) == Some(&['同', '比']) {
            wstart -= 2;
        }
        let v = tok.value().abs() * if tok.negative { -1.0 } else { 1.0 };
        let value = if down.is_some() { -v.abs() } else { v };
        cands.push((
            Figure {
                value,
                span: Span {
                    start: wstart,
                    end: tok.end,
                },
                token: Some(*tok),
                partial: p.is_partial(tok.start),
                unfinished: false,
            },
            0,
        ));
    }
    let flat: Vec<char> = "持平".chars().collect();
    let mut from = 0;
    while let Some(at) = text::find(&p.chars, &flat, from) {
        from = at + 2;
        let s = p.sentence_of(at);
        let look = s.start.max(at.saturating_sub(8));
        let start = (look..at)
            .find(|&i| p.chars.get(i) == Some(&'与') || p.chars.get(i) == Some(&'同'))
            .unwrap_or(at);
        cands.push((
            Figure {
                value: 0.0,
                span: Span { start, end: at + 2 },
                token: None,
                partial: p.is_partial(at),
                unfinished: false,
            },
            0,
        ));
    }
    for (f, score) in cands.iter_mut() {
        let s = p.sentence_of(f.span.start);
        let a = s.start.max(f.span.start.saturating_sub(30));
        *score = text::overlap(&keys, p.chars.get(a..f.span.end).unwrap_or(&[]));
    }
    cands.retain(|(f, _)| !p.is_forecast(f.span.start));
    // The one growth figure of a text speaks for the row's one growth target.
    let lone = cands.len() == 1 && others_growth == 0;
    cands.retain(|(_, s)| *s >= 2 || lone);
    cands
        .into_iter()
        .max_by_key(|(f, s)| (!f.partial, *s, std::cmp::Reverse(f.span.start)))
        .map(|(f, _)| f)
}

/// How a deliverable stands according to one stretch of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Signal {
    WeakDone,
    WeakNot,
    StrongDone,
    StrongNot,
    /// "完成70%": under way, not finished.
    Partial,
}

impl Signal {
    pub fn done(self) -> bool {
        matches!(self, Signal::WeakDone | Signal::StrongDone)
    }
    fn strong(self) -> bool {
        !matches!(self, Signal::WeakDone | Signal::WeakNot)
    }
}

/// What kind of completion a deliverable verb asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerbClass {
    Build,
    /// 建设 / 扩建 X: work under way is enough.
    Process,
    Launch,
    LaunchBuild,
    List,
    Create,
    Cover,
    Absence,
}

pub fn verb_class(verb: Option<&str>) -> VerbClass {
    match verb {
        Some("启动") => VerbClass::Launch,
        Some("启动建设" | "开工建设") => VerbClass::LaunchBuild,
        Some("建设" | "提速建设" | "扩建" | "迁建") => VerbClass::Process,
        Some("上市") => VerbClass::List,
        Some("创建" | "争创") => VerbClass::Create,
        Some("实现") => VerbClass::Cover,
        Some("不发生") => VerbClass::Absence,
        _ => VerbClass::Build,
    }
}

const STRONG_DONE: [&str; 38] = [
    "已印发",
    "印发实施",
    "正式印发",
    "已出台",
    "已发布",
    "建成使用",
    "投入投用",
    "投入运行",
    "改造完成",
    "已完成改造",
    "已改造成",
    "已建成",
    "建成投用",
    "建成投运",
    "已投用",
    "正式投用",
    "投入使用",
    "投入运营",
    "已投运",
    "全面投运",
    "已完工",
    "已全部完成",
    "全部完成",
    "已建设完成",
    "建设完成",
    "完成建设",
    "已落户",
    "已经落户",
    "已上市",
    "已竣工",
    "竣工验收",
    "完成率达100%",
    "完成100%",
    "全部实现",
    "成功创建",
    "已获评",
    "已全部建成",
    "已全部整改",
];
const STRONG_NOT: [&str; 42] = [
    "等待",
    "延期",
    "推迟",
    "取消",
    "基本完成",
    "基本建成",
    "基本完工",
    "进行中",
    "筹建",
    "报批",
    "起草",
    "审批中",
    "尚未",
    "未完成",
    "暂未",
    "未通过",
    "未按",
    "未启动",
    "未开工",
    "未建成",
    "未落地",
    "未投用",
    "扫尾",
    "主体完工",
    "主体施工",
    "封顶",
    "预计",
    "计划",
    "将于",
    "正在施工",
    "正在建设",
    "正建设",
    "框架协议",
    "战略协议",
    "合作协议",
    "请示",
    "审核中",
    "正在办理",
    "正在置换",
    "寻找",
    "待",
    "拟",
];
const WEAK_NOT: [&str; 10] = [
    "正在",
    "推进中",
    "正加快",
    "加快推进",
    "有序推进",
    "稳步推进",
    "推进",
    "施工",
    "开工",
    "启动",
];
const WEAK_DONE: [&str; 14] = [
    "已完成",
    "完成",
    "建成",
    "投用",
    "投运",
    "落地",
    "落户",
    "引进",
    "运行",
    "开通",
    "打通",
    "成立",
    "设立",
    "已实现",
];
const PREP: [&str; 10] = [
    "设计", "方案", "前期", "手续", "招标", "地勘", "可研", "立项", "许可", "选址",
];
const LAUNCH_DONE: [&str; 13] = [
    "启动",
    "开工",
    "动工",
    "进场",
    "施工",
    "实施",
    "开展",
    "提交",
    "申报",
    "建设",
    "完成",
    "创建",
    "已开始",
];
const LAUNCH_BUILD_DONE: [&str; 10] = [
    "开工",
    "动工",
    "进场",
    "开建",
    "施工",
    "在建",
    "主体",
    "封顶",
    "已建成",
    "实施",
];
const LAUNCH_NOT: [&str; 4] = ["未启动", "尚未", "暂未", "待"];
/// Work on a project has not started: these decide even beside preparatory work done.
const NOT_STARTED: [&str; 16] = [
    "未开工",
    "未动工",
    "未启动",
    "尚未开工",
    "尚未启动",
    "暂未开工",
    "暂未启动",
    "未进入",
    "等待",
    "寻找",
    "报批",
    "待批",
    "待审批",
    "审批中",
    "筹建",
    "待开工",
];
/// Work on a project is under way (or done), beside the start words of 启动建设.
const UNDER_WAY: [&str; 19] = [
    "建设中",
    "正在建设",
    "正建设",
    "完工",
    "竣工",
    "建成",
    "投用",
    "投运",
    "投入使用",
    "基础工程",
    "开挖",
    "浇筑",
    "桩基",
    "工程总量",
    "工程量",
    "形象进度",
    "整体进度",
    "完成建设",
    "建设完成",
];
/// Under way too, but only where the clause is not about preparation ("已完成地勘").
const STARTED_SOFT: [&str; 2] = ["已启动", "启动"];
/// Only preparation: design, approvals, sites, tenders.
const PREPARATION: [&str; 18] = [
    "设计", "方案", "前期", "手续", "招标", "地勘", "可研", "立项", "许可", "选址", "申报", "规划",
    "洽谈", "工可", "编制", "论证", "勘察", "批复",
];
/// A stage of a building, not the building: "土建完成100%" has not 建成.
const SUB_STEPS: [&str; 9] = [
    "土建",
    "主体",
    "基础",
    "结构",
    "装修",
    "装饰",
    "桩基",
    "一期",
    "外立面",
];
const CREATE_DONE: [&str; 7] = [
    "成功创建",
    "已获评",
    "获评",
    "创建成功",
    "通过验收",
    "被命名",
    "成功入选",
];
const COVER_DONE: [&str; 6] = [
    "已实现",
    "全覆盖",
    "全域覆盖",
    "全部实现",
    "覆盖率达100%",
    "覆盖率100%",
];
const ABSENCE_DONE: [&str; 5] = ["未发生", "没有发生", "无新增", "零发生", "未出现"];

/// Finds `w` in `s`, skipping uses that mean something else (接待 is not 待, 拟定 not 拟,
/// 成功申报 is done, 完成投资 is money spent, not a thing finished).
fn has_word(s: &[char], w: &str) -> bool {
    let len = w.chars().count();
    let mut from = 0;
    while let Some(at) = text::find_str_from(s, w, from) {
        from = at + 1;
        let prev = if at > 0 { s.get(at - 1).copied() } else { None };
        let next = s.get(at + len).copied();
        let skip = match w {
            "待" => {
                matches!(prev, Some('接' | '期' | '对' | '招' | '等' | '优'))
                    || matches!(next, Some('遇'))
            }
            "拟" => matches!(next, Some('定')),
            "申报" => prev == Some('功'),
            "完成" => {
                let rest = s.get(at + 2..).unwrap_or(&[]);
                text::starts_with(rest, "投资")
                    || text::starts_with(rest, "年度投资")
                    || text::starts_with(rest, "产值")
                    || rest
                        .first()
                        .is_some_and(|c| crate::numbers::digit_value(*c).is_some())
            }
            "计划" => matches!(prev, Some('”' | '爱')),
            "施工" | "开工" => {
                let rest = s.get(at + 2..).unwrap_or(&[]);
                ["图", "许可", "单位", "方案", "招标", "前", "手续"]
                    .iter()
                    .any(|w| text::starts_with(rest, w))
            }
            "推进" => false,
            _ => false,
        };
        if !skip {
            return true;
        }
    }
    false
}

fn any(s: &[char], list: &[&str]) -> bool {
    list.iter().any(|w| has_word(s, w))
}

/// A completion percentage below 100 in this clause ("整体完成70%", "完成工程总量的8%").
fn partial_in(p: &Progress, cl: Span) -> Option<(f64, Span)> {
    for tok in &p.tokens {
        if tok.start < cl.start || tok.end > cl.end || !tok.unit.is_some_and(units::is_percent) {
            continue;
        }
        if is_completion_figure(p, tok) && !is_growth_figure(p, tok) {
            let v = tok.value();
            if v < 100.0 {
                return Some((v, cl));
            }
        }
    }
    None
}

/// The strongest signal one clause gives about a deliverable.
pub fn clause_signal(p: &Progress, cl: Span, class: VerbClass, object: &[char]) -> Option<Signal> {
    let s = text::slice(&p.chars, cl);
    let prep = has_word(s, "完成")
        && PREP
            .iter()
            .any(|w| text::contains_str(s, w) && !text::contains_str(object, w));
    match class {
        VerbClass::Launch => {
            if any(s, &LAUNCH_NOT) {
                return Some(Signal::StrongNot);
            }
            return any(s, &LAUNCH_DONE).then_some(Signal::StrongDone);
        }
        VerbClass::LaunchBuild => {
            if any(s, &LAUNCH_NOT) || any(s, &["框架协议", "战略协议", "合作协议"]) || prep
            {
                return Some(Signal::StrongNot);
            }
            return any(s, &LAUNCH_BUILD_DONE).then_some(Signal::StrongDone);
        }
        VerbClass::Absence => {
            return any(s, &ABSENCE_DONE).then_some(Signal::StrongDone);
        }
        VerbClass::Process => return process_signal(p, cl, s),
        _ => {}
    }
    if partial_in(p, cl).is_some() {
        return Some(Signal::Partial);
    }
    let strong_done = match class {
        VerbClass::List => any(s, &["已上市", "成功上市"]),
        VerbClass::Create => any(s, &CREATE_DONE),
        VerbClass::Cover => any(s, &COVER_DONE),
        _ => any(s, &STRONG_DONE),
    };
    let strong_not = any(s, &STRONG_NOT) || (has_word(s, "申报") && class != VerbClass::Create);
    if strong_not {
        return Some(Signal::StrongNot);
    }
    if strong_done {
        if class == VerbClass::Build && stage_only(s, object) {
            return Some(Signal::StrongNot);
        }
        return Some(Signal::StrongDone);
    }
    if matches!(
        class,
        VerbClass::List | VerbClass::Create | VerbClass::Cover
    ) {
        return None;
    }
    if prep || any(s, &WEAK_NOT) {
        return Some(Signal::WeakNot);
    }
    let weak_done = match class {
        VerbClass::List | VerbClass::Create | VerbClass::Cover => false,
        _ => any(s, &WEAK_DONE),
    };
    if weak_done && class == VerbClass::Build && stage_only(s, object) {
        return Some(Signal::WeakNot);
    }
    weak_done.then_some(Signal::WeakDone)
}

/// A stage finished is not the whole ("土建完成100%", "完成桩基"), unless the object is that
/// stage or the clause says the whole is done.
fn stage_only(s: &[char], object: &[char]) -> bool {
    let stage = SUB_STEPS
        .iter()
        .any(|w| text::contains_str(s, w) && !text::contains_str(object, w));
    let whole = [
        "全部",
        "整体",
        "全面",
        "项目已",
        "已建成",
        "投用",
        "投入使用",
    ]
    .iter()
    .any(|w| text::contains_str(s, w));
    stage && !whole
}

/// A project under way (or done) against one not started; preparation alone is not a start.
fn process_signal(p: &Progress, cl: Span, s: &[char]) -> Option<Signal> {
    let plan = FORECAST.iter().any(|w| text::contains_str(s, w)) || has_word(s, "拟");
    // "待…后再启动": waiting for something before starting.
    let waiting = text::find_str(s, "待").is_some_and(|at| {
        s.get(at..)
            .is_some_and(|r| r.contains(&'后') && !text::starts_with(r, "待验收"))
    });
    if any(s, &NOT_STARTED) || waiting {
        return Some(Signal::StrongNot);
    }
    if plan {
        return Some(Signal::WeakNot);
    }
    if any(s, &LAUNCH_BUILD_DONE) || any(s, &UNDER_WAY) || partial_in(p, cl).is_some() {
        return Some(Signal::StrongDone);
    }
    if PREPARATION.iter().any(|w| text::contains_str(s, w)) {
        return Some(Signal::WeakNot);
    }
    if any(s, &STARTED_SOFT) {
        return Some(Signal::StrongDone);
    }
    // "已完成…" without saying what: weak, so a clause about the works decides first.
    any(s, &["已完成", "推进", "实施", "加快"]).then_some(Signal::WeakDone)
}

/// Positions where one of `names` is mentioned, exactly or nearly (三利普/三利谱).
/// Names are tried in order, most specific first; the first one found is used.
pub fn mentions(p: &Progress, names: &[String]) -> Vec<(usize, usize)> {
    for n in names {
        let found = mentions_of(p, n);
        if !found.is_empty() {
            return found;
        }
    }
    Vec::new()
}

fn mentions_of(p: &Progress, n: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    {
        let key: Vec<char> = n.chars().filter(|c| !"“”《》".contains(*c)).collect();
        if key.len() < 2 {
            return out;
        }
        let mut from = 0;
        while let Some(at) = text::find(&p.chars, &key, from) {
            out.push((at, at + key.len()));
            from = at + 1;
        }
        if !out.is_empty() || key.len() < 5 {
            return out;
        }
        // Near spellings: most of the name's chars, in order, within a short window.
        let w = key.len() + 3;
        let need = (key.len() * 3).div_ceil(4);
        let mut i = 0;
        while i < p.chars.len() {
            if p.chars.get(i) == key.first() || p.chars.get(i) == key.get(1) {
                let end = (i + w).min(p.chars.len());
                let win = p.chars.get(i..end).unwrap_or(&[]);
                if text::lcs(&key, win) >= need {
                    out.push((i, end));
                    i = end;
                    continue;
                }
            }
            i += 1;
        }
        if out.is_empty() && !COMMON_PREFIX.iter().any(|c| text::starts_with(&key, c)) {
            // A company is often named by its first chars only ("万普隆公司").
            let head = key.get(..3).unwrap_or(&[]);
            let mut from = 0;
            while let Some(at) = text::find(&p.chars, head, from) {
                out.push((at, at + 3));
                from = at + 1;
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

const COMMON_PREFIX: [&str; 10] = [
    "营商",
    "国际",
    "重庆",
    "全国",
    "中国",
    "全区",
    "城市",
    "区域",
    "西部",
    "沙坪坝",
];

/// The decision a sentence gives, walking its clauses from the mention on: the first
/// clause with a strong signal decides, else the first with a weak one.
pub fn sentence_decision(
    p: &Progress,
    mention: usize,
    class: VerbClass,
    object: &[char],
) -> Option<(Signal, Span)> {
    let sent = p.sentence_of(mention);
    let first = p.clause_of(mention).start;
    let mut weak: Option<(Signal, Span)> = None;
    for cl in p
        .clauses
        .iter()
        .copied()
        .filter(|c| c.start >= first && c.end <= sent.end)
    {
        if let Some(sig) = clause_signal(p, cl, class, object) {
            if sig.strong() {
                let span = partial_in(p, cl).map_or(cl, |(_, s)| s);
                return Some((sig, span));
            }
            if weak.is_none() {
                weak = Some((sig, cl));
            }
        }
    }
    weak
}

/// Strong signals anywhere in the progress, for a task whose only target this is.
pub fn whole_decision(p: &Progress, class: VerbClass, object: &[char]) -> Option<(Signal, Span)> {
    let mut done: Option<(Signal, Span)> = None;
    let mut prep: Option<(Signal, Span)> = None;
    for cl in p.clauses.iter().copied() {
        match clause_signal(p, cl, class, object) {
            Some(s @ (Signal::Partial | Signal::StrongNot)) => return Some((s, cl)),
            Some(Signal::StrongDone) if done.is_none() => done = Some((Signal::StrongDone, cl)),
            Some(Signal::WeakNot) if prep.is_none() => prep = Some((Signal::WeakNot, cl)),
            _ => {}
        }
    }
    // A project with nothing but design and approvals to show has not started.
    done.or(prep.filter(|_| class == VerbClass::Process))
}

/// The completion percentage in a span, for the evidence's value.
pub fn partial_value(p: &Progress, sp: Span) -> Option<f64> {
    partial_in(p, sp).map(|(v, _)| v)
}

/// Words that say work has not started.
pub fn not_started(s: &str) -> bool {
    [
        "未开工",
        "未动工",
        "未启动",
        "尚未",
        "暂未",
        "未进入",
        "寻找",
        "未落地",
        "未实施",
    ]
    .iter()
    .any(|w| s.contains(w))
}

/// "预计全年增长3%，未达到年度目标": a clause that states the target is missed.
pub fn stated_miss(p: &Progress) -> Option<Span> {
    const MISS: [&str; 7] = [
        "未达到",
        "未能完成",
        "难以完成",
        "无法完成",
        "未完成",
        "达不到",
        "完不成",
    ];
    p.clauses.iter().copied().find(|&cl| {
        let s = text::slice(&p.chars, cl);
        let bare: String = s.iter().filter(|c| !"。，；！ ".contains(**c)).collect();
        // A cell that only says so ("未完成", "尚未开工") is as plain a statement.
        [
            "未完成",
            "尚未完成",
            "未开工",
            "尚未开工",
            "未启动",
            "尚未启动",
        ]
        .contains(&bare.as_str())
            || (MISS.iter().any(|w| text::contains_str(s, w))
                && ["目标", "任务", "预期"]
                    .iter()
                    .any(|w| text::contains_str(s, w)))
    })
}

/// Parts that are kinds of the target add up ("新建8个、提档升级16个产业基地" toward 10个):
/// the figures in the found figure's sentence with the same unit and the target's head
/// noun after them, outside a 其中 breakdown. `None` when there is only the one.
pub fn parts_sum(p: &Progress, t: &ParsedTarget, f: &Figure) -> Option<f64> {
    let unit = t.unit?;
    let tok = f.token?;
    let metric: Vec<char> = t.metric.as_deref()?.chars().collect();
    let head = metric.get(metric.len().checked_sub(2)?..)?;
    let sent = p.sentence_of(tok.start);
    let breakdown = text::find_str(text::slice(&p.chars, sent), "其中").map(|i| sent.start + i);
    let mut sum = 0.0;
    let mut n = 0;
    for other in p
        .tokens
        .iter()
        .filter(|o| o.start >= sent.start && o.end <= sent.end)
    {
        if !other.unit.is_some_and(|u| units::compatible(u, unit))
            || pending(p, other.start)
            || breakdown.is_some_and(|b| other.start > b)
            || restates_target(p, other)
            || per_capita(p, other)
            || p.is_forecast(other.start)
        {
            continue;
        }
        let (_, after) = p.context(other.start, other.end);
        let noun_after = p
            .chars
            .get(other.end..(other.end + 24).min(sent.end))
            .is_some_and(|a| text::find(a, head, 0).is_some_and(|i| !a[..i].contains(&'，')));
        if other.start == tok.start || noun_after || text::find(after, head, 0).is_some() {
            sum += other.value();
            n += 1;
        }
    }
    (n > 1).then_some(sum)
}

/// Named items counted against a count ("甲、乙、丙驿站已投用，丁驿站在建" toward 建成4个驿站):
/// the items named with the target's head noun in clauses that say they are done, and
/// the span of the first. `None` unless at least two items are named.
pub fn count_named(p: &Progress, t: &ParsedTarget) -> Option<(f64, Span)> {
    let metric: Vec<char> = t.metric.as_deref()?.chars().collect();
    let head = metric.get(metric.len().checked_sub(2)?..)?;
    let mut named = 0usize;
    let mut done = 0usize;
    let mut first: Option<Span> = None;
    let mut seen: Option<Span> = None;
    for cl in p.clauses.iter().copied() {
        let s = text::slice(&p.chars, cl);
        let Some(at) = text::find(s, head, 0) else {
            continue;
        };
        let mut times = 0;
        let mut from = 0;
        while let Some(i) = text::find(s, head, from) {
            times += 1;
            from = i + head.len();
        }
        // "甲、乙等项目" is an open list: it cannot be counted.
        if s.get(at.saturating_sub(3)..at)
            .is_some_and(|b| b.contains(&'等'))
        {
            return None;
        }
        let listed = 1 + s
            .get(..at)
            .unwrap_or(&[])
            .iter()
            .filter(|&&c| c == '、')
            .count();
        let items = times.max(listed);
        named += items;
        seen.get_or_insert(cl);
        if clause_signal(p, cl, VerbClass::Build, &metric).is_some_and(Signal::done) {
            done += items;
            first.get_or_insert(cl);
        }
    }
    // The evidence is the first item done, else the first item named.
    let span = first.or(seen)?;
    (named >= 2).then_some((done as f64, span))
}
