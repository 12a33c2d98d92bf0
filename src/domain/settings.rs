//! A tenant's Lifecycle Workflows settings: how often scheduled workflows are
//! evaluated, and how their emails are sent.

use super::patch::Patch;
use super::validation::ValidationError;

/// The hours between two evaluations of the scheduled workflows: 1 to 24.
pub const SCHEDULE_INTERVAL_HOURS: std::ops::RangeInclusive<i32> = 1..=24;

/// The settings as stored, or their defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSettings {
    pub workflow_schedule_interval_in_hours: i32,
    pub sender_domain: Option<String>,
    pub use_company_branding: bool,
}

impl Default for TenantSettings {
    fn default() -> Self {
        Self {
            workflow_schedule_interval_in_hours: 3,
            sender_domain: None,
            use_company_branding: false,
        }
    }
}

/// A change to the settings: what is absent is kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TenantSettingsUpdate {
    pub workflow_schedule_interval_in_hours: Option<i32>,
    pub sender_domain: Patch<String>,
    pub use_company_branding: Option<bool>,
}

impl TenantSettingsUpdate {
    pub fn new(
        workflow_schedule_interval_in_hours: Patch<i32>,
        sender_domain: Patch<String>,
        use_company_branding: Patch<bool>,
    ) -> Result<Self, ValidationError> {
        const INTERVAL: &str = "workflowScheduleIntervalInHours";
        let interval = workflow_schedule_interval_in_hours.required(INTERVAL)?;
        if let Some(hours) = interval.filter(|hours| !SCHEDULE_INTERVAL_HOURS.contains(hours)) {
            return Err(ValidationError::new(
                INTERVAL,
                format!("must be from 1 to 24 hours, not {hours}"),
            ));
        }
        if let Patch::Value(domain) = &sender_domain {
            if domain.trim().is_empty() {
                return Err(ValidationError::new(
                    "emailSettings.senderDomain",
                    "must not be blank (null sends from the default domain)",
                ));
            }
        }
        Ok(Self {
            workflow_schedule_interval_in_hours: interval,
            sender_domain,
            use_company_branding: use_company_branding
                .required("emailSettings.useCompanyBranding")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_is_one_to_twenty_four_hours() {
        let with =
            |hours| TenantSettingsUpdate::new(Patch::Value(hours), Patch::Absent, Patch::Absent);
        assert!(with(1).is_ok());
        assert!(with(24).is_ok());
        assert_eq!(
            with(0).unwrap_err().property,
            "workflowScheduleIntervalInHours"
        );
        assert!(with(25).is_err());
        assert!(TenantSettingsUpdate::new(Patch::Null, Patch::Absent, Patch::Absent).is_err());
    }
}
