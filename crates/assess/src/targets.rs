//! Reading checkable targets from a task's Chinese text.

use duban_model::{Comparator, TargetKind};

use crate::numbers::{NumToken, scan_numbers};
use crate::text::{self, Span};
use crate::units::{self, Unit};

/// A target read from task text, before any evidence is looked for.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedTarget {
    /// The phrase stating the target ("进口整车5000辆以上").
    pub text: String,
    /// Where the phrase sits in the task text, in chars.
    pub start: usize,
    pub end: usize,
    pub kind: TargetKind,
    /// What is measured or delivered ("进口整车", "公共停车位", "两溪花谷").
    pub metric: Option<String>,
    pub comparator: Option<Comparator>,
    /// Normalised: 10万平方米 → 100000, 15% → 15.
    pub value: Option<f64>,
    pub unit: Option<Unit>,
    /// The figure as written ("10万平方米").
    pub figure: Option<String>,
    /// The verb that says what must happen (建成, 完成, 引进 …), if the text has one.
    pub verb: Option<String>,
    /// For deliverables and counted objects: names to look for in the progress.
    pub names: Vec<String>,
    /// The words around a figure, used to match evidence to it.
    pub keywords: String,
    /// The verb only asks for effort ("加快建设…4所"), not for completion.
    pub weak: bool,
}

const GROWTH_UP: [&str; 8] = [
    "增长", "增加", "提高", "提升", "增速", "增幅", "上升", "增收",
];
const GROWTH_DOWN: [&str; 4] = ["下降", "降低", "减少", "压减"];
const GE_BEFORE: [&str; 10] = [
    "不低于",
    "不少于",
    "至少",
    "达到",
    "突破",
    "超过",
    "高于",
    "保持在",
    "达",
    "为",
];
const LE_BEFORE: [&str; 5] = ["不超过", "不高于", "控制在", "低于", "以内"];
const SUFFIX_GE: [&str; 3] = ["及以上", "以上", "左右"];
const SUFFIX_LE: [&str; 3] = ["以内", "以下", "之内"];
const LEAD_NOISE: [&str; 8] = [
    "确保全年",
    "确保",
    "全年",
    "力争",
    "实现",
    "年度",
    "年内",
    "累计",
];

/// Modifiers that can precede a verb without changing what must be delivered.
const MODIFIERS: [&str; 18] = [
    "高水平",
    "高质量",
    "高标准",
    "全面",
    "积极",
    "加快",
    "推动",
    "推进",
    "促进",
    "大力",
    "着力",
    "确保",
    "力争",
    "争取",
    "尽快",
    "全力",
    "进一步",
    "率先",
];
/// Modifiers that turn a construction verb into a request for effort only.
const WEAK_MODIFIERS: [&str; 3] = ["加快", "推进", "推动"];

/// Verbs that state something to be delivered, longest first.
const DELIVERABLE_VERBS: [&str; 29] = [
    "办好",
    "举办",
    "建成投用",
    "启动建设",
    "开工建设",
    "提速建设",
    "新建成",
    "新建",
    "迁建",
    "建设",
    "全面完成",
    "建成",
    "完成",
    "投用",
    "落户",
    "创建",
    "争创",
    "引进",
    "成立",
    "设立",
    "启动",
    "实现",
    "扩建",
    "增设",
    "制定",
    "出台",
    "修复",
    "打通",
    "开通",
];
const SUFFIX_VERBS: [&str; 3] = ["上市", "落地", "投用"];

/// Verbs before a figure that ask for something to be finished.
const QUANTITY_VERBS: [&str; 20] = [
    "新改建",
    "治理修复",
    "建成",
    "新建",
    "完成",
    "改造",
    "拆除",
    "打造",
    "打通",
    "新增",
    "栽种",
    "引进",
    "引育",
    "培育",
    "孵化",
    "实施",
    "整治",
    "建设",
    "新改",
    "改厕",
];

/// Nouns that end the name of a place or project; lists of such names are separate
/// deliverables ("江山公园、两溪花谷"), other lists share one head ("西永、土主污水处理厂").
const HEADS: [&str; 41] = [
    "学",
    "园",
    "谷",
    "线",
    "中心",
    "工程",
    "项目",
    "馆",
    "厂",
    "站",
    "所",
    "校",
    "院",
    "路",
    "桥",
    "道",
    "港",
    "城",
    "区",
    "基地",
    "平台",
    "总部",
    "大厦",
    "期",
    "镇",
    "室",
    "库",
    "场",
    "楼",
    "会址",
    "口岸",
    "村",
    "街",
    "公司",
    "机构",
    "综合体",
    "片",
    "设施",
    "隧道",
    "枢纽",
    "廊",
];

