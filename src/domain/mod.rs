//! Validated domain values and records: no HTTP, no SQL.

pub mod enums;
pub mod insights;
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
pub mod user_processing_result;
pub mod validation;
pub mod workflow;
