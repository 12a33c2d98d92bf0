//! Validated domain values and records: no HTTP, no SQL.

pub mod callout_configuration;
pub mod custom_task_extension;
pub mod directory;
pub mod duration;
pub mod enums;
pub mod group;
pub mod insights;
pub mod json;
pub mod keys;
pub mod objects;
pub mod patch;
pub mod reference;
pub mod run;
pub mod settings;
pub mod task_definition;
pub mod task_processing_result;
pub mod task_report;
pub mod timestamp;
pub mod user;
pub mod user_processing_result;
pub mod validation;
pub mod workflow;
