//! Prometheus metrics: counters and histograms kept in memory, rendered in the text format.
//! Labels are only ever route patterns, methods from a fixed list and status codes, never a
//! path, id, token, file name, address or user agent, so nothing here can name a person.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The methods a label may name; anything else (a client may send any token) is `other`.
const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

#[derive(Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, d: Duration) {
        let s = d.as_secs_f64();
        for (c, le) in self.counts.iter_mut().zip(BUCKETS) {
            if s <= le {
                *c += 1;
            }
        }
        self.count += 1;
        self.sum += s;
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (c, le) in self.counts.iter().zip(BUCKETS) {
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{le}\"}} {c}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", self.count);
    }
}

/// Everything counted since the process started.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(&'static str, String, u16), u64>>,
    durations: Mutex<BTreeMap<String, Histogram>>,
    database_wait: Mutex<Histogram>,
    database_held: Mutex<Histogram>,
    blob_commit: Mutex<Histogram>,
    upload_bytes: AtomicU64,
    download_bytes: AtomicU64,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::default);

/// The process's metrics (one server per process; an embedded server shares them).
pub fn global() -> &'static Metrics {
    &METRICS
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding a lock cannot leave a counter half-updated: keep counting.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A route pattern is safe as a label only if it is one of ours: `/` and path segments of
/// letters, digits, `-`, `_`, `.` or a `{name}`/`{name:.*}` placeholder.
fn route_label(pattern: Option<&str>) -> String {
    match pattern {
        Some(p)
            if p.len() <= 100
                && p.starts_with('/')
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/-_.{}:*".contains(c)) =>
        {
            p.to_owned()
        }
        _ => "<unmatched>".to_owned(),
    }
}

impl Metrics {
    /// One answered request: its method, the route pattern it matched and its status.
    pub fn request(&self, method: &str, pattern: Option<&str>, status: u16, elapsed: Duration) {
        let method = METHODS
            .iter()
            .find(|m| **m == method)
            .copied()
            .unwrap_or("other");
        let route = route_label(pattern);
        *lock(&self.requests)
            .entry((method, route.clone(), status))
            .or_default() += 1;
        lock(&self.durations)
            .entry(route)
            .or_default()
            .observe(elapsed);
    }

    pub fn database_wait(&self, d: Duration) {
        lock(&self.database_wait).observe(d);
    }

    pub fn database_held(&self, d: Duration) {
        lock(&self.database_held).observe(d);
    }

    pub fn blob_commit(&self, d: Duration) {
        lock(&self.blob_commit).observe(d);
    }

    pub fn uploaded(&self, bytes: u64) {
        self.upload_bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    pub fn downloaded(&self, bytes: u64) {
        self.download_bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// The Prometheus text format, with the gauges read at scrape time.
    pub fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::new();
        out.push_str("# HELP amanat_http_requests_total Requests answered, by method, route pattern and status.\n# TYPE amanat_http_requests_total counter\n");
        for ((method, route, status), n) in lock(&self.requests).iter() {
            let _ = writeln!(
                out,
                "amanat_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str("# HELP amanat_http_request_duration_seconds Time to the response head, by route pattern.\n# TYPE amanat_http_request_duration_seconds histogram\n");
        for (route, h) in lock(&self.durations).iter() {
            h.render(
                &mut out,
                "amanat_http_request_duration_seconds",
                &format!("route=\"{route}\""),
            );
        }
        for (name, help, h) in [
            (
                "amanat_database_wait_seconds",
                "Time waiting for a database connection from the pool.",
                &self.database_wait,
            ),
            (
                "amanat_database_held_seconds",
                "Time a database connection was held (the queries and transactions on it).",
                &self.database_held,
            ),
            (
                "amanat_blob_commit_seconds",
                "Time to make a received blob durable (fsync, rename, directory fsync).",
                &self.blob_commit,
            ),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
            lock(h).render(&mut out, name, "");
        }
        for (name, help, v) in [
            (
                "amanat_upload_bytes_total",
                "Ciphertext bytes received into the blob store.",
                &self.upload_bytes,
            ),
            (
                "amanat_download_bytes_total",
                "Ciphertext bytes sent from the blob store.",
                &self.download_bytes,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                v.load(Ordering::Relaxed)
            );
        }
        for (name, help, v) in [
            (
                "amanat_log_entries",
                "Entries in the transparency log.",
                gauges.log_entries,
            ),
            (
                "amanat_pow_difficulty_bits",
                "The proof-of-work difficulty a puzzle issued now would have.",
                u64::from(gauges.pow_bits),
            ),
            (
                "amanat_requests_in_flight",
                "Requests being served now.",
                gauges.in_flight as u64,
            ),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
        }
        out
    }
}

/// What is read fresh for each scrape.
pub struct Gauges {
    pub log_entries: u64,
    pub pow_bits: u8,
    pub in_flight: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_only_patterns_methods_and_statuses() {
        let m = Metrics::default();
        let ms = Duration::from_millis(3);
        m.request("GET", Some("/v1/cases/{case}"), 200, ms);
        m.request("BREW", Some("/v1/cases/{case}"), 405, ms);
        m.request("GET", None, 404, ms);
        m.request("GET", Some("/v1/cases/6f1c\"} 1\nevil"), 200, ms);
        m.uploaded(10);
        let text = m.render(&Gauges {
            log_entries: 7,
            pow_bits: 12,
            in_flight: 1,
        });
        assert!(text.contains(
            "amanat_http_requests_total{method=\"GET\",route=\"/v1/cases/{case}\",status=\"200\"} 1"
        ));
        assert!(text.contains("method=\"other\",route=\"/v1/cases/{case}\",status=\"405\"} 1"));
        assert!(text.contains("route=\"<unmatched>\",status=\"200\"} 1"));
        assert!(!text.contains("evil"));
        assert!(text.contains("amanat_upload_bytes_total 10"));
        assert!(text.contains("amanat_log_entries 7"));
        assert!(text.contains(
            "amanat_http_request_duration_seconds_bucket{route=\"/v1/cases/{case}\",le=\"0.005\"} 2"
        ));
        assert!(text.contains("amanat_database_wait_seconds_count 0"));
        // Every sample line is `name{labels} value` or `name value`.
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let value = line.rsplit(' ').next().unwrap();
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }
}