/// Verbs that ask for work on a named project to be under way, not finished (建设 X,
/// 扩建 X): met when work is shown started, not met when it has not started.
const PROCESS_VERBS: [&str; 4] = ["建设", "提速建设", "扩建", "迁建"];
/// The same verbs closing a clause after 加快/推进/推动 ("加快…综合体建设").
const SUFFIX_PROCESS: [&str; 3] = ["建设", "迁建", "扩建"];

/// Endings of a task that is itself a project's name ("滨河公园建设项目"): what is left is
/// the project; 建设 asks for work under way, 改造/提升 for the work done.
const TITLE_ENDINGS: [(&str, &str); 7] = [
    ("建设项目", "建设"),
    ("建设工程", "建设"),
    ("改造提升项目", "改造"),
    ("提升改造项目", "改造"),
    ("改造项目", "改造"),
    ("提升项目", "改造"),
    ("建设", "建设"),
];

fn strip_prefixes<'a>(mut s: &'a [char], list: &[&str]) -> &'a [char] {
    loop {
        let before = s.len();
        for p in list {
            if text::starts_with(s, p) {
                s = s.get(p.chars().count()..).unwrap_or(&[]);
            }
        }
        if s.len() == before {
            return s;
        }
    }
}

fn strip_suffixes<'a>(mut s: &'a [char], list: &[&str]) -> &'a [char] {
    loop {
        let before = s.len();
        for p in list {
            if text::ends_with(s, p) {
                s = s.get(..s.len() - p.chars().count()).unwrap_or(&[]);
            }
        }
        if s.len() == before {
            return s;
        }
    }
}

fn to_string(s: &[char]) -> String {
    s.iter().collect()
}

fn trim_punct(s: &[char]) -> &[char] {
    let mut a = 0;
    let mut b = s.len();
    // An opening quote stays when its name is closed inside ("“绿道”公园").
    let closed = |a: usize| s.get(a + 1..b).is_some_and(|r| r.contains(&'”'));
    while a < b
        && s.get(a).is_some_and(|c| {
            ("、，。；：\"”“ ".contains(*c) || c.is_whitespace()) && !(*c == '“' && closed(a))
        })
    {
        a += 1;
    }
    while b > a
        && s.get(b - 1)
            .is_some_and(|c| "、，。；：\"“ ".contains(*c) || c.is_whitespace())
    {
        b -= 1;
    }
    s.get(a..b).unwrap_or(&[])
}

/// Reads every checkable target in a task's text.
///
/// Figures give quantity, growth and share targets; completion verbs (建成, 完成, 引进 …)
/// give deliverables, one per named object. Figures inside quotation marks are names
/// ("十项全面清理"), and small Chinese numerals are slogans ("四个意识"): neither is a target.
/// A text with no checkable target yields nothing; the caller marks the task qualitative.
pub fn parse_targets(task_text: &str) -> Vec<ParsedTarget> {
    let chars = crate::script::simplified(task_text);
    let quoted = text::quoted_mask(&chars);
    let mut out = Vec::new();
    let clauses = text::clauses(&chars);
    let whole = clauses.len() == 1;
    for cl in clauses {
        let clause = text::slice(&chars, cl);
        let all: Vec<NumToken> = scan_numbers(clause);
        let toks: Vec<NumToken> = all
            .iter()
            .copied()
            .filter(|t| t.unit.is_some())
            .filter(|t| !quoted.get(cl.start + t.start).copied().unwrap_or(false))
            .filter(|t| !(t.chinese && t.raw < 10.0))
            .filter(|t| !is_from_value(clause, t, &all))
            .collect();
        let before_count = out.len();
        for t in &toks {
            if let Some(p) = numeric_target(&chars, cl, t, &toks) {
                out.push(p);
            }
        }
        if let Some(p) = doubling(&chars, cl) {
            out.push(p);
        }
        if out.len() == before_count {
            deliverables(&chars, cl, whole, &mut out);
        }
    }
    out
}

