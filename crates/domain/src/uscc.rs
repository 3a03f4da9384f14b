//! 统一社会信用代码 (unified social credit code, GB 32100-2015).
//!
//! 18 characters: registration authority, organisation type, 6-digit administrative division,
//! 9-character organisation code (GB 11714, with its own check character) and a final check
//! character over the first 17, all from a 31-character alphabet without I, O, Z, S and V.

use crate::DomainError;

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The check character for the first 17 characters, or `None` if one is outside the alphabet.
pub fn check_char(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (b, w) in bytes.iter().zip(WEIGHTS) {
        sum += value(*b)? * w;
    }
    let c = (31 - sum % 31) % 31;
    Some(ALPHABET[c as usize] as char)
}

/// The GB 11714 check character of an 8-character organisation code body.
pub fn org_check_char(body8: &str) -> Option<char> {
    let bytes = body8.as_bytes();
    if bytes.len() != 8 {
        return None;
    }
    let mut sum = 0;
    for (b, w) in bytes.iter().zip(ORG_WEIGHTS) {
        let v = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'Z' => u32::from(b - b'A') + 10,
            _ => return None,
        };
        sum += v * w;
    }
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        n => char::from(b'0' + n as u8),
    })
}

/// Checks a 统一社会信用代码; the error names `field` and says what is wrong.
pub fn validate(code: &str, field: &str) -> Result<(), DomainError> {
    let c = code.trim();
    if c.chars().count() != 18 {
        return Err(DomainError::invalid(
            field,
            format!("统一社会信用代码“{code}”应为18位"),
        ));
    }
    if let Some(bad) = c.bytes().find(|b| value(*b).is_none()) {
        return Err(DomainError::invalid(
            field,
            format!("统一社会信用代码“{code}”含非法字符“{}”", bad as char),
        ));
    }
    let expected = check_char(&c[..17])
        .ok_or_else(|| DomainError::invalid(field, "统一社会信用代码无法校验"))?;
    let actual = c.as_bytes()[17] as char;
    if expected != actual {
        return Err(DomainError::invalid(
            field,
            format!("统一社会信用代码“{code}”校验位应为“{expected}”，实为“{actual}”"),
        ));
    }
    Ok(())
}

/// Builds a valid code for an enterprise (登记管理部门 9 工商, 类别 1 企业) registered in
/// `division` (6 digits) with organisation-code body `body8` (8 characters of 0-9A-Z).
pub fn make_enterprise(division: &str, body8: &str) -> Option<String> {
    let org = org_check_char(body8)?;
    let first17 = format!("91{division}{body8}{org}");
    let check = check_char(&first17)?;
    Some(format!("{first17}{check}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_codes() {
        // Published codes of well-known enterprises.
        validate("914403001922038216", "uscc").unwrap_or_else(|e| panic!("{e}"));
        validate("91440300708461136T", "uscc").unwrap_or_else(|e| panic!("{e}"));
        let e = validate("914403001922038217", "bidders[0].uscc")
            .unwrap_err()
            .to_string();
        assert!(e.contains("bidders[0].uscc") && e.contains("校验位"), "{e}");
        assert!(validate("123", "uscc").is_err());
        assert!(validate("91440300192203821I", "uscc").is_err());
    }

    proptest! {
        #[test]
        fn made_codes_validate(n in 0u32..99_999_999) {
            let body = format!("{n:08}");
            let code = make_enterprise("640302", &body).unwrap_or_default();
            prop_assert!(validate(&code, "uscc").is_ok(), "{}", code);
        }
    }
}
