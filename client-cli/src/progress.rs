//! Progress on stderr for long transfers (uploads and staff downloads): a bar with bytes,
//! rate and ETA on a terminal, a plain line every few seconds otherwise, nothing with
//! `--quiet`. It is the CLI's [`amanat_client::progress::Report`].

use std::io::{self, IsTerminal};
use std::sync::Arc;
use std::time::{Duration, Instant};

use amanat_client::format_bytes;
use amanat_client::progress::{self as lib, Reporter};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Plain progress lines (stderr not a terminal) come this often.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

/// One transfer's progress.
pub struct Progress {
    bar: Option<ProgressBar>,
    plain: Option<Plain>,
    /// Whether lines about retries are printed.
    notes: bool,
    done_word: &'static str,
}

struct Plain {
    label: String,
    total: u64,
    started: Instant,
    last: Instant,
    first_offset: Option<u64>,
}

impl Progress {
    /// `label` says what is happening ("sending attachment"), `done_word` what it is when
    /// finished ("sent").
    pub fn new(label: String, done_word: &'static str, total: u64, quiet: bool) -> Progress {
        if quiet {
            return Progress::notes_only(true);
        }
        if io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec}, {eta} left",
            )
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_message(label);
            Progress {
                bar: Some(bar),
                plain: None,
                notes: true,
                done_word,
            }
        } else {
            let now = Instant::now();
            Progress {
                bar: None,
                plain: Some(Plain {
                    label,
                    total,
                    started: now,
                    last: now,
                    first_offset: None,
                }),
                notes: true,
                done_word,
            }
        }
    }

    pub fn notes_only(quiet: bool) -> Progress {
        Progress {
            bar: None,
            plain: None,
            notes: !quiet,
            done_word: "done",
        }
    }

    pub fn set(&mut self, offset: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(offset);
        }
        if let Some(p) = &mut self.plain {
            let base = *p.first_offset.get_or_insert(offset);
            if p.last.elapsed() >= PLAIN_EVERY {
                p.last = Instant::now();
                let secs = p.started.elapsed().as_secs_f64().max(0.001);
                let rate = offset.saturating_sub(base) as f64 / secs;
                let left = if rate > 0.0 {
                    format!(
                        ", about {} s left",
                        (p.total.saturating_sub(offset) as f64 / rate).ceil()
                    )
                } else {
                    String::new()
                };
                eprintln!(
                    "{}: {} of {} ({}%), {}/s{left}",
                    p.label,
                    format_bytes(offset),
                    format_bytes(p.total),
                    offset.saturating_mul(100) / p.total.max(1),
                    format_bytes(rate as u64),
                );
            }
        }
    }

    /// A line about a retry or a resume, above the bar.
    pub fn note(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None if self.notes => eprintln!("{text}"),
            None => {}
        }
    }

    pub fn done(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if let Some(p) = &self.plain {
            eprintln!("{}: {} {}", p.label, format_bytes(p.total), self.done_word);
        }
    }
}

impl lib::Progress for Progress {
    fn set(&mut self, offset: u64) {
        Progress::set(self, offset)
    }
    fn note(&mut self, text: &str) {
        Progress::note(self, text)
    }
    fn done(&mut self) {
        Progress::done(self)
    }
}

/// Bars on a terminal, plain lines otherwise, nothing at all when `quiet`.
pub struct Terminal {
    pub quiet: bool,
}

impl lib::Report for Terminal {
    fn transfer(
        &self,
        label: String,
        done_word: &'static str,
        total: u64,
    ) -> Box<dyn lib::Progress> {
        Box::new(Progress::new(label, done_word, total, self.quiet))
    }
    fn notes(&self) -> Box<dyn lib::Progress> {
        Box::new(Progress::notes_only(self.quiet))
    }
}

/// The reporter for a command run with or without `--quiet`.
pub fn terminal(quiet: bool) -> Reporter {
    Arc::new(Terminal { quiet })
}
