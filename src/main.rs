use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use lifecycle_workflows::app::Application;
use lifecycle_workflows::auth::{self, TokenRequest};
use lifecycle_workflows::config::{EngineSettings, Settings};
use lifecycle_workflows::engine::{self, scheduler, Callouts};
use lifecycle_workflows::shutdown::StopSignals;
use lifecycle_workflows::tenant::Tenant;
use lifecycle_workflows::{db, import, seed, telemetry};
use std::path::PathBuf;
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
    /// Create the database if missing, migrate it, and add directory entries
    /// from a file.
    Import {
        #[command(subcommand)]
        what: Import,
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
        /// The signed-in user (`oid`).
        #[arg(long, value_name = "ID")]
        user: Option<Uuid>,
        /// The application (`azp`), as a custom task extension's authorizedApps
        /// names it.
        #[arg(long, value_name = "ID")]
        app: Option<Uuid>,
    },
    /// Run scheduling passes: every tenant's enabled, scheduling-enabled
    /// workflows start scheduled runs for the users their triggers pick. Without
    /// --once, a pass every LCW_SCHEDULER_TICK_SECS, as `serve` does.
    Schedule {
        /// Run one pass over every such workflow, due or not, and exit.
        #[arg(long)]
        once: bool,
        /// The moment the pass evaluates triggers at (RFC 3339); by default now.
        #[arg(long, value_name = "TIME", value_parser = parse_time, requires = "once")]
        at: Option<DateTime<Utc>>,
        /// List who would be picked, and why, without writing anything.
        #[arg(long, requires = "once")]
        dry_run: bool,
    },
    /// Process queued users (of scheduled and activated runs) with
    /// LCW_ENGINE_WORKERS workers (at least one), as `serve` does; with
    /// --until-idle, exit once none is left.
    Work {
        #[arg(long)]
        until_idle: bool,
    },
    /// Print the OpenAPI 3.1 document the service serves at /openapi.json.
    Openapi,
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|error| format!("'{text}' is not an RFC 3339 time ({error})"))
}

#[derive(Subcommand)]
enum Import {
    /// Users from a CSV file (a header row of Graph's property names:
    /// displayName, userPrincipalName, department, …) or JSON Lines (one
    /// `POST /users` body a line), checked as the API checks them, inserted in
    /// transactions of 500.
    Users {
        file: PathBuf,
        /// The tenant whose directory gets the users.
        #[arg(long, default_value_t = auth::DEVELOPMENT_TENANT)]
        tenant: Uuid,
        /// The file's format; by default its extension's (.csv, .jsonl).
        #[arg(long, value_enum)]
        format: Option<import::Format>,
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
            user,
            app,
        } => {
            let request = TokenRequest {
                tenant,
                scopes,
                roles,
                lifetime: ttl,
                user,
                app,
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
        Command::Import {
            what:
                Import::Users {
                    file,
                    tenant,
                    format,
                },
        } => {
            telemetry::init(settings.log_format);
            // Refusals are the file's: said on stderr, as a command line tool does.
            return match import_users(settings, &file, Tenant::new(tenant), format).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("lifecycle-workflows: {error}");
                    ExitCode::FAILURE
                }
            };
        }
        Command::Serve => {
            telemetry::init(settings.log_format);
            serve(settings).await
        }
        Command::Schedule { once, at, dry_run } => {
            telemetry::init(settings.log_format);
            schedule(settings, once, at, dry_run).await
        }
        Command::Work { until_idle } => {
            telemetry::init(settings.log_format);
            work(settings, until_idle).await
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

async fn schedule(
    settings: Settings,
    once: bool,
    at: Option<DateTime<Utc>>,
    dry_run: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    migrate(&settings).await?;
    let pool = db::pool(&settings);
    if !once {
        let tick = settings
            .engine
            .scheduler_tick
            .ok_or("LCW_SCHEDULER_TICK_SECS is 0: no passes to run (use --once)")?;
        engine::spawn_scheduler(&pool, tick);
        StopSignals::catch()?.received().await;
        return Ok(());
    }
    let pass = scheduler::Pass {
        at: at.unwrap_or_else(Utc::now),
        every_workflow: true,
        dry_run,
    };
    for scheduled in scheduler::pass(&pool, pass).await? {
        let outcome = match scheduled.run_id {
            Some(run) => format!("run {run}"),
            None if dry_run && !scheduled.picks.is_empty() => "would start a run".to_owned(),
            None => "no run".to_owned(),
        };
        println!(
            "tenant {} workflow {} '{}' version {}: {} users picked, {outcome}",
            scheduled.tenant.id(),
            scheduled.workflow_id,
            scheduled.display_name,
            scheduled.version,
            scheduled.picks.len(),
        );
        for pick in &scheduled.picks {
            println!(
                "  {} {}: {} (trigger date {})",
                pick.subject_id,
                pick.user_principal_name,
                pick.reason,
                pick.trigger_date_time.to_rfc3339(),
            );
        }
    }
    Ok(())
}

async fn work(settings: Settings, until_idle: bool) -> Result<(), Box<dyn std::error::Error>> {
    migrate(&settings).await?;
    let pool = db::pool(&settings);
    let callouts = Callouts::load(&pool, &settings).await?;
    if until_idle {
        let worker = engine::worker(&pool, &settings.engine, callouts)?;
        let processed = engine::work_until_idle(&worker, settings.engine.workers).await?;
        println!("processed {processed} users");
        return Ok(());
    }
    let engine = EngineSettings {
        workers: settings.engine.workers.max(1),
        scheduler_tick: None,
        ..settings.engine
    };
    engine::spawn(&pool, &engine, callouts)?;
    StopSignals::catch()?.received().await;
    Ok(())
}

async fn import_users(
    settings: Settings,
    file: &std::path::Path,
    tenant: Tenant,
    format: Option<import::Format>,
) -> Result<(), Box<dyn std::error::Error>> {
    let format = format
        .or_else(|| import::Format::of(file))
        .ok_or("cannot tell the file's format from its extension: give --format csv or jsonl")?;
    let text = std::fs::read_to_string(file)
        .map_err(|error| import::ImportError::Read(format!("{}: {error}", file.display())))?;
    let rows = import::read(&text, format)?;
    migrate(&settings).await?;
    let pool = db::pool(&settings);
    let bar = ProgressBar::new(rows.len() as u64).with_style(ProgressStyle::with_template(
        "{elapsed_precise} {bar:40} {pos}/{len} users",
    )?);
    let started = Instant::now();
    let imported = import::insert(&pool, tenant, rows, &|users| bar.set_position(users)).await?;
    bar.finish_and_clear();
    println!(
        "imported {imported} users into tenant {} in {:.1} s",
        tenant.id(),
        started.elapsed().as_secs_f64(),
    );
    Ok(())
}

async fn migrate(settings: &Settings) -> Result<(), Box<dyn std::error::Error>> {
    db::ensure_database(settings).await?;
    db::migrate(settings).await?;
    tracing::info!("migrations applied");
    Ok(())
}
