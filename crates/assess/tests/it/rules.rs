//! Each failure mode of other governments' rows as a general rule, on invented phrases
//! (none is a corpus or seed row).

use duban_assess::{Period, assess_text, assess_text_at, period_for};
use duban_model::{Schedule, Verdict};
use time::{Date, Month};

fn v(task: &str, progress: &str) -> Verdict {
    assess_text(task, progress).verdict
}

fn date(y: i32, m: u8, d: u8) -> Date {
    Date::from_calendar_date(y, Month::try_from(m).unwrap(), d).unwrap()
}

fn at(y: i32, m: u8, d: u8) -> Option<Period> {
    period_for(Some(date(y, m, d)), None, Some(y))
}

#[test]
fn f1_process_targets_on_named_projects() {
    assert_eq!(v("加快建设城南体育馆", "体育馆主体已封顶。"), Verdict::Met);
    assert_eq!(
        v("开工建设滨河步道", "因用地调整尚未开工。"),
        Verdict::NotMet
    );
    assert_eq!(
        v("推进东湖科创走廊建设", "已完成方案设计，正在办理用地手续。"),
        Verdict::NotMet,
        "preparation only is not a start"
    );
    assert_eq!(
        v(
            "提速建设地铁3号线、5号线",
            "3号线完成工程总量的30%；5号线正在等待批复。"
        ),
        Verdict::NotMet
    );
    assert_eq!(
        v(
            "“绿道漫步”滨水公园建设项目",
            "总投资300万元，现已完工并投入使用。"
        ),
        Verdict::Met
    );
    assert_eq!(
        v("高标准建设配套功能", "配套逐步完善。"),
        Verdict::Qualitative
    );
}

#[test]
fn f9_extension_under_way_is_met() {
    assert_eq!(
        v("扩建城北水厂", "城北水厂扩建工程整体完成55%。"),
        Verdict::Met
    );
}

#[test]
fn f3_bare_figures_rates_blankets() {
    assert_eq!(v("新增停车位500个", "完成620个，完成率124%"), Verdict::Met);
    assert_eq!(
        v("培训家政人员300人次", "完成280人，完成率93%"),
        Verdict::NotMet
    );
    assert_eq!(v("建成社区书屋6个", "已完成"), Verdict::Met);
    assert_eq!(
        v("建成4个驿站", "甲、乙、丙驿站已投用，丁驿站在建。"),
        Verdict::NotMet,
        "3 of 4"
    );
    assert_eq!(
        v("建成3个驿站", "东湖、西山、南岸驿站已建成投用。"),
        Verdict::Met
    );
    assert_eq!(
        v(
            "新建幼儿园8所",
            "全年新建幼儿园9所，超额完成8所的年度目标任务。"
        ),
        Verdict::Met
    );
}

#[test]
fn f2_percentage_only_or_basically_done_at_year_end() {
    assert_eq!(v("新建社区食堂12个", "完成85%"), Verdict::NotMet);
    assert_eq!(v("建成文化礼堂", "基本完成"), Verdict::NotMet);
}

#[test]
fn f4_a_part_is_not_the_whole() {
    assert_eq!(
        v("建成图书馆新馆", "土建完成100%，装修进行中。"),
        Verdict::NotMet
    );
}

#[test]
fn f5_not_done_wording() {
    assert_eq!(v("设立科创基金", "科创基金正在筹建。"), Verdict::NotMet);
    assert_eq!(v("出台人才新政", "已起草方案，正在报批。"), Verdict::NotMet);
    assert_eq!(v("建成智慧停车平台", "平台建设尚未启动。"), Verdict::NotMet);
    assert_eq!(
        v("外贸进出口总额增长6%", "预计全年增长3%，未达到年度目标。"),
        Verdict::NotMet
    );
    assert_eq!(
        v("外贸进出口总额增长6%", "预计全年增长7%。"),
        Verdict::Unverifiable,
        "a forecast proves nothing"
    );
}

#[test]
fn plain_statements_of_a_row_at_year_end() {
    assert_eq!(v("建成社区书屋6个", "未完成"), Verdict::NotMet);
    assert_eq!(
        v("建成城西污水处理厂", "受征地影响，项目推进滞后。"),
        Verdict::NotMet
    );
    assert_eq!(
        v("新增停车位500个", "已完成全年目标任务的76%"),
        Verdict::NotMet
    );
}

