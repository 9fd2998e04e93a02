//! Traditional characters read as their simplified forms (個 = 个, 條 = 条, 項 = 项), one
//! char for one char so offsets into the written text stay valid.

/// Pairs (traditional, simplified) for the characters figures, units, verbs and status
/// words are written with, sorted by the traditional char.
const PAIRS: &[(char, char)] = &[
    ('並', '并'),
    ('係', '系'),
    ('個', '个'),
    ('億', '亿'),
    ('優', '优'),
    ('內', '内'),
    ('兩', '两'),
    ('劃', '划'),
    ('動', '动'),
    ('區', '区'),
    ('協', '协'),
    ('啟', '启'),
    ('噸', '吨'),
    ('圍', '围'),
    ('園', '园'),
    ('報', '报'),
    ('場', '场'),
    ('實', '实'),
    ('將', '将'),
    ('導', '导'),
    ('層', '层'),
    ('幣', '币'),
    ('廠', '厂'),
    ('廣', '广'),
    ('張', '张'),
    ('後', '后'),
    ('從', '从'),
    ('戶', '户'),
    ('擴', '扩'),
    ('數', '数'),
    ('於', '于'),
    ('時', '时'),
    ('條', '条'),
    ('業', '业'),
    ('極', '极'),
    ('樓', '楼'),
    ('標', '标'),
    ('橋', '桥'),
    ('機', '机'),
    ('檢', '检'),
    ('歲', '岁'),
    ('準', '准'),
    ('滯', '滞'),
    ('為', '为'),
    ('無', '无'),
    ('現', '现'),
    ('產', '产'),
    ('畝', '亩'),
    ('畫', '画'),
    ('發', '发'),
    ('築', '筑'),
    ('級', '级'),
    ('線', '线'),
    ('緩', '缓'),
    ('縣', '县'),
    ('總', '总'),
    ('臺', '台'),
    ('與', '与'),
    ('萬', '万'),
    ('處', '处'),
    ('裏', '里'),
    ('計', '计'),
    ('設', '设'),
    ('試', '试'),
    ('調', '调'),
    ('質', '质'),
    ('輛', '辆'),
    ('這', '这'),
    ('進', '进'),
    ('運', '运'),
    ('達', '达'),
    ('選', '选'),
    ('還', '还'),
    ('鄉', '乡'),
    ('鎮', '镇'),
    ('長', '长'),
    ('門', '门'),
    ('開', '开'),
    ('間', '间'),
    ('際', '际'),
    ('項', '项'),
    ('預', '预'),
    ('館', '馆'),
    ('體', '体'),
    ('點', '点'),
];

/// The simplified form of `c`, or `c` itself.
pub fn simplify(c: char) -> char {
    if (c as u32) < 0x4e00 {
        return c;
    }
    PAIRS
        .binary_search_by_key(&c, |(t, _)| *t)
        .map_or(c, |i| PAIRS.get(i).map_or(c, |(_, s)| *s))
}

/// Every char simplified, one for one.
pub fn simplified(s: &str) -> Vec<char> {
    s.chars().map(simplify).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traditional_reads_as_simplified_one_for_one() {
        let s: String = simplified("新建3個驛站、2條道路、5項工程")
            .into_iter()
            .collect();
        assert_eq!(s, "新建3个驛站、2条道路、5项工程");
        assert_eq!(simplified("已開工建設").len(), "已開工建設".chars().count());
        assert_eq!(simplify('a'), 'a');
        assert!(
            PAIRS.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted for the search"
        );
    }
}
