//! Throughput of assessing seed-like tasks on one core.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use duban_model::Task;

/// Task texts and progress narratives shaped like the seed's rows (lengths, figures,
/// lists, status words); written for the bench, not copied from any report.
const SAMPLES: [(&str, &str); 10] = [
    (
        "高水平建设整车口岸，引进两个分拨中心，进口整车5000辆以上",
        "①积极对接海关沟通申报工作，目前已经完成申报材料，待确认后即开展正式申报工作。\n②整车进口3808辆，已正式获得主机厂授权，形成战略合作，合作规模及品牌不断扩大。",
    ),
    (
        "启动建设技术交易中心，技术交易合同登记额增长15%",
        "2022年，完成技术合同登记382项、交易金额26亿元，与2021年持平。开展税收优惠政策系列宣传，线上、线下多种模式指导企业完善技术交易。",
    ),
    (
        "建成江山公园、两溪花谷、江野风情岸线",
        "完成江山公园建设。清水溪两溪花谷整治工程，正在有序推进，整体完成70%。",
    ),
    (
        "新增5000个公共停车位，完成125公里道路综合整治",
        "①目前已完工新增5179个公共停车位，其中，西站停车场（1630个）、孵化中心停车库（551个）、广场地下停车库（779个）、小微停车场及路内停车泊位（2219个）。\n②已完成道路综合整治188公里。",
    ),
    (
        "完善大气污染源动态监管平台，严格控制PM2.5和臭氧污染，确保全年优良天数达306天",
        "2022年，全区空气质量优良天数303天，优良天数主城11区排名第8。",
    ),
    (
        "支持企业上云用数赋智，实施15个项目智能化改造，建成3个数字化车间，培育3家专精特新企业",
        "支持企业上云用数赋智，完成智能化改造项目19个，新增智能工厂1家、数字化车间4个。培育市级专精特新企业36家。",
    ),
    (
        "旗帜鲜明讲政治，深学笃用新思想，切实增强“四个意识”，坚定“四个自信”",
        "各部门、各镇街深入学习，准确深刻领悟决定性意义，切实增强“四个意识”，坚定“四个自信”，把讲政治的要求落实到工作开展的方方面面，全面推进政府部门工作提升服务效能。",
    ),
    (
        "建成清水溪、凤凰溪“清水绿岸”工程",
        "“清水绿岸”工程今年完成投资3.03亿元，累计完成投资8.03亿元。\n①内源治理工程已完工。\n②泵站及调蓄池完成94%。\n③污水处理站已建设完成。\n④新改建排水管网完成27.4公里。\n⑤岸线修复工程总体完成28%。\n⑥水质净化站现进行主体调蓄池底板施工，整体进度完成63%。",
    ),
    (
        "深化农村改革，村集体经济经营收入增长11%",
        "新增3个村实施改革，试点范围扩大到46%的行政村，全面推广保底加分红模式。2022年全区村级集体经济实现经营性收入11135万元，同比增长2.54%。",
    ),
    (
        "实现数字经济增加值增长7%",
        "1-11月，区统计局测算的数字经济增加值增长7.29%，预计全年7%的增长能够完成。",
    ),
];

fn tasks(n: usize) -> Vec<Task> {
    (0..n)
        .map(|i| {
            let (text, progress) = SAMPLES[i % SAMPLES.len()];
            let mut t = Task::new(1, i as u32 + 1, text);
            t.progress = progress.to_string();
            t
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let batch = tasks(1000);
    let mut g = c.benchmark_group("assess");
    g.throughput(Throughput::Elements(batch.len() as u64));
    g.bench_function("assess_task x1000 seed-like", |b| {
        b.iter_batched_ref(
            || batch.clone(),
            |ts| {
                for t in ts.iter_mut() {
                    duban_assess::assess_task(t);
                }
            },
            criterion::BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
