//! Runs the service without the CLI, for trying pages and the browser check:
//! `cargo run -p duban-web --example serve -- --demo --bind 127.0.0.1:8080 --database-url sqlite://demo.db`

use std::net::SocketAddr;

use duban_web::{Application, Config};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut config = Config::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--demo" => config.demo = true,
            "--bind" => config.bind = args.next().ok_or("--bind ADDR")?.parse::<SocketAddr>()?,
            "--database-url" => config.database_url = args.next().ok_or("--database-url URL")?,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let app = Application::build(config).await?;
    println!("listening on http://127.0.0.1:{}/", app.port());
    app.run_until_stopped().await?;
    Ok(())
}
