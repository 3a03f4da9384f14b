//! The official holiday data shipped with the program (NateScarlet/holiday-cn, MIT; see
//! `data/holiday-cn/LICENSE`). Newer years are imported into the database at run time.

/// (title year, holiday-cn JSON) for every shipped year.
pub const BUILTIN: &[(i32, &str)] = &[
    (2007, include_str!("../../../data/holiday-cn/2007.json")),
    (2008, include_str!("../../../data/holiday-cn/2008.json")),
    (2009, include_str!("../../../data/holiday-cn/2009.json")),
    (2010, include_str!("../../../data/holiday-cn/2010.json")),
    (2011, include_str!("../../../data/holiday-cn/2011.json")),
    (2012, include_str!("../../../data/holiday-cn/2012.json")),
    (2013, include_str!("../../../data/holiday-cn/2013.json")),
    (2014, include_str!("../../../data/holiday-cn/2014.json")),
    (2015, include_str!("../../../data/holiday-cn/2015.json")),
    (2016, include_str!("../../../data/holiday-cn/2016.json")),
    (2017, include_str!("../../../data/holiday-cn/2017.json")),
    (2018, include_str!("../../../data/holiday-cn/2018.json")),
    (2019, include_str!("../../../data/holiday-cn/2019.json")),
    (2020, include_str!("../../../data/holiday-cn/2020.json")),
    (2021, include_str!("../../../data/holiday-cn/2021.json")),
    (2022, include_str!("../../../data/holiday-cn/2022.json")),
    (2023, include_str!("../../../data/holiday-cn/2023.json")),
    (2024, include_str!("../../../data/holiday-cn/2024.json")),
    (2025, include_str!("../../../data/holiday-cn/2025.json")),
    (2026, include_str!("../../../data/holiday-cn/2026.json")),
    (2027, include_str!("../../../data/holiday-cn/2027.json")),
];