/// "从500元提高到550元": the first figure is where the work starts, not the target.
fn is_from_value(clause: &[char], t: &NumToken, all: &[NumToken]) -> bool {
    let before = clause
        .get(t.start.saturating_sub(6)..t.start)
        .unwrap_or(&[]);
    if !before.contains(&'从') {
        return false;
    }
    all.iter().any(|n| {
        n.start > t.end
            && n.start <= t.end + 8
            && n.unit.map(|u| u.dim) == t.unit.map(|u| u.dim)
            && {
                let between = clause.get(t.end..n.start).unwrap_or(&[]);
                between.contains(&'到') || between.contains(&'至')
            }
    })
}

fn doubling(chars: &[char], cl: Span) -> Option<ParsedTarget> {
    let clause = text::slice(chars, cl);
    let (pat, value) = [("翻两番", 300.0), ("翻一番", 100.0), ("翻番", 100.0)]
        .into_iter()
        .find(|(p, _)| text::contains_str(clause, p))?;
    let at = text::find_str(clause, pat)?;
    let metric = trim_punct(strip_prefixes(clause.get(..at).unwrap_or(&[]), &LEAD_NOISE));
    let end = cl.start + at + pat.chars().count();
    Some(ParsedTarget {
        text: text::string(
            chars,
            Span {
                start: cl.start,
                end,
            },
        ),
        start: cl.start,
        end,
        kind: TargetKind::Growth,
        metric: (!metric.is_empty()).then(|| to_string(metric)),
        comparator: Some(Comparator::Ge),
        value: Some(value),
        unit: units::parse_unit("%"),
        figure: Some(pat.to_string()),
        verb: None,
        names: Vec::new(),
        keywords: to_string(metric),
        weak: false,
    })
}

