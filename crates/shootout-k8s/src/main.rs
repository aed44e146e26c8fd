use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = shootout_k8s::cli::Cli::parse();
    shootout_k8s::install_tls_provider();
    shootout::supervise::orphans::install_panic_hook();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        // No orphans: the images `push` starts are stopped on ^C too.
        shootout::supervise::orphans::exit_on_signals();
        shootout_k8s::commands::k8s(cli.command).await
    });
    shootout::supervise::orphans::kill_all();
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {}", shootout::error_text(&e));
            ExitCode::from(2)
        }
    }
}
