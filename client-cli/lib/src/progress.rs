//! How the library reports a long transfer without knowing who watches: the CLI draws a bar
//! on stderr, the staff UI sends events to its page, a test or benchmark stays silent.

use std::sync::Arc;

/// One transfer's progress, as it happens.
pub trait Progress {
    /// `offset` bytes of the total are done (acknowledged by the server, or written).
    fn set(&mut self, offset: u64);
    /// Something worth saying that is not a number: a retry, a resumption.
    fn note(&mut self, text: &str);
    /// The transfer finished.
    fn done(&mut self);
}

/// Makes a [`Progress`] for each transfer.
pub trait Report: Send + Sync {
    /// `label` says what is happening ("sending attachment"), `done_word` what it is when
    /// finished ("sent"), `total` how many bytes it moves.
    fn transfer(&self, label: String, done_word: &'static str, total: u64) -> Box<dyn Progress>;
    /// For a single request: notes (retries), no bar.
    fn notes(&self) -> Box<dyn Progress>;
}

/// Reports nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Progress for Silent {
    fn set(&mut self, _offset: u64) {}
    fn note(&mut self, _text: &str) {}
    fn done(&mut self) {}
}

impl Report for Silent {
    fn transfer(&self, _label: String, _done: &'static str, _total: u64) -> Box<dyn Progress> {
        Box::new(Silent)
    }
    fn notes(&self) -> Box<dyn Progress> {
        Box::new(Silent)
    }
}

/// A shared reporter, cheap to clone into upload settings.
pub type Reporter = Arc<dyn Report>;

/// The reporter that reports nothing.
pub fn silent() -> Reporter {
    Arc::new(Silent)
}
