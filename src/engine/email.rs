//! The email tasks: to whom each sends by default, what it says, Graph's
//! `{{…}}` placeholders, and sending through SMTP.

use super::tasks::{completed, failed};
use crate::db::engine::TaskOutcome;
use crate::domain::user::{User, UserWithManager};
use crate::domain::workflow::TaskArgument;
use chrono::{DateTime, Utc};
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use uuid::{uuid, Uuid};

/// The email task definitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailKind {
    Welcome,
    OnboardingReminder,
    BeforeLastDay,
    OnLastDay,
    AfterLastDay,
    ManagerOfMove,
}

/// Who an email goes to, as the `to` argument names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum To {
    User,
    Manager,
}

impl EmailKind {
    pub fn of(definition: Uuid) -> Option<Self> {
        const WELCOME: Uuid = uuid!("70b29d51-b59a-4773-9280-8841dfd3f2ea");
        const ONBOARDING_REMINDER: Uuid = uuid!("3c860712-2d37-42a4-928f-5c93935d26a1");
        const BEFORE_LAST_DAY: Uuid = uuid!("52853a3e-f4e5-4eb8-bb24-1ac09a1da935");
        const ON_LAST_DAY: Uuid = uuid!("9c0a1eaf-5bda-4392-9d9e-6e155bb57411");
        const AFTER_LAST_DAY: Uuid = uuid!("6f22ddd4-b3a5-47a4-a846-0d7c201a49ce");
        const MANAGER_OF_MOVE: Uuid = uuid!("aab41899-9972-422a-9d97-f626014578b7");
        Some(match definition {
            WELCOME => EmailKind::Welcome,
            ONBOARDING_REMINDER => EmailKind::OnboardingReminder,
            BEFORE_LAST_DAY => EmailKind::BeforeLastDay,
            ON_LAST_DAY => EmailKind::OnLastDay,
            AFTER_LAST_DAY => EmailKind::AfterLastDay,
            MANAGER_OF_MOVE => EmailKind::ManagerOfMove,
            _ => return None,
        })
    }

    /// Graph's default recipient of the email, when `to` is not given.
    fn default_to(self) -> To {
        match self {
            EmailKind::Welcome | EmailKind::OnLastDay => To::User,
            EmailKind::OnboardingReminder
            | EmailKind::BeforeLastDay
            | EmailKind::AfterLastDay
            | EmailKind::ManagerOfMove => To::Manager,
        }
    }

    fn default_subject(self) -> &'static str {
        match self {
            EmailKind::Welcome => "Welcome, {{userGivenName}}",
            EmailKind::OnboardingReminder => {
                "Reminder: {{userDisplayName}} starts on {{userEmployeeHireDate}}"
            }
            EmailKind::BeforeLastDay => {
                "{{userDisplayName}}'s last day is {{userEmployeeLeaveDateTime}}"
            }
            EmailKind::OnLastDay => "Your last day, {{userGivenName}}",
            EmailKind::AfterLastDay => "{{userDisplayName}} has left",
            EmailKind::ManagerOfMove => "{{userDisplayName}} has moved",
        }
    }

    fn default_body(self) -> &'static str {
        match self {
            EmailKind::Welcome => {
                "Hello {{userDisplayName}},\n\nwelcome aboard. You sign in as {{userPrincipalName}}; \
                 your manager is {{managerDisplayName}}."
            }
            EmailKind::OnboardingReminder => {
                "Hello {{managerDisplayName}},\n\n{{userDisplayName}} starts on \
                 {{userEmployeeHireDate}}."
            }
            EmailKind::BeforeLastDay => {
                "Hello {{managerDisplayName}},\n\n{{userDisplayName}} leaves on \
                 {{userEmployeeLeaveDateTime}}."
            }
            EmailKind::OnLastDay => {
                "Hello {{userDisplayName}},\n\ntoday is your last day. Thank you."
            }
            EmailKind::AfterLastDay => {
                "Hello {{managerDisplayName}},\n\n{{userDisplayName}} left on \
                 {{userEmployeeLeaveDateTime}}."
            }
            EmailKind::ManagerOfMove => {
                "Hello {{managerDisplayName}},\n\n{{userDisplayName}} has moved to a new role."
            }
        }
    }
}

