//! Number formatting as Chinese reports write it, and exact money arithmetic.
//!
//! Money is held as an integer number of 分 (fen) and written as a decimal string, never a float
//! (contracts.md §1).

use crate::DomainError;

/// The way reports quote large counts: 5836 → "5800余", 977 → "977", 1500 → "1500".
///
/// Counts of 1000 or more are rounded down to the hundred and marked 余 when anything was cut;
/// smaller counts are quoted exactly.
pub fn approx(n: i64) -> String {
    if n < 1000 {
        return n.to_string();
    }
    let floor = n - n % 100;
    if floor == n {
        n.to_string()
    } else {
        format!("{floor}余")
    }
}

/// Writes `units / 10^scale` as a decimal string without trailing zeros ("4437", "20.3").
fn decimal(units: i64, scale: u32) -> String {
    let div = 10_i64.pow(scale);
    let sign = if units < 0 { "-" } else { "" };
    let abs = units.unsigned_abs();
    let whole = abs / div as u64;
    let frac = abs % div as u64;
    if frac == 0 {
        return format!("{sign}{whole}");
    }
    let mut f = format!("{frac:0width$}", width = scale as usize);
    while f.ends_with('0') {
        f.pop();
    }
    format!("{sign}{whole}.{f}")
}

/// 分 → 元 as a decimal string.
pub fn fen_to_yuan(fen: i64) -> String {
    decimal(fen, 2)
}

/// 分 → 万元 as a decimal string (1 万元 = 1 000 000 分).
pub fn fen_to_wan_yuan(fen: i64) -> String {
    decimal(fen, 6)
}

/// Parses a non-negative decimal money string in the given unit (1 for 元, 10 000 for 万元)
/// into 分. `field` names the input in the error.
pub fn parse_money(s: &str, unit_yuan: i64, field: &str) -> Result<i64, DomainError> {
    let t = s.trim();
    let bad = || DomainError::invalid(field, format!("“{s}”不是非负金额（如 4437 或 20.3）"));
    if t.is_empty() {
        return Err(bad());
    }
    let (whole, frac) = match t.split_once('.') {
        Some((w, f)) => (w, f),
        None => (t, ""),
    };
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    // scale: digits of 分 in one unit
    let fen_per_unit = unit_yuan.checked_mul(100).ok_or_else(bad)?;
    let scale = fen_per_unit.to_string().len() as u32 - 1;
    if frac.len() as u32 > scale {
        return Err(DomainError::invalid(
            field,
            format!("“{s}”的小数位过多（最小单位为分）"),
        ));
    }
    let w: i64 = whole.parse().map_err(|_| bad())?;
    let mut f: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| bad())?
    };
    for _ in frac.len() as u32..scale {
        f *= 10;
    }
    w.checked_mul(fen_per_unit)
        .and_then(|x| x.checked_add(f))
        .ok_or_else(bad)
}

/// "2024年5月29日".
pub fn date_cn(d: time::Date) -> String {
    format!("{}年{}月{}日", d.year(), u8::from(d.month()), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn approx_reads_like_the_reference() {
        assert_eq!(approx(5836), "5800余");
        assert_eq!(approx(1517), "1500余");
        assert_eq!(approx(7432), "7400余");
        assert_eq!(approx(977), "977");
        assert_eq!(approx(2000), "2000");
        assert_eq!(approx(0), "0");
    }

    #[test]
    fn money_strings() {
        assert_eq!(fen_to_wan_yuan(4_437_000_000), "4437");
        assert_eq!(fen_to_wan_yuan(203_000_000 / 10), "20.3");
        assert_eq!(fen_to_yuan(38_000), "380");
        assert_eq!(fen_to_yuan(12_345), "123.45");
        assert_eq!(parse_money("20.3", 10_000, "x"), Ok(20_300_000));
        assert_eq!(parse_money("4437", 10_000, "x"), Ok(4_437_000_000));
        assert!(
            parse_money("-1", 1, "金额")
                .unwrap_err()
                .to_string()
                .contains("金额")
        );
        assert!(parse_money("1.234", 1, "金额").is_err());
        assert!(parse_money("", 1, "金额").is_err());
    }

    proptest! {
        #[test]
        fn money_round_trips(fen in 0i64..10_000_000_000_000) {
            prop_assert_eq!(parse_money(&fen_to_yuan(fen), 1, "x"), Ok(fen));
            prop_assert_eq!(parse_money(&fen_to_wan_yuan(fen), 10_000, "x"), Ok(fen));
        }

        #[test]
        fn approx_never_overstates(n in 0i64..10_000_000) {
            let s = approx(n);
            let digits: i64 = s.trim_end_matches('余').parse().unwrap_or(-1);
            prop_assert!(digits <= n && n - digits < 100);
            prop_assert_eq!(s.ends_with('余'), digits != n);
        }
    }
}
