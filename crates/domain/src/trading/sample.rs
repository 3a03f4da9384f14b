//! A valid notice of contracts.md §3 as JSON, with every element its type and category require
//! filled in and bidders where they are required: the one builder that tests and benchmarks of
//! every crate start from (the domain's own tests cannot use `gongkai-synth`, which sits above
//! it).
//!
//! ```
//! use gongkai_domain::trading::{Notice, SampleNotice};
//! let v = SampleNotice::new("N-1", "award_result", "procurement", "2025-03-03")
//!     .dates(serde_json::json!({"determined": "2025-03-01"}))
//!     .json();
//! assert!(Notice::from_json(&v).is_ok());
//! ```

use serde_json::{Map, Value, json};

use crate::codes::{NoticeType, TradingCategory};
use crate::uscc;

use super::elements::{Place, required};
use super::rules::RuleConfig;

/// A notice under construction; [`SampleNotice::json`] gives its JSON.
#[derive(Debug, Clone)]
pub struct SampleNotice {
    id: String,
    ntype: String,
    category: String,
    published: String,
    project: (String, String),
    section: Option<(String, String)>,
    dates: Value,
    bidders: Vec<(String, String)>,
}

/// The 统一社会信用代码 of test company `i` (1-based; in division 640302).
pub fn sample_uscc(i: u32) -> String {
    uscc::make_enterprise("640302", &format!("{i:08}")).unwrap_or_default()
}

impl SampleNotice {
    /// Notice `id` of type and category given by their codes (an unknown code is kept as
    /// written and requires nothing), published at `published`: `YYYY-MM-DD` means 10:00
    /// Beijing time, anything else is taken as written. Defaults: project `P-1` 某道路改造工程,
    /// section `S-1` (left out for plans and intentions), no dates, bidders 甲公司 and 乙公司.
    pub fn new(id: &str, ntype: &str, category: &str, published: &str) -> SampleNotice {
        SampleNotice {
            id: id.to_string(),
            ntype: ntype.to_string(),
            category: category.to_string(),
            published: if published.len() == 10 {
                format!("{published}T10:00:00+08:00")
            } else {
                published.to_string()
            },
            project: ("P-1".into(), "某道路改造工程".into()),
            section: Some(("S-1".into(), "S-1 标段".into())),
            dates: json!({}),
            bidders: vec![
                ("甲公司".into(), sample_uscc(1)),
                ("乙公司".into(), sample_uscc(2)),
            ],
        }
    }

    pub fn project(mut self, code: &str, name: &str) -> Self {
        self.project = (code.to_string(), name.to_string());
        self
    }

    /// The section's code and name (`None`: no section).
    pub fn section(mut self, section: Option<(&str, &str)>) -> Self {
        self.section = section.map(|(c, n)| (c.to_string(), n.to_string()));
        self
    }

    pub fn dates(mut self, dates: Value) -> Self {
        self.dates = dates;
        self
    }

    /// The bidders, as (name, 统一社会信用代码), used when the type requires bidders.
    pub fn bidders(mut self, bidders: Vec<(String, String)>) -> Self {
        self.bidders = bidders;
        self
    }

    /// The notice's JSON line.
    pub fn json(&self) -> Value {
        let t = NoticeType::from_code(&self.ntype).ok();
        let mut v = json!({
            "notice": self.id, "project": self.project.0, "project_name": self.project.1,
            "category": self.category, "type": self.ntype, "title": format!("{} 公告", self.id),
            "published": self.published, "dates": self.dates,
        });
        if let Some((code, name)) = &self.section
            && !t.is_some_and(NoticeType::is_plan)
        {
            v["section"] = json!(code);
            v["section_name"] = json!(name);
        }
        let mut elements = Map::new();
        if let (Some(t), Ok(c)) = (t, TradingCategory::from_code(&self.category)) {
            for r in required(t, c, &RuleConfig::default()) {
                match r.place {
                    Place::Element(k) => {
                        elements.insert(k, json!("已载明"));
                    }
                    Place::Bidders => {
                        v["bidders"] = self
                            .bidders
                            .iter()
                            .map(|(name, uscc)| json!({"name": name, "uscc": uscc}))
                            .collect();
                    }
                    Place::Date(_) => {}
                }
            }
        }
        v["elements"] = Value::Object(elements);
        v
    }
}
