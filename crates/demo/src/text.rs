//! The generator's own phrase book. Every name here is invented.

use duban_model::UnitRef;

use crate::{Rng, SelfStatus};

pub const SECTIONS: [&str; 12] = [
    "建设科技创新高地",
    "壮大先进制造业",
    "繁荣现代服务业",
    "扩大对外开放",
    "推进城市更新",
    "建设美丽乡村",
    "守护绿水青山",
    "增进民生福祉",
    "优化营商环境",
    "提升社会治理",
    "深化重点改革",
    "加强政府自身建设",
];

pub const GROUPS: [&str; 6] = [
    "各镇街",
    "各有关镇街",
    "区级有关部门",
    "区属国有重点企业",
    "各涉农镇街",
    "区级各部门",
];

const DEPARTMENTS: [&str; 44] = [
    "区发展改革委",
    "区科技局",
    "区经济信息委",
    "区教委",
    "区民政局",
    "区财政局",
    "区人力社保局",
    "区规划自然资源局",
    "区生态环境局",
    "区住房城乡建委",
    "区城管局",
    "区交通局",
    "区水利局",
    "区农业农村委",
    "区商务委",
    "区文化旅游委",
    "区卫生健康委",
    "区退役军人事务局",
    "区应急局",
    "区审计局",
    "区国资委",
    "区市场监管局",
    "区体育局",
    "区统计局",
    "区医保局",
    "区信访办",
    "区司法局",
    "区公安分局",
    "区税务局",
    "区政务服务办",
    "区大数据发展局",
    "区机关事务局",
    "区人民防空办",
    "区气象局",
    "区消防救援支队",
    "区妇联",
    "区科协",
    "团区委",
    "区委宣传部",
    "区委组织部",
    "区委政法委",
    "区政府办公室",
    "区档案馆",
    "区残联",
];

/// Units that Word ledgers show with a second name in parentheses.
const ALIASED: [(&str, &str); 5] = [
    ("区商务委", "区投资促进中心"),
    ("区财政局", "区金融办"),
    ("区城管局", "区综合执法支队"),
    ("区委组织部", "区人才办"),
    ("区发展改革委", "区粮食局"),
];

const TOWNS: [&str; 10] = [
    "青岚街道",
    "云溪街道",
    "松岗街道",
    "望川街道",
    "石桥镇",
    "柳湾镇",
    "白鹭镇",
    "枫林街道",
    "临江街道",
    "双河镇",
];

const COMPANIES: [&str; 6] = [
    "城投集团公司",
    "产业投资公司",
    "物流枢纽公司",
    "文旅发展集团",
    "科创园区公司",
    "水务集团公司",
];

pub fn unit_pool() -> Vec<UnitRef> {
    DEPARTMENTS
        .iter()
        .chain(TOWNS.iter())
        .chain(COMPANIES.iter())
        .map(|name| {
            let mut u = UnitRef::new(*name);
            if let Some((_, alias)) = ALIASED.iter().find(|(n, _)| n == name) {
                u.aliases.push((*alias).to_string());
            }
            u
        })
        .collect()
}

pub fn leader(rng: &mut Rng) -> String {
    const SURNAMES: [&str; 12] = [
        "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙",
    ];
    format!("{}副区长", rng.pick(&SURNAMES))
}

