//! 信息处理费 (条例 art. 42; 国办函〔2020〕109号): two progressive scales, one per application.

use crate::DomainError;

/// How a fee is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeeMethod {
    /// 按件计收: by the ordinal of this application among the applicant's in the calendar month.
    PerCase,
    /// 按量计收: by the number of pages provided.
    PerPage,
}

impl FeeMethod {
    pub fn from_code(s: &str) -> Result<FeeMethod, DomainError> {
        match s {
            "per_case" => Ok(FeeMethod::PerCase),
            "per_page" => Ok(FeeMethod::PerPage),
            other => Err(DomainError::invalid(
                "method",
                format!("未知收费方式“{other}”，可选：per_case（按件）、per_page（按量）"),
            )),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            FeeMethod::PerCase => "per_case",
            FeeMethod::PerPage => "per_page",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FeeMethod::PerCase => "按件计收",
            FeeMethod::PerPage => "按量计收",
        }
    }
}

/// 按件: the fee in 元 for the `k`-th application (1-based) of one applicant in a calendar month:
/// free up to 10, 100 元 for 11–30, then 100 元 more for each further band of 10.
pub fn per_case_yuan(k: i64) -> i64 {
    match k {
        ..=10 => 0,
        11..=30 => 100,
        _ => 100 * (1 + (k - 30 + 9) / 10),
    }
}

/// 按量: the fee in 元 for `pages` pages: free up to 30, 10 元/页 for 31–100, 20 元/页 for
/// 101–200, 40 元/页 above, each band for the pages inside it.
pub fn per_page_yuan(pages: i64) -> i64 {
    let band = |lo: i64, hi: i64| (pages.min(hi) - lo).max(0);
    10 * band(30, 100) + 20 * band(100, 200) + 40 * (pages - 200).max(0)
}

/// The fee in 分 for a method and quantity (ordinal or pages).
pub fn fee_fen(method: FeeMethod, quantity: i64) -> Result<i64, DomainError> {
    if quantity < 1 {
        return Err(DomainError::invalid("quantity", "应为正整数"));
    }
    Ok(100
        * match method {
            FeeMethod::PerCase => per_case_yuan(quantity),
            FeeMethod::PerPage => per_page_yuan(quantity),
        })
}

/// Working days the applicant has to pay after receiving the fee notice.
pub const PAYMENT_WORKDAYS: u32 = 20;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn scales_of_the_109_notice() {
        assert_eq!(
            (
                per_case_yuan(1),
                per_case_yuan(10),
                per_case_yuan(11),
                per_case_yuan(30)
            ),
            (0, 0, 100, 100)
        );
        assert_eq!(
            (
                per_case_yuan(31),
                per_case_yuan(40),
                per_case_yuan(41),
                per_case_yuan(51)
            ),
            (200, 200, 300, 400)
        );
        assert_eq!(
            (
                per_page_yuan(30),
                per_page_yuan(31),
                per_page_yuan(100),
                per_page_yuan(101)
            ),
            (0, 10, 700, 720)
        );
        assert_eq!(per_page_yuan(250), 4700);
        assert_eq!(fee_fen(FeeMethod::PerPage, 250), Ok(470_000));
        assert!(fee_fen(FeeMethod::PerCase, 0).is_err());
        assert!(
            FeeMethod::from_code("both")
                .unwrap_err()
                .to_string()
                .contains("method")
        );
    }

    proptest! {
        #[test]
        fn fees_never_decrease(k in 1i64..500, p in 1i64..2000) {
            prop_assert!(per_case_yuan(k + 1) >= per_case_yuan(k));
            prop_assert!(per_page_yuan(p + 1) >= per_page_yuan(p));
            prop_assert!(per_page_yuan(p + 1) - per_page_yuan(p) <= 40);
        }
    }
}
