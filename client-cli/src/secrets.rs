//! Passphrases and other secrets from a person: a no-echo prompt, a file, or an environment
//! variable for scripts. Never from a command-line argument, which would sit in shell history.

use std::path::{Path, PathBuf};

use age::secrecy::{ExposeSecret, SecretString};

use crate::error::{CliError, Result};

/// Where a passphrase comes from.
#[derive(Clone, Debug)]
pub enum PassphraseSource {
    Prompt,
    File(PathBuf),
    Env(String),
    /// For `amanat demo` only; never reachable from the command line.
    #[cfg(feature = "demo")]
    Literal(SecretString),
}

impl PassphraseSource {
    /// `--passphrase-file` wins, then `AMANAT_PASSPHRASE`, then a prompt.
    pub fn from_flags(file: Option<&Path>) -> Self {
        if let Some(f) = file {
            PassphraseSource::File(f.to_owned())
        } else if std::env::var_os("AMANAT_PASSPHRASE").is_some() {
            PassphraseSource::Env("AMANAT_PASSPHRASE".into())
        } else {
            PassphraseSource::Prompt
        }
    }

    /// Reads an existing passphrase.
    pub fn read(&self, what: &str) -> Result<SecretString> {
        match self {
            PassphraseSource::Prompt => prompt(&format!("Passphrase for {what}: ")),
            PassphraseSource::File(p) => {
                let s = std::fs::read_to_string(p)
                    .map_err(|e| CliError::file("read the passphrase file", p, e))?;
                let line = s.lines().next().unwrap_or("").to_owned();
                Ok(SecretString::from(line))
            }
            PassphraseSource::Env(var) => std::env::var(var)
                .map(SecretString::from)
                .map_err(|_| CliError::new(format!("{var} is not valid UTF-8"))),
            #[cfg(feature = "demo")]
            PassphraseSource::Literal(s) => Ok(s.clone()),
        }
    }

    /// Reads a new passphrase (asked twice at a prompt) and refuses weak ones.
    pub fn read_new(&self, what: &str) -> Result<SecretString> {
        let p = match self {
            PassphraseSource::Prompt => {
                let a = prompt(&format!("New passphrase for {what}: "))?;
                let b = prompt("Repeat it: ")?;
                if a.expose_secret() != b.expose_secret() {
                    return Err(CliError::new("the two passphrases differ"));
                }
                a
            }
            other => other.read(what)?,
        };
        if p.expose_secret().chars().count() < 12 {
            return Err(CliError::new("the passphrase is too short")
                .hint("use at least 12 characters; several unrelated words are easy to remember"));
        }
        Ok(p)
    }
}

pub fn prompt(label: &str) -> Result<SecretString> {
    rpassword::prompt_password(label)
        .map(SecretString::from)
        .map_err(|e| {
            CliError::new(format!("cannot read from the terminal: {e}"))
                .hint("in scripts, use --passphrase-file FILE or the AMANAT_PASSPHRASE variable")
        })
}

/// Asks a question on the terminal and reads one visible line (a confirmation, never a secret).
pub fn prompt_line(label: &str) -> Result<String> {
    use std::io::Write;
    eprint!("{label}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| CliError::new(format!("cannot read from the terminal: {e}")))?;
    Ok(line)
}
