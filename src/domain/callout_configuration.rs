//! How a custom task extension is called (Graph's customCalloutExtension): the
//! endpoint, how the call authenticates, how long it waits and how often it
//! retries, and whether the task then waits for a callback. Each is read from a
//! request and from its jsonb column by the same decoder, and written to both
//! in Graph's shape, with its `@odata.type`. Bad values are refused where they
//! are decoded, so the error names their path (`clientConfiguration.maximumRetries`).

use super::duration;
use super::objects::{self, OdataType, Typed};
use chrono::Duration;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::ops::RangeInclusive;
use url::Url;
use utoipa::ToSchema;
use uuid::Uuid;

/// How often a call may be retried.
pub const MAXIMUM_RETRIES: RangeInclusive<i32> = 0..=3;
/// How long a call may wait for its answer.
pub const TIMEOUT_IN_MILLISECONDS: RangeInclusive<i32> = 1_000..=30_000;
/// How long a task may wait for its callback: PT5M to PT3H.
pub fn callback_timeouts() -> RangeInclusive<Duration> {
    Duration::minutes(5)..=Duration::hours(3)
}

/// `customExtensionEndpointConfiguration`: what the call goes to.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "@odata.type")]
pub enum EndpointConfiguration {
    #[serde(rename = "#microsoft.graph.logicAppTriggerEndpointConfiguration")]
    LogicAppTrigger(LogicAppTriggerEndpointConfiguration),
    #[serde(rename = "#microsoft.graph.httpRequestEndpoint")]
    HttpRequest(HttpRequestEndpoint),
}

objects::tagged!(EndpointConfiguration as "microsoft.graph.customExtensionEndpointConfiguration" {
    "microsoft.graph.logicAppTriggerEndpointConfiguration" => LogicAppTrigger(LogicAppTriggerEndpointConfiguration),
    "microsoft.graph.httpRequestEndpoint" => HttpRequest(HttpRequestEndpoint),
});

impl EndpointConfiguration {
    /// The URL the call goes to.
    pub fn url(&self) -> &Url {
        match self {
            EndpointConfiguration::LogicAppTrigger(logic_app) => &logic_app.url,
            EndpointConfiguration::HttpRequest(endpoint) => &endpoint.target_url,
        }
    }

    /// The path of the URL's property in a body, for errors.
    pub fn url_property(&self) -> &'static str {
        match self {
            EndpointConfiguration::LogicAppTrigger(_) => "endpointConfiguration.url",
            EndpointConfiguration::HttpRequest(_) => "endpointConfiguration.targetUrl",
        }
    }
}

/// `logicAppTriggerEndpointConfiguration`: an Azure Logic App. Its trigger's
/// URL is required here, since the service calls it (Graph finds it from the
/// other three when a user creates the extension).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LogicAppTriggerEndpointConfiguration {
    pub subscription_id: Option<String>,
    pub resource_group_name: Option<String>,
    pub logic_app_workflow_name: Option<String>,
    /// The absolute `https` URL the task calls.
    #[serde(deserialize_with = "absolute_url", serialize_with = "url_text")]
    #[schema(value_type = String)]
    pub url: Url,
}

/// `httpRequestEndpoint`: any endpoint that is not a Logic App.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpRequestEndpoint {
    /// The absolute `https` URL the task calls.
    #[serde(deserialize_with = "absolute_url", serialize_with = "url_text")]
    #[schema(value_type = String)]
    pub target_url: Url,
}

/// `customExtensionAuthenticationConfiguration`: the token the call carries.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "@odata.type")]
pub enum AuthenticationConfiguration {
    #[serde(rename = "#microsoft.graph.azureAdTokenAuthentication")]
    AzureAdToken(AzureAdTokenAuthentication),
    #[serde(rename = "#microsoft.graph.azureAdPopTokenAuthentication")]
    AzureAdPopToken(AzureAdPopTokenAuthentication),
}

objects::tagged!(AuthenticationConfiguration as "microsoft.graph.customExtensionAuthenticationConfiguration" {
    "microsoft.graph.azureAdTokenAuthentication" => AzureAdToken(AzureAdTokenAuthentication),
    "microsoft.graph.azureAdPopTokenAuthentication" => AzureAdPopToken(AzureAdPopTokenAuthentication),
});

/// `azureAdTokenAuthentication`: a token for the resource, the endpoint's
/// application.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AzureAdTokenAuthentication {
    #[serde(deserialize_with = "text")]
    #[schema(min_length = 1)]
    pub resource_id: String,
}

/// `azureAdPopTokenAuthentication`: a proof-of-possession token.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AzureAdPopTokenAuthentication {}

