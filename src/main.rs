//! `gatehouse serve | migrate | openapi | bootstrap`

use clap::{Parser, Subcommand};
use gatehouse::clock::SystemClock;
use gatehouse::config::Config;
use gatehouse::environment::{api_keys, clients};
use gatehouse::App;
use migration::MigratorTrait;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "gatehouse",
    version,
    about = "Organizations, users and enterprise SSO for B2B SaaS"
)]
struct Cli {
    /// TOML configuration file; GATEHOUSE_* variables override it.
    #[arg(long, global = true, env = "GATEHOUSE_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
    /// Create an API key and print it with the default client's id.
    Bootstrap {
        #[arg(long, default_value = "bootstrap")]
        name: String,
    },
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if config.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::from(2);
        }
    };
    init_logging(&config);
    match run(cli.command.unwrap_or(Command::Serve), config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "gatehouse stopped");
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn run(command: Command, config: Config) -> Result<(), BoxError> {
    match command {
        Command::Migrate => {
            gatehouse::prepare_data_dir(&config)?;
            let db = gatehouse::store::Db::connect(&config.database_url, 1).await?;
            migration::Migrator::up(db.write(), None).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Openapi => {
            let app = App::build(
                Config {
                    database_url: "sqlite::memory:".into(),
                    ..config
                },
                Arc::new(SystemClock),
            )
            .await?;
            println!("{}", app.openapi_json());
            Ok(())
        }
        Command::Bootstrap { name } => {
            let app = App::build(config, Arc::new(SystemClock)).await?;
            print_new_key(&app, &name).await
        }
        Command::Serve => serve(config).await,
    }
}

async fn print_new_key(app: &App, name: &str) -> Result<(), BoxError> {
    let created = api_keys::create_api_key(&app.ctx, name)
        .await
        .map_err(|e| e.to_string())?;
    let client = clients::ensure_default_client(&app.ctx)
        .await
        .map_err(|e| e.to_string())?;
    println!("API key (shown once): {}", created.secret);
    println!("Client id:            {}", client.id);
    Ok(())
}

async fn serve(config: Config) -> Result<(), BoxError> {
    let listen = config.listen.clone();
    let app = App::build(config, Arc::new(SystemClock)).await?;
    app.start_background_tasks();
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    let addr = listener.local_addr()?;
    println!("Gatehouse listening on http://{addr}");
    if !api_keys::any_api_key_exists(&app.ctx).await? {
        print_new_key(&app, "bootstrap").await?;
    }
    let endpoint = app.endpoint();
    poem::Server::new_with_acceptor(poem::listener::TcpAcceptor::from_tokio(listener)?)
        .run_with_graceful_shutdown(
            endpoint,
            async {
                let _ = tokio::signal::ctrl_c().await;
            },
            None,
        )
        .await?;
    Ok(())
}
