use crate::error::GraphError;
use std::fmt;

/// A request value that breaks a rule of the API; it names the property at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    pub property: String,
    pub message: String,
}

impl ValidationError {
    pub fn new(property: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            property: property.into(),
            message: message.into(),
        }
    }

    /// The error of a value nested in the body's `property`: its path starts there.
    pub fn within(self, property: &str) -> Self {
        Self {
            property: format!("{property}.{}", self.property),
            ..self
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Invalid value for property '{}': {}",
            self.property, self.message
        )
    }
}

/// Checks the optional `@odata.type` annotation of a body against the type it must
/// name. Graph accepts the name with or without its leading `#`.
pub fn check_odata_type(given: Option<&str>, expected: &str) -> Result<(), ValidationError> {
    match given {
        None => Ok(()),
        Some(name) if name.strip_prefix('#').unwrap_or(name) == expected => Ok(()),
        Some(name) => Err(ValidationError::new(
            "@odata.type",
            format!("'{name}' is not '#{expected}'"),
        )),
    }
}

/// The longest displayName of anything the service stores, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 256;

/// Checks a displayName: not blank, at most [`MAX_DISPLAY_NAME_CHARS`].
pub fn check_display_name(name: &str) -> Result<(), ValidationError> {
    check_text("displayName", name, MAX_DISPLAY_NAME_CHARS)
}

/// Checks a text that must not be blank and has at most `max_chars` characters.
pub fn check_text(property: &str, text: &str, max_chars: usize) -> Result<(), ValidationError> {
    let chars = text.chars().count();
    if text.trim().is_empty() {
        Err(ValidationError::new(property, "must not be empty"))
    } else if chars > max_chars {
        Err(ValidationError::new(
            property,
            format!("must be at most {max_chars} characters, not {chars}"),
        ))
    } else {
        Ok(())
    }
}

/// Rejects a completion that precedes the start.
pub fn check_completed_after_started<T: PartialOrd>(
    started: Option<&T>,
    completed: Option<&T>,
) -> Result<(), ValidationError> {
    match (started, completed) {
        (Some(started), Some(completed)) if completed < started => Err(ValidationError::new(
            "completedDateTime",
            "must not be earlier than startedDateTime",
        )),
        _ => Ok(()),
    }
}

impl From<ValidationError> for GraphError {
    fn from(error: ValidationError) -> Self {
        Self::invalid_request(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odata_type_accepts_both_spellings_and_rejects_other_types() {
        let expected = "microsoft.graph.identityGovernance.run";
        assert!(check_odata_type(None, expected).is_ok());
        assert!(check_odata_type(Some(expected), expected).is_ok());
        assert!(
            check_odata_type(Some("#microsoft.graph.identityGovernance.run"), expected).is_ok()
        );
        let err = check_odata_type(Some("#microsoft.graph.user"), expected).unwrap_err();
        assert_eq!(err.property, "@odata.type");
    }

    #[test]
    fn completion_before_start_is_rejected() {
        assert!(check_completed_after_started(Some(&2), Some(&1)).is_err());
        assert!(check_completed_after_started(Some(&1), Some(&1)).is_ok());
        assert!(check_completed_after_started(None, Some(&1)).is_ok());
    }
}