/// An email ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub cc: Vec<String>,
    pub subject: String,
    pub body: String,
}

/// The email a task sends to `user`, or why it cannot be sent.
pub fn compose(
    kind: EmailKind,
    user: &UserWithManager,
    arguments: &[TaskArgument],
) -> Result<Email, TaskOutcome> {
    let argument = |name: &str| TaskArgument::find(arguments, name);
    let to = match argument("to") {
        None => kind.default_to(),
        Some(to) if to.eq_ignore_ascii_case("user") => To::User,
        Some(to) if to.eq_ignore_ascii_case("manager") => To::Manager,
        Some(other) => {
            return Err(failed(format!(
                "The to argument names '{other}': this service sends to User or Manager."
            )))
        }
    };
    let address = match to {
        To::User => Some(address_of(&user.user)),
        To::Manager => user.manager.as_ref().map(address_of),
    };
    let Some(address) = address else {
        return Err(failed(format!(
            "The email goes to the manager of {}, who has none.",
            user.user.user_principal_name
        )));
    };
    let cc = argument("cc")
        .map(|cc| {
            cc.split([',', ';'])
                .map(str::trim)
                .filter(|address| !address.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Ok(Email {
        to: address,
        cc,
        subject: fill(
            argument("customSubject").unwrap_or(kind.default_subject()),
            user,
        ),
        body: fill(argument("customBody").unwrap_or(kind.default_body()), user),
    })
}

/// Where a user's email goes: its mail, else its userPrincipalName.
fn address_of(user: &User) -> String {
    user.mail
        .clone()
        .unwrap_or_else(|| user.user_principal_name.clone())
}

/// Fills Graph's placeholders with the user's values (empty when it has none).
pub fn fill(template: &str, with_manager: &UserWithManager) -> String {
    let (user, manager) = (&with_manager.user, with_manager.manager.as_ref());
    let date = |at: Option<DateTime<Utc>>| {
        at.map(|at| at.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    };
    let values = [
        ("userDisplayName", user.display_name.clone()),
        ("userGivenName", user.given_name.clone().unwrap_or_default()),
        ("userSurname", user.surname.clone().unwrap_or_default()),
        ("userPrincipalName", user.user_principal_name.clone()),
        ("userEmployeeHireDate", date(user.employee_hire_date)),
        (
            "userEmployeeLeaveDateTime",
            date(user.employee_leave_date_time),
        ),
        (
            "managerDisplayName",
            manager
                .map(|manager| manager.display_name.clone())
                .unwrap_or_default(),
        ),
        ("managerEmail", manager.map(address_of).unwrap_or_default()),
    ];
    let mut filled = template.to_owned();
    for (name, value) in values {
        filled = filled.replace(&format!("{{{{{name}}}}}"), &value);
    }
    filled
}

/// Sends email through one SMTP server.
#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: String,
}

impl Mailer {
    /// Over `smtp://host[:port]` (plain SMTP, port 25 by default, as a relay
    /// or sink on the same network takes it). Without a URL, every email
    /// fails, saying that none is configured.
    pub fn new(url: Option<&str>, from: String) -> Result<Self, String> {
        let transport = url
            .map(|text| {
                let url = url::Url::parse(text)
                    .map_err(|error| format!("LCW_SMTP_URL '{text}' is not a URL ({error})"))?;
                match (url.scheme(), url.host_str()) {
                    ("smtp", Some(host)) => Ok(
                        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                            .port(url.port().unwrap_or(25))
                            .build(),
                    ),
                    _ => Err(format!(
                        "LCW_SMTP_URL '{text}' is not an smtp://host:port URL"
                    )),
                }
            })
            .transpose()?;
        Ok(Self { transport, from })
    }

    /// Sends `email` from the tenant's sender domain, if its settings name one.
    pub async fn send(&self, email: &Email, sender_domain: Option<&str>) -> TaskOutcome {
        let Some(transport) = &self.transport else {
            return failed("No SMTP server is configured (LCW_SMTP_URL).".to_owned());
        };
        let from =
            sender_domain.map_or_else(|| self.from.clone(), |domain| format!("no-reply@{domain}"));
        let message = match message(&from, email) {
            Ok(message) => message,
            Err(reason) => return failed(reason),
        };
        match transport.send(message).await {
            Ok(_) => completed(format!(
                "Sent '{}' to {}{}.",
                email.subject,
                email.to,
                if email.cc.is_empty() {
                    String::new()
                } else {
                    format!(" (cc {})", email.cc.join(", "))
                }
            )),
            Err(error) => failed(format!(
                "The SMTP server refused the email to {}: {error}",
                email.to
            )),
        }
    }
}

fn message(from: &str, email: &Email) -> Result<Message, String> {
    let mailbox = |address: &str| {
        address
            .parse::<Mailbox>()
            .map_err(|_| format!("'{address}' is not an email address."))
    };
    let mut builder = Message::builder()
        .from(mailbox(from)?)
        .to(mailbox(&email.to)?)
        .subject(email.subject.clone());
    for cc in &email.cc {
        builder = builder.cc(mailbox(cc)?);
    }
    builder
        .body(email.body.clone())
        .map_err(|error| format!("The email could not be built: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: &str, principal: &str) -> User {
        User {
            id: Uuid::nil(),
            display_name: name.to_owned(),
            given_name: name.split(' ').next().map(str::to_owned),
            surname: None,
            user_principal_name: principal.to_owned(),
            mail: None,
            department: None,
            job_title: None,
            company_name: None,
            office_location: None,
            employee_id: None,
            employee_type: None,
            employee_hire_date: None,
            employee_leave_date_time: "2026-12-04T17:00:00Z".parse().ok(),
            account_enabled: true,
            created_date_time: DateTime::UNIX_EPOCH,
            manager_id: None,
        }
    }

    fn user() -> UserWithManager {
        UserWithManager {
            user: person("Ada Lovelace", "ada@example.com"),
            manager: Some(person("Charles", "charles@example.com")),
        }
    }

    #[test]
    fn placeholders_are_filled_and_missing_values_empty() {
        assert_eq!(
            fill(
                "{{userGivenName}} {{userSurname}}|{{userEmployeeLeaveDateTime}}|{{managerEmail}}|{{unknown}}",
                &user()
            ),
            "Ada |2026-12-04|charles@example.com|{{unknown}}"
        );
    }

    #[test]
    fn recipients_follow_the_to_argument_and_the_default() {
        let to = |kind, arguments: &[TaskArgument]| {
            compose(kind, &user(), arguments).map(|email| email.to)
        };
        assert_eq!(
            to(EmailKind::OnLastDay, &[]).ok().as_deref(),
            Some("ada@example.com")
        );
        assert_eq!(
            to(EmailKind::AfterLastDay, &[]).ok().as_deref(),
            Some("charles@example.com")
        );
        let to_user = [TaskArgument {
            name: "to".to_owned(),
            value: Some("User".to_owned()),
        }];
        assert_eq!(
            to(EmailKind::AfterLastDay, &to_user).ok().as_deref(),
            Some("ada@example.com")
        );
        let sponsors = [TaskArgument {
            name: "to".to_owned(),
            value: Some("Sponsors".to_owned()),
        }];
        let refused = to(EmailKind::Welcome, &sponsors).unwrap_err();
        assert!(refused.failure_reason.unwrap().contains("Sponsors"));
        let mut alone = user();
        alone.manager = None;
        let refused = compose(EmailKind::BeforeLastDay, &alone, &[]).unwrap_err();
        assert!(refused.failure_reason.unwrap().contains("has none"));
    }
}