#[test]
fn more_wordings_of_done_and_not_done() {
    assert_eq!(
        v("完成老旧小区改造30个", "已开工30个，完工22个。"),
        Verdict::NotMet
    );
    assert_eq!(
        v(
            "新建公办幼儿园3所",
            "甲幼儿园已投用，乙幼儿园主体封顶，丙幼儿园完成桩基。"
        ),
        Verdict::NotMet
    );
    assert_eq!(
        v(
            "实现行政村快递服务全覆盖",
            "全市行政村快递服务覆盖率达100%。"
        ),
        Verdict::Met
    );
    assert_eq!(
        v("举办第三届茶文化节", "因天气原因延期举办。"),
        Verdict::NotMet
    );
    assert_eq!(
        v(
            "出台促进民营经济发展若干措施",
            "《若干措施》已于5月印发实施。"
        ),
        Verdict::Met
    );
}

#[test]
fn f7_parts_that_add_up() {
    assert_eq!(
        v("培育特色农业基地10个", "新建基地4个、提升特色农业基地7个。"),
        Verdict::Met
    );
}

#[test]
fn f8_units_ratios_from_to_and_traditional_characters() {
    assert_eq!(
        v("全年抽检食品2.5万批次", "全年抽检食品2.7万批次。"),
        Verdict::Met
    );
    assert_eq!(
        v("实际利用外资3亿美元", "实际利用外资2.6亿美元。"),
        Verdict::NotMet
    );
    assert_eq!(
        v(
            "失业保险金不低于当地最低工资的1.3倍",
            "失业保险金为当地最低工资的1.4倍。"
        ),
        Verdict::Met
    );
    assert_eq!(
        v("低保标准从500元提高到550元", "低保标准已提高到550元。"),
        Verdict::Met
    );
    assert_eq!(
        v("新建社區食堂12個", "全年新建社區食堂13個。"),
        Verdict::Met
    );
    assert_eq!(
        v("常住人口城镇化率提高1个百分点", "城镇化率提高0.6个百分点。"),
        Verdict::NotMet
    );
}

#[test]
fn f6_part_year_figures_are_judged_against_the_time_elapsed() {
    let oct = at(2024, 10, 31);
    let a = assess_text_at("新建社区食堂20个", "85%", oct);
    assert_eq!(a.verdict, Verdict::Unverifiable);
    assert_eq!(a.schedule, Some(Schedule::OnTrack));
    assert!(
        a.explanation.contains("截至10月底（时序83%），")
            && a.explanation.contains("完成85%，序时推进"),
        "{}",
        a.explanation
    );
    let a = assess_text_at("新建社区食堂20个", "60%", oct);
    assert_eq!(a.verdict, Verdict::NotMet);
    assert_eq!(a.schedule, Some(Schedule::Lagging));
    let a = assess_text_at("新建社区食堂20个", "90%（东片进度滞后）", oct);
    assert_eq!(
        (a.verdict, a.schedule),
        (Verdict::NotMet, Some(Schedule::Lagging))
    );
    let a = assess_text_at("新建社区食堂20个", "已建成22个", oct);
    assert_eq!(a.verdict, Verdict::Met);

    let mar = at(2024, 3, 31);
    let a = assess_text_at("新增就业岗位4000个", "完成1500个，完成率37.5%", mar);
    assert_eq!(
        (a.verdict, a.schedule),
        (Verdict::Unverifiable, Some(Schedule::Ahead))
    );
    let a = assess_text_at("新增就业岗位4000个", "完成0个", mar);
    assert_eq!(a.verdict, Verdict::NotMet);

    let h1 = at(2024, 6, 30);
    let a = assess_text_at("规模以上工业增加值增长8%", "上半年同比增长9.1%", h1);
    assert_eq!(a.verdict, Verdict::Met);
    let a = assess_text_at("规模以上工业增加值增长8%", "上半年同比增长5.2%", h1);
    assert_eq!(
        (a.verdict, a.schedule),
        (Verdict::NotMet, Some(Schedule::Lagging))
    );
    let a = assess_text_at("规模以上工业增加值增长8%", "上半年同比增长7.5%", h1);
    assert_eq!(
        (a.verdict, a.schedule),
        (Verdict::Unverifiable, Some(Schedule::OnTrack))
    );

    let a = assess_text_at("建成城南体育馆", "主体施工中，完成工程量的60%。", h1);
    assert_eq!(a.verdict, Verdict::Unverifiable);
    let a = assess_text_at("开工建设滨河步道", "尚未开工。", at(2024, 10, 31));
    assert_eq!(a.verdict, Verdict::NotMet);

    let a = assess_text_at("较大事故控制在3起以内", "发生较大事故1起", h1);
    assert_eq!(
        (a.verdict, a.schedule),
        (Verdict::Unverifiable, Some(Schedule::OnTrack))
    );
    let a = assess_text_at("较大事故控制在3起以内", "发生较大事故4起", h1);
    assert_eq!(a.verdict, Verdict::NotMet);

    // At year end the same part-year figure cannot confirm the annual target.
    let a = assess_text("规模以上工业增加值增长8%", "上半年同比增长9.1%");
    assert_eq!((a.verdict, a.schedule), (Verdict::Unverifiable, None));
}

