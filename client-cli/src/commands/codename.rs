//! `amanat codename check`: lets a person practise typing their codename. It checks the
//! word list and the check word only; it contacts no one and writes nothing.

use std::io::BufRead;

use amanat_protocol::codename::Codename;
use zeroize::Zeroizing;

use crate::error::{CliError, Result};
use crate::secrets;

pub fn check(from_stdin: bool) -> Result<()> {
    let codename = read_codename(from_stdin)?;
    println!(
        "The codename is well-formed: {} words, and the check word fits.",
        codename.version().total_words()
    );
    println!("(This does not contact the foundation; it cannot tell whether a case exists.)");
    drop(codename);
    Ok(())
}

/// Reads and parses a codename from a hidden prompt or from standard input's first line.
pub fn read_codename(from_stdin: bool) -> Result<Codename> {
    let typed: Zeroizing<String> = if from_stdin {
        let mut line = Zeroizing::new(String::new());
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| CliError::new(format!("cannot read standard input: {e}")))?;
        line
    } else {
        use age::secrecy::ExposeSecret;
        let s = secrets::prompt("Codename (not shown as you type): ")?;
        Zeroizing::new(s.expose_secret().to_owned())
    };
    Ok(Codename::parse(&typed)?)
}
