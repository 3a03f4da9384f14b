use thiserror::Error;

/// Errors of the domain rules. Messages are in Chinese and name the field at fault.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DomainError {
    /// A field of some input has a bad value.
    #[error("字段“{field}”无效：{message}")]
    Invalid { field: String, message: String },
    /// The requested period is empty or outside the agency's life.
    #[error("统计期间无效：{0}")]
    Period(String),
}

impl DomainError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        DomainError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}
