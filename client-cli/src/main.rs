//! `amanat`: the client for complainants, staff, admins and auditors.
//! Everything secret is encrypted or decrypted here, on the person's own device.

mod cli;
mod commands;
mod error;
mod i18n;
mod progress;
mod secrets;

// The client library does the work; these names keep `crate::api::…` paths short.
use amanat_client::{api, upload};

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{AdminCommand, Cli, CodenameCommand, Command, StaffCli};
use crate::error::Result;
use crate::secrets::PassphraseSource;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Submit(args) => commands::submit::run(&args),
        Command::Inbox(args) => {
            let foundation = commands::foundation(&args.server, &args.root)?;
            let codename = commands::codename::read_codename(args.codename_stdin)?;
            commands::inbox::run(&foundation, codename, args.save.as_deref())
        }
        Command::Withdraw(args) => commands::inbox::withdraw(&args),
        Command::Codename(CodenameCommand::Check { stdin }) => commands::codename::check(stdin),
        Command::Staff(StaffCli::Core(cmd)) => commands::staff::run(&cmd),
        Command::Staff(StaffCli::Report(args)) => commands::report::run_args(&args),
        Command::Staff(StaffCli::Search(args)) => commands::search::run_args(&args),
        #[cfg(feature = "ui")]
        Command::Staff(StaffCli::Ui(args)) => commands::ui::run(&args),
        #[cfg(not(feature = "ui"))]
        Command::Staff(StaffCli::Ui(_)) => Err(error::CliError::new(
            "this build of amanat has no staff workspace",
        )
        .hint("build it with the default features (`ui`)")),
        Command::Admin(AdminCommand::Init { out, passphrase }) => {
            let pass = PassphraseSource::from_flags(passphrase.passphrase_file.as_deref());
            commands::admin::init(&out, &pass).map(|_| ())
        }
        Command::Admin(AdminCommand::Keyring(cmd)) => commands::admin::run_keyring(&cmd),
        Command::Admin(AdminCommand::Web(cmd)) => commands::admin::run_web(&cmd),
        Command::Admin(AdminCommand::Root(cmd)) => commands::admin::run_root(&cmd),
        Command::Audit(cmd) => commands::audit::run(&cmd),
        #[cfg(feature = "ui")]
        Command::Witness(cmd) => commands::witness::run(&cmd),
        #[cfg(feature = "demo")]
        Command::Demo(args) => commands::demo::run(&args),
    }
}
