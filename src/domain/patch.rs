//! PATCH bodies tell three things apart: a property left out (keep it), sent as
//! `null` (clear it) and sent with a value (set it).

use super::enums::ProcessingStatus;
use super::validation::{check_completed_after_started, ValidationError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    /// Only called for a property that is present; `#[serde(default)]` makes a
    /// missing one `Absent`.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Option::<T>::deserialize(deserializer)?.map_or(Patch::Null, Patch::Value))
    }
}

impl<T> Patch<T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Null,
            Patch::Value(value) => Patch::Value(f(value)),
        }
    }

    pub fn is_present(&self) -> bool {
        !matches!(self, Patch::Absent)
    }

    /// The new value: `None` for absent or null (see [`Patch::is_present`]).
    pub fn value(&self) -> Option<&T> {
        match self {
            Patch::Value(value) => Some(value),
            Patch::Absent | Patch::Null => None,
        }
    }

    /// The value the patch gives the property, when it gives one: `Some(None)`
    /// clears it.
    pub fn change(&self) -> Option<Option<T>>
    where
        T: Clone,
    {
        match self {
            Patch::Absent => None,
            Patch::Null => Some(None),
            Patch::Value(value) => Some(Some(value.clone())),
        }
    }

    /// A value for a property that cannot be null: absent is `None`, null an error.
    pub fn required(self, property: &str) -> Result<Option<T>, ValidationError> {
        match self {
            Patch::Absent => Ok(None),
            Patch::Null => Err(ValidationError::new(property, "cannot be null")),
            Patch::Value(value) => Ok(Some(value)),
        }
    }
}

/// A change to the processing state of a run, userProcessingResult or
/// taskProcessingResult.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcessingUpdate {
    pub processing_status: Option<ProcessingStatus>,
    pub started_date_time: Patch<DateTime<Utc>>,
    pub completed_date_time: Patch<DateTime<Utc>>,
}

impl ProcessingUpdate {
    pub fn new(
        processing_status: Patch<ProcessingStatus>,
        started_date_time: Patch<DateTime<Utc>>,
        completed_date_time: Patch<DateTime<Utc>>,
    ) -> Result<Self, ValidationError> {
        check_completed_after_started(started_date_time.value(), completed_date_time.value())?;
        Ok(Self {
            processing_status: processing_status.required("processingStatus")?,
            started_date_time,
            completed_date_time,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Body {
        #[serde(default)]
        description: Patch<String>,
    }

    #[test]
    fn absent_null_and_value_differ() {
        let parse = |json: &str| serde_json::from_str::<Body>(json).unwrap().description;
        assert_eq!(parse("{}"), Patch::Absent);
        assert_eq!(parse(r#"{"description": null}"#), Patch::Null);
        assert_eq!(
            parse(r#"{"description": "x"}"#),
            Patch::Value("x".to_owned())
        );
    }

    #[test]
    fn required_properties_cannot_be_cleared() {
        assert!(Patch::<u8>::Null.required("p").is_err());
        assert_eq!(Patch::<u8>::Absent.required("p"), Ok(None));
        assert_eq!(Patch::Value(1).required("p"), Ok(Some(1)));
    }
}
