//! Percent-encoding of a URL path segment or query value: every byte but the unreserved ones
//! of RFC 3986 (`A–Z a–z 0–9 - _ . ~`) becomes `%XX`. The one encoder of links the pages
//! write and of the query strings tests send.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but the RFC 3986 unreserved characters.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `s` percent-encoded for use as a path segment or a query (or form) value.
pub fn enc(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}