#[test]
fn multi_year_targets_not_yet_due() {
    let as_of = Some(date(2020, 6, 30));
    let task = "改造农村危房5000户(2019—2022年)";
    let p = period_for(as_of, Some(task), Some(2020));
    let a = assess_text_at(task, "累计改造4100户，占总计划的82%。", p);
    assert_eq!(
        (a.verdict, a.schedule),
        (Verdict::Unverifiable, Some(Schedule::Ahead))
    );
    let a = assess_text_at(task, "累计改造600户，占总计划的12%。", p);
    assert_eq!(a.verdict, Verdict::NotMet, "far behind");
}

#[test]
fn preparation_waiting_and_parts_under_way() {
    assert_eq!(
        v("扩建第三中学", "扩建工程已完成招标，预计明年3月开工。"),
        Verdict::NotMet
    );
    assert_eq!(
        v(
            "推进环湖快速路二期工程建设",
            "项目前期工作有序推进，已完成工可编制。"
        ),
        Verdict::NotMet
    );
    assert_eq!(
        v(
            "推动2家企业上市",
            "1家企业已在创业板上市，1家已提交申报材料。"
        ),
        Verdict::NotMet,
        "a part still under way does not add up"
    );
    assert_eq!(
        v(
            "争创省级生态文明示范县",
            "已通过市级初审，正在等待省级验收。"
        ),
        Verdict::NotMet
    );
}

#[test]
fn a_task_due_in_a_later_year_is_judged_against_its_own_deadline() {
    let mut t = duban_model::Task::new(1, 1, "到2025年，建成口袋公园30个");
    t.progress = "已建成口袋公园12个。".into();
    let p = duban_assess::task_period(Some(date(2024, 6, 30)), None, &t, Some(2024)).unwrap();
    assert_eq!(p.deadline, date(2025, 12, 31));
    duban_assess::assess_task_at(&mut t, Some(date(2024, 6, 30)), Some(2024));
    assert_eq!(
        t.verdict,
        Some(Verdict::Unverifiable),
        "{:?}",
        t.explanation
    );
    let mut t = duban_model::Task::new(1, 1, "牙椅数较2022年增加5%");
    t.progress = "增加3%".into();
    assert!(duban_assess::task_period(Some(date(2023, 3, 31)), None, &t, Some(2023)).is_some());
}

#[test]
fn the_text_saying_on_schedule_stands_for_the_milestone() {
    let sep = at(2024, 9, 30);
    let a = assess_text_at("新增就业5000人", "新增就业3200人，达到序时进度。", sep);
    assert_eq!(
        (a.verdict, a.schedule),
        (Verdict::Unverifiable, Some(Schedule::OnTrack))
    );
    let a = assess_text_at("新增就业5000人", "新增就业3200人。", sep);
    assert_eq!(
        (a.verdict, a.schedule),
        (Verdict::NotMet, Some(Schedule::Lagging))
    );
    let a = assess_text_at("新增就业5000人", "新增就业4000人，低于序时进度。", sep);
    assert_eq!(a.verdict, Verdict::NotMet);
}