fn numeric_target(
    chars: &[char],
    cl: Span,
    t: &NumToken,
    figures: &[NumToken],
) -> Option<ParsedTarget> {
    let unit = t.unit?;
    let clause = text::slice(chars, cl);
    // The figure's own segment: targets listed together are joined with 、, but a 、
    // between words of one target ("红色、都市、乡村主题精品游线路") does not split it.
    let seg_start = (0..t.start)
        .rev()
        .find(|&i| clause.get(i) == Some(&'、') && figures.iter().any(|f| f.end <= i))
        .map_or(0, |i| i + 1);
    let seg_end = (t.end..clause.len())
        .find(|&i| clause.get(i) == Some(&'、') && figures.iter().any(|f| f.start > i))
        .unwrap_or(clause.len());
    let before = clause.get(seg_start..t.start).unwrap_or(&[]);
    let mut after = clause.get(t.end..seg_end).unwrap_or(&[]);
    let mut comparator = None;
    let mut suffix_len = 0;
    for s in SUFFIX_GE {
        if text::starts_with(after, s) {
            comparator = Some(Comparator::Ge);
            suffix_len = s.chars().count();
            break;
        }
    }
    for s in SUFFIX_LE {
        if text::starts_with(after, s) {
            comparator = Some(Comparator::Le);
            suffix_len = s.chars().count();
            break;
        }
    }
    after = after.get(suffix_len..).unwrap_or(&[]);
    let floor = ["不低于", "不少于"]
        .iter()
        .any(|w| text::contains_str(before, w));
    if !floor && LE_BEFORE.iter().any(|w| text::contains_str(before, w)) {
        comparator = Some(Comparator::Le);
    }

    let mut kind = TargetKind::Quantity;
    let mut value = t.value();
    let mut metric_src = before;
    if units::is_percent(unit) || unit.dim == units::Dim::Permille {
        kind = TargetKind::Share;
        let tail_start = before.len().saturating_sub(4);
        let tail = before.get(tail_start..).unwrap_or(&[]);
        let up = GROWTH_UP.iter().find(|w| text::contains_str(tail, w));
        let down = GROWTH_DOWN.iter().find(|w| text::contains_str(tail, w));
        if let Some(w) = up.or(down) {
            kind = TargetKind::Growth;
            let at = tail_start + text::find_str(tail, w).unwrap_or(0);
            metric_src = before.get(..at).unwrap_or(&[]);
            if down.is_some() && up.is_none() {
                value = -value.abs();
                if comparator.is_none() {
                    comparator = Some(Comparator::Le);
                }
            }
        }
    }
    let comparator = comparator.unwrap_or(Comparator::Ge);

    let lead = trim_punct(strip_prefixes(before, &LEAD_NOISE));
    let metric_before = trim_punct(strip_suffixes(
        strip_prefixes(metric_src, &LEAD_NOISE),
        &GE_BEFORE
            .iter()
            .chain(LE_BEFORE.iter())
            .copied()
            .collect::<Vec<_>>(),
    ));
    let after_trim = trim_punct(after);
    let metric = if kind == TargetKind::Quantity && !after_trim.is_empty() {
        after_trim
    } else {
        metric_before
    };
    // A verb at the head of the clause governs every figure listed after it.
    let head = trim_punct(strip_prefixes(clause, &LEAD_NOISE));
    let verb = QUANTITY_VERBS
        .iter()
        .find(|v| text::starts_with(strip_prefixes(head, &MODIFIERS), v))
        .map(|v| v.to_string());
    let weak = WEAK_MODIFIERS.iter().any(|w| text::starts_with(head, w));

    let mut names = Vec::new();
    if kind == TargetKind::Quantity {
        let generic = after_trim.is_empty() || text::starts_with(after_trim, "项目");
        if !generic {
            names.push(to_string(after_trim));
            if after_trim.len() >= 5 {
                names.push(to_string(
                    after_trim.get(after_trim.len() - 3..).unwrap_or(&[]),
                ));
            }
        } else {
            let mut obj = match text::find_str(lead, "等") {
                Some(d) => lead.get(..d).unwrap_or(&[]),
                None => lead,
            };
            obj = strip_prefixes(obj, &MODIFIERS);
            if let Some(v) = QUANTITY_VERBS.iter().find(|v| text::starts_with(obj, v)) {
                obj = obj.get(v.chars().count()..).unwrap_or(&[]);
            }
            let obj = trim_punct(strip_suffixes(obj, &GE_BEFORE));
            if obj.len() >= 2 {
                names.push(to_string(obj));
                // The head noun alone ("危房" of "C、D级危房") is how progress texts refer back.
                let tail = obj
                    .iter()
                    .rev()
                    .take_while(|c| ('\u{4e00}'..='\u{9fff}').contains(*c))
                    .count();
                if tail >= 2 && obj.len() >= 3 {
                    names.push(to_string(obj.get(obj.len() - 2..).unwrap_or(&[])));
                }
            }
        }
    }

    let start = cl.start + seg_start;
    let end = if kind == TargetKind::Quantity && !after_trim.is_empty() {
        cl.start + seg_end
    } else {
        cl.start + t.end + suffix_len
    };
    let mut keywords = to_string(before);
    keywords.push_str(&to_string(after));
    Some(ParsedTarget {
        text: text::string(chars, Span { start, end }),
        start,
        end,
        kind,
        metric: (!metric.is_empty()).then(|| to_string(metric)),
        comparator: Some(comparator),
        value: Some(value),
        unit: Some(unit),
        figure: Some(to_string(clause.get(t.start..t.end).unwrap_or(&[]))),
        verb,
        names,
        keywords,
        weak,
    })
}

/// Scale words that make "…中心/枢纽/高地" a standing to reach, not a site to build.
const ASPIRATION: [&str; 9] = [
    "国际",
    "区域性",
    "全国",
    "全球",
    "世界级",
    "一流",
    "西部",
    "示范城市",
    "消费中心",
];

fn aspiration(object: &[char]) -> bool {
    ASPIRATION.iter().any(|w| text::contains_str(object, w))
}

/// Words that describe a kind of thing rather than name one.
const CATEGORY_WORDS: [&str; 30] = [
    "一批",
    "一系列",
    "若干",
    "新型",
    "美丽",
    "智慧",
    "数字",
    "绿色",
    "现代化",
    "现代",
    "特色",
    "示范",
    "重点",
    "基础",
    "公共",
    "城乡",
    "农村",
    "乡村",
    "产业",
    "配套",
    "各类",
    "全域",
    "高标准",
    "标准化",
    "园区",
    "社区",
    "城市",
    "口袋",
    "小微",
    "民生",
];

/// "智慧园区", "新型基础设施", "一批口袋公园": a category of works, no project named — what
/// is left after the category words is at most a head noun.
fn category(object: &[char]) -> bool {
    let rest = strip_prefixes(object, &CATEGORY_WORDS);
    rest.is_empty() || (rest.len() <= 2 && has_head(rest))
}

fn has_head(item: &[char]) -> bool {
    HEADS.iter().any(|h| text::ends_with(item, h))
}

