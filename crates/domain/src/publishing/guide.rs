//! The 政府信息公开指南 (条例 art. 12): what the portal generates from an agency's settings.
//! The agency keeps the contacts of its 政府信息公开工作机构 (name, office address, office
//! hours, telephone, fax, postal address, e-mail); the rest of the guide — the classification
//! and arrangement of its information (the column tree), how to obtain it proactively and on
//! request, fees and remedies — follows from the law and the agency's data.

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// The agency setting key under which the contacts are kept.
pub const GUIDE_KEY: &str = "guide.contacts";

/// The longest value of any field.
pub const GUIDE_FIELD_MAX: usize = 200;

/// The contacts of an agency's 政府信息公开工作机构 (art. 12). Empty fields are not shown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GuideContacts {
    /// 工作机构名称
    pub office: String,
    /// 办公地址
    pub address: String,
    /// 办公时间
    pub hours: String,
    /// 联系电话
    pub phone: String,
    /// 传真号码
    pub fax: String,
    /// 通信地址及邮政编码（信函申请）
    pub postal: String,
    /// 电子邮箱
    pub email: String,
}

impl GuideContacts {
    /// The fields with their Chinese names, in the guide's order.
    pub fn fields(&self) -> [(&'static str, &str); 7] {
        [
            ("工作机构", &self.office),
            ("办公地址", &self.address),
            ("办公时间", &self.hours),
            ("联系电话", &self.phone),
            ("传真号码", &self.fax),
            ("通信地址", &self.postal),
            ("电子邮箱", &self.email),
        ]
    }

    /// The contacts trimmed and checked; an error names the field.
    pub fn checked(mut self) -> Result<GuideContacts, DomainError> {
        for (name, v) in [
            ("工作机构", &mut self.office),
            ("办公地址", &mut self.address),
            ("办公时间", &mut self.hours),
            ("联系电话", &mut self.phone),
            ("传真号码", &mut self.fax),
            ("通信地址", &mut self.postal),
            ("电子邮箱", &mut self.email),
        ] {
            *v = v.trim().to_string();
            if v.chars().count() > GUIDE_FIELD_MAX {
                return Err(DomainError::invalid(
                    name,
                    format!("不能超过 {GUIDE_FIELD_MAX} 个字符"),
                ));
            }
            if v.chars().any(char::is_control) {
                return Err(DomainError::invalid(name, "不能含有控制字符或换行"));
            }
        }
        for (name, v) in [("联系电话", &self.phone), ("传真号码", &self.fax)] {
            let ok = v
                .chars()
                .all(|c| c.is_ascii_digit() || " -+()（）、，,;；转".contains(c));
            if !ok {
                return Err(DomainError::invalid(
                    name,
                    "只能含数字、空格、括号、连字符、“转”及分隔号",
                ));
            }
        }
        if !self.email.is_empty() {
            let parts: Vec<&str> = self.email.split('@').collect();
            let ok = parts.len() == 2
                && !parts[0].is_empty()
                && parts[1].contains('.')
                && !self.email.contains(char::is_whitespace);
            if !ok {
                return Err(DomainError::invalid("电子邮箱", "格式不正确"));
            }
        }
        Ok(self)
    }

    /// Read from a stored setting (unknown or malformed: empty contacts).
    pub fn from_json(v: &serde_json::Value) -> GuideContacts {
        serde_json::from_value(v.clone()).unwrap_or_default()
    }

    pub fn is_empty(&self) -> bool {
        self.fields().iter().all(|(_, v)| v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_are_trimmed_and_each_bad_field_is_named() {
        let ok = GuideContacts {
            office: " 办公室 ".into(),
            phone: "0953-1234567（转 8）".into(),
            email: "gk@example.gov.cn".into(),
            ..Default::default()
        }
        .checked()
        .unwrap();
        assert_eq!(ok.office, "办公室");
        for (c, field) in [
            (
                GuideContacts {
                    phone: "call me".into(),
                    ..Default::default()
                },
                "联系电话",
            ),
            (
                GuideContacts {
                    email: "a@b".into(),
                    ..Default::default()
                },
                "电子邮箱",
            ),
            (
                GuideContacts {
                    address: "x".repeat(GUIDE_FIELD_MAX + 1),
                    ..Default::default()
                },
                "办公地址",
            ),
            (
                GuideContacts {
                    hours: "上午\n下午".into(),
                    ..Default::default()
                },
                "办公时间",
            ),
        ] {
            let e = c.checked().unwrap_err().to_string();
            assert!(e.contains(field), "{field}: {e}");
        }
        assert!(GuideContacts::default().is_empty());
        assert_eq!(
            GuideContacts::from_json(&serde_json::json!({"office": "办公室", "x": 1})).office,
            "办公室"
        );
    }
}
