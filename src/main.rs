use clap::{Parser, Subcommand};
use lifecycle_workflows::app::Application;
use lifecycle_workflows::config::Settings;
use lifecycle_workflows::{db, telemetry};
use std::process::ExitCode;

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
    telemetry::init(settings.log_format);
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Migrate => migrate(settings).await,
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

async fn migrate(settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    db::ensure_database(&settings.database).await?;
    db::migrate(&db::pool(&settings)).await?;
    tracing::info!("migrations applied");
    Ok(())
}