/// `customExtensionClientConfiguration`: how long a call waits for its answer,
/// and how often it is retried. Left out, the engine's defaults apply.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = microsoft::graph::customExtensionClientConfiguration)]
pub struct ClientConfiguration {
    #[serde(rename = "@odata.type", default)]
    #[schema(value_type = String, pattern = r"^#?microsoft\.graph\.customExtensionClientConfiguration$")]
    odata_type: OdataType<ClientConfiguration>,
    #[serde(default, deserialize_with = "maximum_retries")]
    #[schema(minimum = 0, maximum = 3)]
    pub maximum_retries: Option<i32>,
    #[serde(default, deserialize_with = "timeout_in_milliseconds")]
    #[schema(minimum = 1000, maximum = 30000)]
    pub timeout_in_milliseconds: Option<i32>,
}

impl Typed for ClientConfiguration {
    const ODATA_TYPE: &'static str = "microsoft.graph.customExtensionClientConfiguration";
}

/// `customTaskExtensionCallbackConfiguration`: the task waits for a callback
/// (`resume`) up to `timeoutDuration`, which the applications of
/// `authorizedApps` may send.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = microsoft::graph::identityGovernance::customTaskExtensionCallbackConfiguration)]
pub struct CallbackConfiguration {
    #[serde(rename = "@odata.type", default)]
    #[schema(
        value_type = String,
        pattern = r"^#?microsoft\.graph\.identityGovernance\.customTaskExtensionCallbackConfiguration$"
    )]
    odata_type: OdataType<CallbackConfiguration>,
    /// ISO 8601, PT5M to PT3H (also read as `H:MM:SS`, as the Python SDK
    /// writes a timedelta).
    #[serde(deserialize_with = "callback_timeout", serialize_with = "iso_duration")]
    #[schema(value_type = String, examples("PT20M"))]
    pub timeout_duration: Duration,
    #[serde(default, deserialize_with = "objects::many")]
    pub authorized_apps: Vec<ApplicationRef>,
}

impl Typed for CallbackConfiguration {
    const ODATA_TYPE: &'static str =
        "microsoft.graph.identityGovernance.customTaskExtensionCallbackConfiguration";
}

/// An application allowed to resume a task, by its application (client) id,
/// as a token's `appid` or `azp` names it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = applicationReference)]
pub struct ApplicationRef {
    #[serde(rename = "@odata.type", default)]
    #[schema(value_type = String, pattern = r"^#?microsoft\.graph\.application$")]
    odata_type: OdataType<ApplicationRef>,
    pub id: Uuid,
}

impl Typed for ApplicationRef {
    const ODATA_TYPE: &'static str = "microsoft.graph.application";
}

fn absolute_url<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Url, D::Error> {
    let text = String::deserialize(deserializer)?;
    Url::parse(&text)
        .map_err(|error| D::Error::custom(format!("'{text}' is not an absolute URL ({error})")))
}

fn url_text<S: Serializer>(url: &Url, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(url.as_str())
}

/// Text that is not blank.
fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let text = String::deserialize(deserializer)?;
    if text.trim().is_empty() {
        Err(D::Error::custom("must not be empty"))
    } else {
        Ok(text)
    }
}

/// An optional integer within `range`.
fn bounded<'de, D: Deserializer<'de>>(
    deserializer: D,
    range: RangeInclusive<i32>,
) -> Result<Option<i32>, D::Error> {
    match Option::<i32>::deserialize(deserializer)? {
        Some(value) if !range.contains(&value) => Err(D::Error::custom(format!(
            "must be from {} to {}, not {value}",
            range.start(),
            range.end()
        ))),
        value => Ok(value),
    }
}

fn maximum_retries<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i32>, D::Error> {
    bounded(deserializer, MAXIMUM_RETRIES)
}

fn timeout_in_milliseconds<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i32>, D::Error> {
    bounded(deserializer, TIMEOUT_IN_MILLISECONDS)
}

fn callback_timeout<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(deserializer)?;
    let duration = duration::parse(&text).ok_or_else(|| {
        D::Error::custom(format!(
            "'{text}' is not an ISO 8601 duration of days, hours, minutes and whole seconds \
             (such as PT20M)"
        ))
    })?;
    let allowed = callback_timeouts();
    if allowed.contains(&duration) {
        Ok(duration)
    } else {
        Err(D::Error::custom(format!(
            "must be from {} to {}, not {}",
            duration::format(*allowed.start()),
            duration::format(*allowed.end()),
            duration::format(duration)
        )))
    }
}