pub fn days_in_month(year: i32, month: usize) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// What kind of target a generated task states.
#[derive(Debug, Clone)]
enum Kind {
    /// "新增{n}{measure}{thing}"
    Count {
        n: u64,
        measure: &'static str,
        thing: &'static str,
    },
    /// "{metric}增长{p}%"
    Growth { metric: &'static str, pct: u64 },
    /// "{metric}占比达{p}%以上"
    Share { metric: &'static str, pct: u64 },
    /// "{metric}突破{n}亿元"
    Amount { metric: &'static str, yi: u64 },
    /// "建成{project}"
    Deliverable { project: String },
    /// Nothing to check.
    Qualitative,
}

#[derive(Debug, Clone)]
pub struct TaskSpec {
    pub text: String,
    kind: Kind,
}

/// How the year ends for a task.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    Met,
    /// Reached this fraction of the target.
    Short(f64),
    /// The unit promises rather than reports.
    Forecast,
}

impl Outcome {
    pub fn met(self) -> bool {
        self == Outcome::Met
    }
}

const COUNTS: [(&str, &str, u64, u64); 8] = [
    ("个", "公共停车位", 2_000, 9_000),
    ("个", "5G基站", 200, 1_200),
    ("家", "高新技术企业", 20, 120),
    ("户", "农村改厕", 500, 3_000),
    ("公里", "城市道路综合整治", 30, 200),
    ("个", "婴幼儿托位", 200, 900),
    ("所", "中小学校", 2, 8),
    ("万平方米", "城市绿地", 10, 120),
];

const GROWTHS: [&str; 6] = [
    "规模以上工业增加值",
    "社会消费品零售总额",
    "技术合同成交额",
    "数字经济增加值",
    "旅游综合收入",
    "村级集体经济经营性收入",
];

const SHARES: [&str; 4] = [
    "民间投资占比",
    "政务服务事项网上可办率",
    "生活垃圾回收利用率",
    "公办幼儿园在园幼儿占比",
];

const AMOUNTS: [&str; 4] = [
    "招商引资协议金额",
    "智能产业产值",
    "固定资产投资",
    "外贸进出口总额",
];

const PROJECT_HEADS: [&str; 10] = [
    "青岚", "云溪", "松岗", "望川", "白鹭", "枫林", "临江", "双河", "柳湾", "石桥",
];

const PROJECT_TAILS: [&str; 8] = [
    "滨河公园",
    "社区体育公园",
    "污水处理厂",
    "科创孵化中心",
    "综合文化服务中心",
    "农贸市场",
    "智慧停车楼",
    "养老服务中心",
];

const QUALITATIVE: [&str; 6] = [
    "深入推进法治政府建设，严格规范公正文明执法",
    "坚持常态化开展安全生产隐患排查整治",
    "持续优化政务服务流程，提升办事便利度",
    "扎实做好信访积案化解工作",
    "加强作风建设，切实为基层减负",
    "完善社会救助机制，兜牢民生底线",
];

pub fn task_spec(rng: &mut Rng, i: usize) -> TaskSpec {
    let kind = match (i * 7 + rng.below(3)) % 6 {
        0 => {
            let (measure, thing, lo, hi) = *rng.pick(&COUNTS);
            let n = round_nice(rng.range(lo, hi));
            Kind::Count { n, measure, thing }
        }
        1 => Kind::Growth {
            metric: GROWTHS[rng.below(GROWTHS.len())],
            pct: rng.range(5, 20),
        },
        2 => Kind::Share {
            metric: SHARES[rng.below(SHARES.len())],
            pct: rng.range(40, 95),
        },
        3 => Kind::Amount {
            metric: AMOUNTS[rng.below(AMOUNTS.len())],
            yi: round_nice(rng.range(100, 2_500)),
        },
        4 => Kind::Deliverable {
            project: format!("{}{}", rng.pick(&PROJECT_HEADS), rng.pick(&PROJECT_TAILS)),
        },
        _ => Kind::Qualitative,
    };
    let text = match &kind {
        Kind::Count { n, measure, thing } => {
            if *measure == "公里" {
                format!("完成{n}公里{thing}，提升通行效率")
            } else if *measure == "万平方米" {
                format!("新增{thing}{n}万平方米")
            } else {
                format!("新增{n}{measure}{thing}")
            }
        }
        Kind::Growth { metric, pct } => format!("加快培育新动能，{metric}增长{pct}%"),
        Kind::Share { metric, pct } => format!("{metric}达{pct}%以上"),
        Kind::Amount { metric, yi } => format!("{metric}突破{yi}亿元"),
        Kind::Deliverable { project } => format!("建成{project}并投入使用"),
        Kind::Qualitative => rng.pick(&QUALITATIVE).to_string(),
    };
    TaskSpec { text, kind }
}

fn round_nice(n: u64) -> u64 {
    match n {
        0..=20 => n,
        21..=200 => n / 10 * 10,
        _ => n / 50 * 50,
    }
}

impl TaskSpec {
    pub fn final_outcome(&self, rng: &mut Rng) -> Outcome {
        if matches!(self.kind, Kind::Qualitative) {
            return Outcome::Met;
        }
        match rng.below(20) {
            0..=14 => Outcome::Met,
            15..=17 => Outcome::Short(0.4 + rng.below(50) as f64 / 100.0),
            _ => Outcome::Forecast,
        }
    }

    /// The narrative after `round` of `rounds` rounds.
    pub fn progress(&self, rng: &mut Rng, round: usize, rounds: usize, outcome: Outcome) -> String {
        let last = round >= rounds;
        let share = if last {
            match outcome {
                Outcome::Met => 1.0 + rng.below(30) as f64 / 100.0,
                Outcome::Short(f) => f,
                Outcome::Forecast => 0.85,
            }
        } else {
            round as f64 / rounds as f64 * (0.8 + rng.below(30) as f64 / 100.0)
        };
        let period = if last {
            "全年".to_string()
        } else {
            format!("1-{}月", round)
        };
        let extra = rng.pick(&[
            "召开专题调度会3次，协调解决问题5个。",
            "建立周调度、月通报机制，压实责任。",
            "",
            "主动对接市级部门争取政策支持。",
        ]);
        match &self.kind {
            Kind::Count { n, measure, thing } => {
                let got = (*n as f64 * share).round() as u64;
                let body = if *measure == "公里" {
                    format!("{period}已完成{thing}{got}公里")
                } else if *measure == "万平方米" {
                    format!("{period}新增{thing}{got}万平方米")
                } else {
                    format!("{period}已新增{thing}{got}{measure}")
                };
                match outcome {
                    Outcome::Forecast if last => {
                        format!("{body}，其余正在加快推进，预计次年一季度全部完成。{extra}")
                    }
                    _ => format!("{body}。{extra}"),
                }
            }
            Kind::Growth { metric, pct } => {
                let g = *pct as f64 * share;
                match outcome {
                    Outcome::Forecast if last => {
                        format!("1-11月{metric}增长{:.1}%，预计全年目标能够完成。{extra}", g)
                    }
                    _ if g < 0.5 => format!("{period}{metric}与上年持平。{extra}"),
                    _ => format!("{period}{metric}同比增长{:.1}%。{extra}", g),
                }
            }
            Kind::Share { metric, pct } => {
                let s = (*pct as f64 * share).min(99.5);
                format!("{period}{metric}为{:.1}%。{extra}", s)
            }
            Kind::Amount { metric, yi } => {
                let v = *yi as f64 * share;
                format!("{period}{metric}完成{:.2}亿元。{extra}", v)
            }
            Kind::Deliverable { project } => match outcome {
                _ if !last => format!(
                    "{project}正在施工，整体完成{}%。{extra}",
                    ((share * 100.0) as u64).min(95)
                ),
                Outcome::Met => format!("{project}已建成投用。{extra}"),
                Outcome::Short(f) => {
                    format!(
                        "{project}主体施工中，整体完成{}%。{extra}",
                        (f * 100.0) as u64
                    )
                }
                Outcome::Forecast => format!("{project}已进入扫尾阶段，预计次年3月完工。{extra}"),
            },
            Kind::Qualitative => format!(
                "围绕年度目标持续推进相关工作，开展专项行动{}次，形成经验做法{}项。{extra}",
                2 + rng.below(10),
                1 + rng.below(5)
            ),
        }
    }

    pub fn self_status(
        &self,
        rng: &mut Rng,
        round: usize,
        rounds: usize,
        outcome: Outcome,
    ) -> SelfStatus {
        if round >= rounds {
            // Units are optimistic: some claim completion their own figures do not show.
            match outcome {
                Outcome::Met => SelfStatus::Done,
                _ if rng.chance(0.3) => SelfStatus::Done,
                _ => SelfStatus::Lagging,
            }
        } else {
            match rng.below(20) {
                0 => SelfStatus::NotStarted,
                1 | 2 => SelfStatus::Lagging,
                _ => SelfStatus::OnSchedule,
            }
        }
    }
}
