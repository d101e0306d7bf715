//! Progress on stderr for long transfers (uploads and staff downloads): a bar with bytes,
//! rate and ETA on a terminal, a plain line every few seconds otherwise, nothing with
//! `--quiet`.

use std::io::{self, IsTerminal, Read};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::commands::format_bytes;

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

/// A reader that reports how far it has got, e.g. a document being downloaded.
pub struct Reporting<'a, R> {
    pub inner: R,
    pub progress: &'a mut Progress,
    pub read: u64,
}

impl<R: Read> Read for Reporting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        self.progress.set(self.read);
        Ok(n)
    }
}
