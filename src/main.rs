use clap::{Parser, Subcommand};
use lifecycle_workflows::app::Application;
use lifecycle_workflows::auth::{self, TokenRequest};
use lifecycle_workflows::config::Settings;
use lifecycle_workflows::{db, telemetry};
use std::process::ExitCode;
use std::time::Duration;
use uuid::Uuid;

/// Microsoft Graph's Lifecycle Workflows API, on PostgreSQL. Settings come from the
/// environment and `.env` (see `.env.example`).
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Create the database if missing, apply the migrations, and serve (the default).
    Serve,
    /// Create the database if missing and apply the migrations, then exit.
    Migrate,
    /// Print a bearer token the service accepts, signed with LCW_AUTH_HS256_SECRET
    /// (or the development secret when no key is configured).
    Token {
        /// The tenant (`tid`) the token acts in.
        #[arg(long, default_value_t = auth::DEVELOPMENT_TENANT)]
        tenant: Uuid,
        /// A delegated permission (`scp`); repeat for more. Without scopes or
        /// roles the token carries LifecycleWorkflows.ReadWrite.All.
        #[arg(long = "scope", value_name = "PERMISSION")]
        scopes: Vec<String>,
        /// An application permission (`roles`); repeat for more.
        #[arg(long = "role", value_name = "PERMISSION")]
        roles: Vec<String>,
        /// How long the token is valid: 1h, 30m, 7d.
        #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
        ttl: Duration,
    },
}

#[actix_web::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    dotenvy::dotenv().ok();
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("lifecycle-workflows: {error}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Token {
            tenant,
            scopes,
            roles,
            ttl,
        } => {
            let request = TokenRequest {
                tenant,
                scopes,
                roles,
                lifetime: ttl,
            };
            return print_token(&settings, &request);
        }
        Command::Migrate => {
            telemetry::init(settings.log_format);
            migrate(settings).await
        }
        Command::Serve => {
            telemetry::init(settings.log_format);
            serve(settings).await
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "stopped");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    Application::build(settings)
        .await?
        .run_until_stopped()
        .await?;
    Ok(())
}

/// Only the token goes to stdout, so that `$(lifecycle-workflows token)` works.
fn print_token(settings: &Settings, request: &TokenRequest) -> ExitCode {
    match auth::mint(&settings.auth, request) {
        Ok(token) => {
            println!("{token}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("lifecycle-workflows: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn migrate(settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    db::ensure_database(&settings.database).await?;
    db::migrate(&settings.database).await?;
    tracing::info!("migrations applied");
    Ok(())
}
