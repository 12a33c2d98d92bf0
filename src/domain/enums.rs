//! Graph's enumerations. Members listed after `unknownFutureValue` in Graph's
//! metadata are *evolvable*: clients that did not opt in with
//! `Prefer: include-unknown-enum-members` see them as `unknownFutureValue`.
//! `unknownFutureValue` itself is a rendering sentinel, never a stored value, so it
//! is not a member here and a client cannot send it.

use serde::{de, Deserialize, Deserializer};
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;

/// The wire name shown for an evolvable member to a client that did not opt in.
pub const UNKNOWN_FUTURE_VALUE: &str = "unknownFutureValue";

/// Whether the request opted in to see evolvable enum members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvolvableMembers {
    Hidden,
    Shown,
}

/// A stored value that is not a member of its enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownMember {
    pub enum_name: &'static str,
    pub value: String,
}

impl fmt::Display for UnknownMember {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}' is not a member of {}", self.value, self.enum_name)
    }
}

impl std::error::Error for UnknownMember {}

/// The schema of the values a request may send for a type. Responses may show
/// `unknownFutureValue`; requests cannot send it.
pub trait InputSchema {
    fn input_schema() -> RefOr<Schema>;
}

/// A type that only describes, in request bodies, what a request may send for a
/// value of another (`#[schema(inline, value_type = …Input)]`).
macro_rules! input_schema {
    ($($input:ident for $name:ty),+ $(,)?) => {
        $(
            #[doc = concat!("The values of `", stringify!($name), "` a request may send.")]
            pub struct $input;

            impl utoipa::PartialSchema for $input {
                fn schema() -> RefOr<Schema> {
                    <$name as InputSchema>::input_schema()
                }
            }

            impl utoipa::ToSchema for $input {}
        )+
    };
}

input_schema! {
    ProcessingStatusInput for ProcessingStatus,
    WorkflowExecutionTypeInput for WorkflowExecutionType,
    WorkflowCategoryInput for WorkflowCategory,
    TaskCategoryInput for TaskCategory,
}

/// The OpenAPI schema of an enumeration with these member names.
fn member_names_schema(names: &[&str]) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(names.iter().copied().chain([UNKNOWN_FUTURE_VALUE])))
        .into()
}

macro_rules! graph_enum {
    (
        $(#[$meta:meta])*
        $name:ident = $graph_name:literal {
            $($variant:ident = $wire:literal),+ ;
            evolvable { $($evolvable:ident = $evolvable_wire:literal),* }
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)+
            $($evolvable,)*
        }

        impl $name {
            pub const GRAPH_NAME: &'static str = $graph_name;
            /// Every member's name, evolvable ones included.
            pub const NAMES: &'static [&'static str] = &[$($wire,)+ $($evolvable_wire,)*];
            const MEMBERS: &'static [($name, &'static str)] =
                &[$(($name::$variant, $wire),)+ $(($name::$evolvable, $evolvable_wire),)*];

            /// The stored (and opted-in wire) name of the member.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                    $($name::$evolvable => $evolvable_wire,)*
                }
            }

            pub fn is_evolvable(self) -> bool {
                !matches!(self, $($name::$variant)|+)
            }

            /// The name a client sees, given whether it opted in to evolvable members.
            pub fn wire_name(self, evolvable: EvolvableMembers) -> &'static str {
                if self.is_evolvable() && evolvable == EvolvableMembers::Hidden {
                    UNKNOWN_FUTURE_VALUE
                } else {
                    self.as_str()
                }
            }
        }

        /// A string enumeration of every member, as a response may show
        /// `unknownFutureValue` too.
        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                member_names_schema(Self::NAMES)
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(concat!("microsoft.graph.identityGovernance.", $graph_name))
            }
        }

        /// Every member, evolvable ones included, and not the sentinel.
        impl InputSchema for $name {
            fn input_schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(Self::NAMES.iter().copied()))
                    .into()
            }
        }

        impl FromStr for $name {
            type Err = UnknownMember;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Self::MEMBERS
                    .iter()
                    .find(|(_, wire)| *wire == value)
                    .map(|(member, _)| *member)
                    .ok_or_else(|| UnknownMember { enum_name: $graph_name, value: value.to_owned() })
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                value.parse().map_err(|_| {
                    let expected: Vec<&str> = Self::MEMBERS.iter().map(|(_, wire)| *wire).collect();
                    de::Error::custom(format!(
                        "'{value}' is not a member of {}; expected one of: {}",
                        $graph_name,
                        expected.join(", ")
                    ))
                })
            }
        }
    };
}

graph_enum! {
    /// `lifecycleWorkflowProcessingStatus`.
    ProcessingStatus = "lifecycleWorkflowProcessingStatus" {
        Queued = "queued",
        InProgress = "inProgress",
        Completed = "completed",
        CompletedWithErrors = "completedWithErrors",
        Canceled = "canceled",
        Failed = "failed";
        evolvable { Canceling = "canceling", Quarantined = "quarantined" }
    }
}

graph_enum! {
    /// `workflowExecutionType`.
    WorkflowExecutionType = "workflowExecutionType" {
        Scheduled = "scheduled",
        OnDemand = "onDemand";
        evolvable { ActivatedWithScope = "activatedWithScope" }
    }
}