/// Names inside quotation marks ("清水绿岸"): the most specific thing to look for.
fn quoted_names(s: &[char]) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<Vec<char>> = None;
    for &c in s {
        match c {
            '“' | '《' => cur = Some(Vec::new()),
            '”' | '》' => {
                if let Some(n) = cur.take()
                    && n.len() >= 2
                {
                    out.push(n.into_iter().collect());
                }
            }
            _ => {
                if let Some(n) = cur.as_mut() {
                    n.push(c);
                }
            }
        }
    }
    out
}

/// The clause without a trailing period in parentheses ("(2013—2017年)", "（2022年底）").
fn without_period(clause: &[char]) -> &[char] {
    let t = trim_punct(clause);
    if let Some(&last) = t.last()
        && (last == ')' || last == '）')
        && let Some(open) = t.iter().rposition(|&c| c == '(' || c == '（')
        && t.get(open..).is_some_and(|inner| inner.contains(&'年'))
    {
        return t.get(..open).unwrap_or(t);
    }
    t
}

fn deliverables(chars: &[char], cl: Span, whole: bool, out: &mut Vec<ParsedTarget>) {
    let full = text::slice(chars, cl);
    let clause = without_period(full);
    // Offsets below are into `clause`, which starts where the trimmed clause starts.
    let cl = Span {
        start: cl.start + text::find(full, clause, 0).unwrap_or(0),
        end: cl.end,
    };
    let mut weak = false;
    let mut rest = clause;
    loop {
        let before = rest.len();
        for m in MODIFIERS {
            if text::starts_with(rest, m) {
                weak |= WEAK_MODIFIERS.contains(&m);
                rest = rest.get(m.chars().count()..).unwrap_or(&[]);
            }
        }
        if rest.len() == before {
            break;
        }
    }
    let mut verb: Option<&str> = DELIVERABLE_VERBS
        .iter()
        .find(|v| text::starts_with(rest, v))
        .copied();
    let mut object: &[char] = match verb {
        Some(v) => rest.get(v.chars().count()..).unwrap_or(&[]),
        None => &[],
    };
    if verb.is_none() && rest.len() < clause.len() {
        // "推动万普隆能源科技上市": the verb closes the clause.
        if let Some(v) = SUFFIX_VERBS.iter().find(|v| text::ends_with(rest, v)) {
            verb = Some(v);
            object = rest.get(..rest.len() - v.chars().count()).unwrap_or(&[]);
        }
    }
    let mut title_form = false;
    if verb.is_none() && rest.len() < clause.len() {
        // "推动科学大道等工程建设": the process verb closes the clause.
        if let Some(v) = SUFFIX_PROCESS.iter().find(|v| text::ends_with(rest, v)) {
            verb = Some(v);
            object = rest.get(..rest.len() - v.chars().count()).unwrap_or(&[]);
            title_form = true;
        }
    }
    if verb.is_none() && whole {
        // A task that is a project's name ("滨河公园建设项目").
        if let Some((end, v)) = TITLE_ENDINGS.iter().find(|(e, _)| text::ends_with(rest, e)) {
            verb = Some(v);
            object = rest.get(..rest.len() - end.chars().count()).unwrap_or(&[]);
            title_form = true;
        }
    }
    if verb.is_none()
        && let Some(at) = ["实现全覆盖", "实现全域覆盖"]
            .iter()
            .find_map(|w| text::find_str(rest, w))
    {
        // "营养餐实现全覆盖": the object comes first.
        verb = Some("实现");
        object = rest.get(..at).unwrap_or(&[]);
        title_form = true;
    }
    if verb.is_none()
        && let Some(at) = text::find_str(clause, "不发生")
    {
        verb = Some("不发生");
        object = clause.get(at + 3..).unwrap_or(&[]);
    }
    let Some(verb) = verb else { return };
    if verb == "实现" && !title_form {
        let Some(cut) = ["全域覆盖", "全覆盖"]
            .iter()
            .find(|s| text::ends_with(object, s))
        else {
            return;
        };
        object = object
            .get(..object.len() - cut.chars().count())
            .unwrap_or(&[]);
    }
    object = strip_suffixes(object, &["建设", "工作", "创建", "迁建"]);
    if let Some(d) = text::find_str(object, "等") {
        object = object.get(..d).unwrap_or(&[]);
    }
    let object = trim_punct(object);
    if object.len() < 2 {
        return;
    }
    let items: Vec<&[char]> = object
        .split(|&c| c == '、')
        .filter(|s| !s.is_empty())
        .collect();
    let separate = items.len() > 1 && items.iter().all(|i| has_head(i));
    // 建设 X asks for a named physical project: general work ("建设配套功能") is not one,
    // nor a standing to reach ("建设国际消费中心", "区域性金融中心").
    if PROCESS_VERBS.contains(&verb)
        && (!(has_head(object) || separate) || aspiration(object) || category(object))
    {
        return;
    }
    let obj_start = cl.start + text::find(clause, object, 0).unwrap_or(0);
    let make = |name: &[char], names: Vec<String>, start: usize, end: usize| ParsedTarget {
        text: format!("{}{}", verb, to_string(name)),
        start,
        end,
        kind: TargetKind::Deliverable,
        metric: Some(to_string(name)),
        comparator: None,
        value: None,
        unit: None,
        figure: None,
        verb: Some(verb.to_string()),
        names,
        keywords: to_string(name),
        weak,
    };
    if separate {
        let mut off = obj_start;
        for item in items {
            let mut names = quoted_names(item);
            let plain: String = item.iter().filter(|c| !"“”《》".contains(**c)).collect();
            names.push(plain);
            out.push(make(item, names, off, off + item.len()));
            off += item.len() + 1;
        }
    } else {
        let mut names = quoted_names(object);
        names.push(to_string(object));
        if items.len() > 1 {
            for i in &items {
                let plain: String = i.iter().filter(|c| !"“”《》".contains(**c)).collect();
                if plain.chars().count() >= 2 {
                    names.push(plain);
                }
            }
        }
        out.push(make(object, names, obj_start, obj_start + object.len()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> ParsedTarget {
        let t = parse_targets(s);
        assert_eq!(t.len(), 1, "{s}: {t:#?}");
        t.into_iter().next().unwrap()
    }

    #[test]
    fn quantities() {
        let t = one("进口整车5000辆以上");
        assert_eq!(t.kind, TargetKind::Quantity);
        assert_eq!(t.value, Some(5000.0));
        assert_eq!(t.comparator, Some(Comparator::Ge));
        assert_eq!(t.metric.as_deref(), Some("进口整车"));
        assert_eq!(t.text, "进口整车5000辆以上");

        let t = one("新增5000个公共停车位");
        assert_eq!(t.metric.as_deref(), Some("公共停车位"));
        let t = one("完成125公里道路综合整治");
        assert_eq!(t.value, Some(125_000.0));
        assert_eq!(t.metric.as_deref(), Some("道路综合整治"));
        let t = one("新建2个标准化派出所");
        assert_eq!(t.value, Some(2.0));
        assert!(t.names.contains(&"派出所".to_string()));
        let t = one("引进新型金融机构2家");
        assert_eq!(t.unit.map(|u| u.base), Some("家"));
        let t = one("打造5条红色、都市、乡村主题精品游线路");
        assert_eq!(t.metric.as_deref(), Some("红色、都市、乡村主题精品游线路"));
        let t = parse_targets("引育10名领军人才、200名高层次人才");
        assert_eq!(t[1].metric.as_deref(), Some("高层次人才"));
        let t = one("突破2000亿元");
        assert_eq!(t.value, Some(2.0e11));
        let t = one("确保全年优良天数达306天");
        assert_eq!(t.metric.as_deref(), Some("优良天数"));
        assert_eq!(t.value, Some(306.0));
        let t = one("拆除新山路沿线10万平方米违法建筑");
        assert_eq!(t.value, Some(100_000.0));
        let t = one("技术交易合同登记额不低于500项");
        assert_eq!(t.comparator, Some(Comparator::Ge));
    }

    #[test]
    fn growth_and_share() {
        let t = one("技术交易合同登记额增长15%");
        assert_eq!(t.kind, TargetKind::Growth);
        assert_eq!(t.metric.as_deref(), Some("技术交易合同登记额"));
        assert_eq!(t.value, Some(15.0));
        let t = one("物流业增加值增长20%以上");
        assert_eq!(t.kind, TargetKind::Growth);
        assert_eq!(t.value, Some(20.0));
        let t = one("民间投资占比60%以上");
        assert_eq!(t.kind, TargetKind::Share);
        assert_eq!(t.value, Some(60.0));
        let t = one("城市生活垃圾回收利用率达40%");
        assert_eq!(t.kind, TargetKind::Share);
        let t = one("调查失业率控制在4.5%以内");
        assert_eq!(t.comparator, Some(Comparator::Le));
        assert_eq!(t.value, Some(4.5));
        let t = one("地区生产总值翻一番");
        assert_eq!(t.kind, TargetKind::Growth);
        assert_eq!(t.value, Some(100.0));
    }

    #[test]
    fn deliverables_split_on_named_places() {
        let t = parse_targets("建成江山公园、两溪花谷、江野风情岸线");
        let names: Vec<_> = t.iter().filter_map(|t| t.metric.clone()).collect();
        assert_eq!(names, vec!["江山公园", "两溪花谷", "江野风情岸线"]);
        assert!(t.iter().all(|t| t.kind == TargetKind::Deliverable));
        let t = parse_targets("扩建西永、土主污水处理厂");
        assert_eq!(t.len(), 1);
        let t = one("全面完成村规划编制");
        assert_eq!(t.metric.as_deref(), Some("村规划编制"));
        let t = one("推动万普隆能源科技上市");
        assert_eq!(t.verb.as_deref(), Some("上市"));
        assert_eq!(t.metric.as_deref(), Some("万普隆能源科技"));
        let t = one("积极引进三利普光电等项目");
        assert_eq!(t.metric.as_deref(), Some("三利普光电"));
    }

    #[test]
    fn process_targets_on_named_projects() {
        let t = one("加快建设城南体育馆");
        assert_eq!(t.kind, TargetKind::Deliverable);
        assert_eq!(t.verb.as_deref(), Some("建设"));
        assert_eq!(t.metric.as_deref(), Some("城南体育馆"));
        let t = parse_targets("提速建设地铁3号线、5号线");
        assert_eq!(t.len(), 2);
        let t = one("推进东湖科创走廊等重点工程建设");
        assert_eq!(t.metric.as_deref(), Some("东湖科创走廊"));
        let t = one("开工建设滨河步道");
        assert_eq!(t.verb.as_deref(), Some("开工建设"));
        let t = one("扩建城北水厂");
        assert_eq!(t.verb.as_deref(), Some("扩建"));
        // A task that is a project's name.
        let t = one("“绿道漫步”滨水公园建设项目");
        assert_eq!(t.verb.as_deref(), Some("建设"));
        assert_eq!(t.metric.as_deref(), Some("“绿道漫步”滨水公园"));
        let t = one("老街农贸市场改造提升项目");
        assert_eq!(t.verb.as_deref(), Some("改造"));
        let t = one("山区学校午餐补助实现全覆盖(2019—2021年)");
        assert_eq!(t.verb.as_deref(), Some("实现"));
        assert_eq!(t.metric.as_deref(), Some("山区学校午餐补助"));
    }

    #[test]
    fn from_to_targets_and_ratios() {
        let t = one("最低生活保障标准从500元提高到550元");
        assert_eq!(t.value, Some(550.0));
        let t = one("工资不低于当地最低工资的1.3倍");
        assert_eq!(t.value, Some(1.3));
        assert_eq!(t.unit.map(|u| u.base), Some("倍"));
        let t = one("全年抽检食品2.5万批次");
        assert_eq!(t.value, Some(25_000.0));
        let t = one("实际利用外资3亿美元");
        assert_eq!(t.unit.map(|u| u.base), Some("美元"));
        let t = one("新建社區食堂12個");
        assert_eq!(t.value, Some(12.0));
        assert_eq!(t.unit.map(|u| u.base), Some("个"));
    }

    #[test]
    fn qualitative_wording_yields_nothing() {
        for s in [
            "旗帜鲜明讲政治，深学笃用习近平新时代中国特色社会主义思想，切实增强“四个意识”",
            "坚持“外防输入、内防反弹”总策略，统筹做好“防、备、接”三件事",
            "深入开展“十项全面清理”，积极化解存量债务",
            "高标准建设配套功能",
            "加强乡村人才队伍建设",
            "加快建设区域性金融中心",
            "建设国际消费中心",
            "加快智慧园区建设",
            "推进美丽乡村建设",
            "建设一批口袋公园",
            "加快新型基础设施建设",
        ] {
            assert!(parse_targets(s).is_empty(), "{s}: {:#?}", parse_targets(s));
        }
    }
}
