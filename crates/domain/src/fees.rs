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
/// free up to 10, 100 元 for 11–30, then 100 元 more for each further band of 10. `None` when
/// the amount does not fit in an `i64`.
pub fn per_case_yuan(k: i64) -> Option<i64> {
    match k {
        ..=10 => Some(0),
        11..=30 => Some(100),
        // 1 + ceil((k - 30) / 10) bands of 100 元; k > 30, so `k - 30 + 9` cannot overflow.
        _ => (1 + (k - 30 + 9) / 10).checked_mul(100),
    }
}

/// 按量: the fee in 元 for `pages` pages: free up to 30, 10 元/页 for 31–100, 20 元/页 for
/// 101–200, 40 元/页 above, each band for the pages inside it. `None` when the amount does not
/// fit in an `i64`.
pub fn per_page_yuan(pages: i64) -> Option<i64> {
    let band = |lo: i64, hi: i64| (pages.min(hi).saturating_sub(lo)).max(0);
    let above = pages.saturating_sub(200).max(0);
    (10 * band(30, 100) + 20 * band(100, 200)).checked_add(above.checked_mul(40)?)
}

/// The fee in 分 for a method and quantity (the applicant's ordinal in the month, or pages).
/// A quantity below 1, or one whose fee would not fit in 64 bits, is refused with an error
/// naming the field (`ordinal` or `pages`).
pub fn fee_fen(method: FeeMethod, quantity: i64) -> Result<i64, DomainError> {
    let field = match method {
        FeeMethod::PerCase => "ordinal",
        FeeMethod::PerPage => "pages",
    };
    if quantity < 1 {
        return Err(DomainError::invalid(field, "应为正整数"));
    }
    let yuan = match method {
        FeeMethod::PerCase => per_case_yuan(quantity),
        FeeMethod::PerPage => per_page_yuan(quantity),
    };
    yuan.and_then(|y| y.checked_mul(100))
        .ok_or_else(|| DomainError::invalid(field, format!("数量 {quantity} 过大，无法计算费用")))
}

/// Working days the applicant has to pay after receiving the fee notice.
pub const PAYMENT_WORKDAYS: u32 = 20;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn scales_of_the_109_notice() {
        let case = |k| per_case_yuan(k).unwrap_or(-1);
        let page = |p| per_page_yuan(p).unwrap_or(-1);
        assert_eq!((case(1), case(10), case(11), case(30)), (0, 0, 100, 100));
        assert_eq!(
            (case(31), case(40), case(41), case(51)),
            (200, 200, 300, 400)
        );
        assert_eq!(
            (page(30), page(31), page(100), page(101)),
            (0, 10, 700, 720)
        );
        assert_eq!(page(250), 4700);
        assert_eq!(fee_fen(FeeMethod::PerPage, 250), Ok(470_000));
        assert!(fee_fen(FeeMethod::PerCase, 0).is_err());
        assert!(
            FeeMethod::from_code("both")
                .unwrap_err()
                .to_string()
                .contains("method")
        );
    }

    /// A page count or ordinal of 2⁶³ − 1 (the largest the form can parse; 2⁶³ itself does not
    /// parse as `i64`) is refused with the field named, never an overflow.
    #[test]
    fn huge_quantities_are_refused_not_overflowed() {
        for (method, field) in [
            (FeeMethod::PerPage, "pages"),
            (FeeMethod::PerCase, "ordinal"),
        ] {
            for q in [i64::MAX, i64::MAX / 2, i64::MAX / 40, i64::MAX / 100 + 1] {
                let e = fee_fen(method, q).map(|_| ()).unwrap_err().to_string();
                assert!(e.contains(field) && e.contains("过大"), "{q}: {e}");
            }
            for q in [0, -1, i64::MIN] {
                assert!(fee_fen(method, q).unwrap_err().to_string().contains(field));
            }
        }
        // The largest page count whose fee fits is still computed exactly.
        let max_ok = (i64::MAX / 100 - 10 * 70 - 20 * 100) / 40 + 200;
        assert!(fee_fen(FeeMethod::PerPage, max_ok).is_ok());
        assert!(fee_fen(FeeMethod::PerPage, max_ok + 1).is_err());
    }

    proptest! {
        #[test]
        fn fees_never_decrease(k in 1i64..500, p in 1i64..2000) {
            prop_assert!(per_case_yuan(k + 1) >= per_case_yuan(k));
            prop_assert!(per_page_yuan(p + 1) >= per_page_yuan(p));
            let step = per_page_yuan(p + 1).unwrap_or(0) - per_page_yuan(p).unwrap_or(0);
            prop_assert!(step <= 40);
        }

        #[test]
        fn any_quantity_gives_a_fee_or_an_error(q in any::<i64>(), per_page in any::<bool>()) {
            let m = if per_page { FeeMethod::PerPage } else { FeeMethod::PerCase };
            match fee_fen(m, q) {
                Ok(fen) => prop_assert!(fen >= 0 && fen % 100 == 0),
                Err(e) => {
                    let invalid = matches!(e, DomainError::Invalid { .. });
                    prop_assert!(invalid);
                }
            }
        }
    }
}