graph_enum! {
    /// `lifecycleWorkflowCategory`; also the members of the flags enum
    /// `lifecycleTaskCategory`.
    WorkflowCategory = "lifecycleWorkflowCategory" {
        Joiner = "joiner",
        Leaver = "leaver";
        evolvable { Mover = "mover" }
    }
}

/// `lifecycleTaskCategory`: a non-empty set of categories, written as a comma list
/// (`"joiner,leaver"`), kept in the enum's member order without repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskCategory(Vec<WorkflowCategory>);

impl TaskCategory {
    pub fn single(category: WorkflowCategory) -> Self {
        Self(vec![category])
    }

    /// The stored form: member names joined by commas.
    pub fn to_stored(&self) -> String {
        self.join(|member| member.as_str())
    }

    pub fn wire_name(&self, evolvable: EvolvableMembers) -> String {
        self.join(|member| member.wire_name(evolvable))
    }

    fn join(&self, name: impl Fn(WorkflowCategory) -> &'static str) -> String {
        let mut names: Vec<&str> = self.0.iter().map(|member| name(*member)).collect();
        names.dedup();
        names.join(",")
    }
}

impl FromStr for TaskCategory {
    type Err = UnknownMember;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let unknown = || UnknownMember {
            enum_name: "lifecycleTaskCategory",
            value: value.to_owned(),
        };
        let mut members = value
            .split(',')
            .map(|name| {
                name.trim_ascii()
                    .parse::<WorkflowCategory>()
                    .map_err(|_| unknown())
            })
            .collect::<Result<Vec<_>, _>>()?;
        members.sort_by_key(|member| {
            WorkflowCategory::MEMBERS
                .iter()
                .position(|(m, _)| m == member)
        });
        members.dedup();
        Ok(Self(members))
    }
}

impl<'de> Deserialize<'de> for TaskCategory {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        value.parse().map_err(|_| {
            de::Error::custom(format!(
                "'{value}' is not a comma list of joiner, leaver, mover (lifecycleTaskCategory)"
            ))
        })
    }
}

/// A string of comma-separated members, which OpenAPI can only say by pattern.
impl utoipa::PartialSchema for TaskCategory {
    fn schema() -> RefOr<Schema> {
        let member = format!(
            "({})",
            [WorkflowCategory::NAMES, &[UNKNOWN_FUTURE_VALUE]]
                .concat()
                .join("|")
        );
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(format!("^{member}(,{member})*$")))
            .examples(["joiner,leaver"])
            .into()
    }
}

/// Members (not the sentinel) around which a request may put ASCII white space,
/// as the service trims it.
impl InputSchema for TaskCategory {
    fn input_schema() -> RefOr<Schema> {
        let member = format!(
            "[ \\t\\n\\f\\r]*({})[ \\t\\n\\f\\r]*",
            WorkflowCategory::NAMES.join("|")
        );
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(format!("^{member}(,{member})*$")))
            .examples(["joiner,leaver"])
            .into()
    }
}

impl utoipa::ToSchema for TaskCategory {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("microsoft.graph.identityGovernance.lifecycleTaskCategory")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The document says ASCII white space may surround a member (the pattern of
    /// TaskCategoryInput); the parser trims that and nothing else.
    #[test]
    fn task_categories_trim_ascii_white_space_only() {
        assert_eq!(
            " joiner,\tleaver\r\n"
                .parse::<TaskCategory>()
                .unwrap()
                .to_stored(),
            "joiner,leaver"
        );
        for text in [
            "joiner,\u{85}leaver",
            "\u{a0}joiner",
            "joiner,",
            "unknownFutureValue",
        ] {
            assert!(text.parse::<TaskCategory>().is_err(), "{text:?}");
        }
    }

    #[test]
    fn evolvable_members_are_hidden_unless_shown() {
        assert_eq!(
            ProcessingStatus::Canceling.wire_name(EvolvableMembers::Hidden),
            UNKNOWN_FUTURE_VALUE
        );
        assert_eq!(
            ProcessingStatus::Canceling.wire_name(EvolvableMembers::Shown),
            "canceling"
        );
        assert_eq!(
            ProcessingStatus::Failed.wire_name(EvolvableMembers::Hidden),
            "failed"
        );
        assert_eq!(
            WorkflowExecutionType::ActivatedWithScope.wire_name(EvolvableMembers::Hidden),
            UNKNOWN_FUTURE_VALUE
        );
    }

    #[test]
    fn names_round_trip_and_the_sentinel_is_not_a_member() {
        for (member, wire) in ProcessingStatus::MEMBERS {
            assert_eq!(wire.parse::<ProcessingStatus>().unwrap(), *member);
        }
        assert!("unknownFutureValue".parse::<ProcessingStatus>().is_err());
        assert!("Failed".parse::<ProcessingStatus>().is_err());
    }

    #[test]
    fn task_category_is_a_normalised_comma_list() {
        let category: TaskCategory = "mover,joiner,joiner".parse().unwrap();
        assert_eq!(category.to_stored(), "joiner,mover");
        assert_eq!(
            category.wire_name(EvolvableMembers::Hidden),
            "joiner,unknownFutureValue"
        );
        assert!("".parse::<TaskCategory>().is_err());
        assert!("joiner,boss".parse::<TaskCategory>().is_err());
    }
}