fn iso_duration<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&duration::format(*duration))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decoded<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, String> {
        serde_json::from_value(value).map_err(|error| error.to_string())
    }

    #[test]
    fn configurations_read_back_as_they_are_written() {
        let endpoint: EndpointConfiguration = decoded(json!({
            "@odata.type": "microsoft.graph.logicAppTriggerEndpointConfiguration",
            "subscriptionId": "c500b67c-e9b7-4ad2-a90d-77d41385ae55",
            "resourceGroupName": "RG-LCM", "logicAppWorkflowName": "ManagerAccess",
            "url": "https://prod-1.westus.logic.azure.com/workflows/1/triggers/manual/run"
        }))
        .unwrap();
        let written = serde_json::to_value(&endpoint).unwrap();
        assert_eq!(
            written["@odata.type"],
            "#microsoft.graph.logicAppTriggerEndpointConfiguration"
        );
        assert_eq!(decoded::<EndpointConfiguration>(written).unwrap(), endpoint);
        assert_eq!(
            endpoint.url().host_str(),
            Some("prod-1.westus.logic.azure.com")
        );

        let callback: CallbackConfiguration = decoded(json!({
            "timeoutDuration": "0:20:00",
            "authorizedApps": [{"@odata.type": "#microsoft.graph.application", "id": "2b9c4f3e-6d1a-4c8e-9f70-1a2b3c4d5e6f"}]
        }))
        .unwrap();
        assert_eq!(callback.timeout_duration, Duration::minutes(20));
        assert_eq!(
            serde_json::to_value(&callback).unwrap(),
            json!({
                "@odata.type": "#microsoft.graph.identityGovernance.customTaskExtensionCallbackConfiguration",
                "timeoutDuration": "PT20M",
                "authorizedApps": [{"@odata.type": "#microsoft.graph.application", "id": "2b9c4f3e-6d1a-4c8e-9f70-1a2b3c4d5e6f"}]
            })
        );
        let client: ClientConfiguration = decoded(json!({"maximumRetries": 0})).unwrap();
        assert_eq!(
            serde_json::to_value(&client).unwrap(),
            json!({"@odata.type": "#microsoft.graph.customExtensionClientConfiguration",
                   "maximumRetries": 0, "timeoutInMilliseconds": null})
        );
    }

    #[test]
    fn values_out_of_range_are_refused_naming_the_range() {
        for (value, expected) in [
            (json!({"maximumRetries": 4}), "from 0 to 3, not 4"),
            (json!({"maximumRetries": -1}), "from 0 to 3, not -1"),
            (
                json!({"timeoutInMilliseconds": 999}),
                "from 1000 to 30000, not 999",
            ),
            (
                json!({"timeoutInMilliseconds": 30001}),
                "from 1000 to 30000, not 30001",
            ),
            (json!({"@odata.type": "#microsoft.graph.user"}), "is not"),
        ] {
            let error = decoded::<ClientConfiguration>(value.clone()).unwrap_err();
            assert!(error.contains(expected), "{value}: {error}");
        }
        for (timeout, expected) in [
            ("PT4M59S", "not PT4M59S"),
            ("PT3H1S", "not PT3H1S"),
            ("P1D", "not P1D"),
            ("5 minutes", "not an ISO 8601 duration"),
        ] {
            let error =
                decoded::<CallbackConfiguration>(json!({"timeoutDuration": timeout})).unwrap_err();
            assert!(error.contains(expected), "{timeout}: {error}");
        }
        for timeout in ["PT5M", "PT3H", "PT180M", "0:05:00", "3:00:00"] {
            assert!(
                decoded::<CallbackConfiguration>(json!({"timeoutDuration": timeout})).is_ok(),
                "{timeout}"
            );
        }
    }

    #[test]
    fn unknown_types_and_missing_urls_are_refused() {
        let error = decoded::<EndpointConfiguration>(json!({
            "@odata.type": "#microsoft.graph.webhookEndpoint", "url": "https://a.example"
        }))
        .unwrap_err();
        assert!(
            error.contains("#microsoft.graph.webhookEndpoint"),
            "{error}"
        );
        let error = decoded::<EndpointConfiguration>(json!({
            "@odata.type": "#microsoft.graph.httpRequestEndpoint", "targetUrl": "/relative"
        }))
        .unwrap_err();
        assert!(
            error.contains("'/relative' is not an absolute URL"),
            "{error}"
        );
        let error = decoded::<AuthenticationConfiguration>(json!({
            "@odata.type": "#microsoft.graph.azureAdTokenAuthentication", "resourceId": " "
        }))
        .unwrap_err();
        assert!(error.contains("must not be empty"), "{error}");
    }
}
