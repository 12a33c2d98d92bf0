use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use lifecycle_workflows::app::Application;
use lifecycle_workflows::auth::{self, TokenRequest};
use lifecycle_workflows::config::Settings;
use lifecycle_workflows::shutdown::StopSignals;
use lifecycle_workflows::tenant::Tenant;
use lifecycle_workflows::{db, seed, telemetry};
use std::process::ExitCode;
use std::time::{Duration, Instant};
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
    /// Create the database if missing, migrate it, and fill a tenant with demo data:
    /// joiner, leaver and mover workflows, each run once for every user.
    Seed {
        /// The tenant to fill.
        #[arg(long, default_value_t = auth::DEVELOPMENT_TENANT)]
        tenant: Uuid,
        /// How many workflows; every fifth ends up deleted.
        #[arg(long, default_value_t = 10)]
        workflows: u32,
        /// How many users each workflow runs for.
        #[arg(long, default_value_t = 100)]
        users: u32,
    },
    /// Print a bearer token the service accepts, signed with LCW_AUTH_HS256_SECRET
    /// (or the development secret when no key is configured).
    Token {
        /// The tenant (`tid`) the token acts in.
        #[arg(long, default_value_t = auth::DEVELOPMENT_TENANT)]
        tenant: Uuid,
        /// A delegated permission (`scp`); repeat for more. Without scopes or
        /// roles the token carries LifecycleWorkflows.ReadWrite.All and
        /// Directory.ReadWrite.All.
        #[arg(long = "scope", value_name = "PERMISSION")]
        scopes: Vec<String>,
        /// An application permission (`roles`); repeat for more.
        #[arg(long = "role", value_name = "PERMISSION")]
        roles: Vec<String>,
        /// How long the token is valid: 1h, 30m, 7d.
        #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
        ttl: Duration,
    },
    /// Print the OpenAPI 3.1 document the service serves at /openapi.json.
    Openapi,
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
            migrate(&settings).await
        }
        Command::Seed {
            tenant,
            workflows,
            users,
        } => {
            telemetry::init(settings.log_format);
            let plan = seed::Plan {
                tenant: Tenant::new(tenant),
                workflows,
                users,
            };
            seed_tenant(settings, plan).await
        }
        Command::Serve => {
            telemetry::init(settings.log_format);
            serve(settings).await
        }
        Command::Openapi => {
            println!("{}", lifecycle_workflows::routes::openapi_json());
            return ExitCode::SUCCESS;
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
    let signals = StopSignals::catch()?;
    Application::build(settings)
        .await?
        .run_until_signalled(signals)
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

async fn seed_tenant(
    settings: Settings,
    plan: seed::Plan,
) -> Result<(), Box<dyn std::error::Error>> {
    migrate(&settings).await?;
    let pool = db::pool(&settings);
    // Each workflow runs once for every user; most have three enabled tasks.
    let bar = ProgressBar::new(u64::from(plan.workflows) * u64::from(plan.users) * 3).with_style(
        ProgressStyle::with_template("{elapsed_precise} {bar:40} {pos}/~{len} task results")?,
    );
    let started = Instant::now();
    let seeded = seed::seed(&pool, &plan, &|results| bar.set_position(results)).await?;
    bar.finish_and_clear();
    println!(
        "seeded tenant {} in {:.1} s: {} workflows ({} deleted), {} runs, {} userProcessingResults, {} taskProcessingResults",
        plan.tenant.id(),
        started.elapsed().as_secs_f64(),
        seeded.workflows,
        seeded.deleted_workflows,
        seeded.runs,
        seeded.user_processing_results,
        seeded.task_processing_results,
    );
    Ok(())
}

async fn migrate(settings: &Settings) -> Result<(), Box<dyn std::error::Error>> {
    db::ensure_database(settings).await?;
    db::migrate(settings).await?;
    tracing::info!("migrations applied");
    Ok(())
}
