//! Prometheus metrics on their own loopback listener, from the real server after a real
//! journey: the counters move (requests by route and status, bytes in and out, the log's
//! size, database and blob timings, the proof-of-work difficulty), and nothing in them can
//! name a person: no case or document id, codename, token, file name, address or user agent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use amanat_tests::{Backend, Cli, Foundation, Server, ServerOptions, parse_submit, privacy};

fn sample(text: &str, name_and_labels: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name_and_labels)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no sample {name_and_labels} in:\n{text}"))
        .parse()
        .unwrap()
}

#[test]
fn metrics_count_the_journey_and_name_nobody() {
    let foundation = Foundation::new();
    let reviewer = foundation.add_staff("aigerim", "reviewer");
    let server = Server::start_with_env(
        &foundation.root_public,
        ServerOptions {
            backend: Backend::Sqlite,
            max_document_bytes: None,
            session_ttl_secs: None,
        },
        &[("AMANAT_METRICS_LISTEN", "127.0.0.1:0")],
    );
    foundation.set_log(&server);
    foundation.publish(&server);
    reviewer.login(&server, &foundation.fingerprint);
    let token = reviewer.token();

    let c = Cli::new();
    let form = serde_json::json!({"version": 1, "language": "en",
        "identity": {"surname": privacy::canary("Metrics"), "given_name": "Aruzhan"}});
    std::fs::write(c.path("appeal.json"), form.to_string()).unwrap();
    let poa_name = format!("{}.pdf", privacy::canary("poa-file"));
    privacy::file_name(&poa_name);
    std::fs::write(c.path(&poa_name), "%PDF-1.4 power of attorney").unwrap();
    let out = c.ok(&[
        "submit",
        "--server",
        &server.url,
        "--server-cert",
        &server.cert_sha256,
        "--root",
        &foundation.fingerprint,
        "--form",
        "appeal.json",
        "--poa",
        &poa_name,
    ]);
    let submitted = parse_submit(&out);
    privacy::codename(&submitted.codename);
    let case = submitted.case_id.clone();
    // The reviewer downloads the case (bytes out) and probes paths no route has.
    reviewer.cli.ok(&[
        "staff",
        "open",
        &case,
        "--out",
        "case",
        "--key",
        "staff.key",
    ]);
    let http = server.http();
    let detail = http
        .get(&format!("/v1/cases/{case}"), Some(&token))
        .json
        .unwrap();
    let mut ids = vec![case.clone()];
    for d in detail["documents"].as_array().unwrap() {
        ids.push(d["document_id"].as_str().unwrap().to_owned());
    }
    let probe = privacy::canary("path");
    assert_eq!(http.get(&format!("/v1/{probe}"), None).status, 404);
    assert_eq!(
        http.get(&format!("/v1/cases/{probe}"), Some(&token)).status,
        400
    );
    assert_eq!(http.send(http.request("BREW", "/v1/health")).status, 405);

    let metrics = reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .unwrap();
    let url = server.metrics_url();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let resp = metrics.get(&url).send().unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = resp.text().unwrap();

    // The counters moved with the journey.
    let created = sample(
        &text,
        "amanat_http_requests_total{method=\"POST\",route=\"/v1/cases\",status=\"201\"}",
    );
    assert_eq!(created, 1.0);
    assert!(
        sample(
            &text,
            "amanat_http_requests_total{method=\"other\",route=\"/v1/health\",status=\"405\"}"
        ) >= 1.0
    );
    assert!(
        sample(
            &text,
            "amanat_http_requests_total{method=\"GET\",route=\"<unmatched>\",status=\"404\"}"
        ) >= 1.0
    );
    let entries = http.get("/v1/log/checkpoint", None).json.unwrap()["checkpoint"]
        .as_str()
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .parse::<f64>()
        .unwrap();
    assert_eq!(sample(&text, "amanat_log_entries"), entries);
    assert!(sample(&text, "amanat_upload_bytes_total") > 0.0);
    assert!(sample(&text, "amanat_download_bytes_total") > 0.0);
    assert!(sample(&text, "amanat_database_wait_seconds_count") > 0.0);
    assert!(sample(&text, "amanat_database_held_seconds_count") > 0.0);
    assert!(sample(&text, "amanat_blob_commit_seconds_count") >= 2.0);
    assert!(sample(&text, "amanat_pow_difficulty_bits") >= f64::from(amanat_tests::TEST_POW_BITS));
    assert!(
        sample(
            &text,
            "amanat_http_request_duration_seconds_count{route=\"/v1/cases/{case}\"}"
        ) >= 1.0
    );

    // Nobody is named: every secret the suite registered, addresses, the user agent.
    let scan = privacy::scan_text(&text);
    assert!(scan.findings.is_empty(), "{:?}", scan.findings);
    // Ids are not log canaries (the server's own log may name them), so they are checked here.
    for id in &ids {
        assert!(!text.contains(id.as_str()), "{id} is in the metrics");
    }
    assert!(!text.contains(&probe) && !text.contains(&token));
    // Every route label is a pattern: no id-like run of hex digits, nothing else.
    for route in text.split("route=\"").skip(1) {
        let route = &route[..route.find('"').unwrap()];
        assert!(route == "<unmatched>" || route.starts_with('/'), "{route}");
        let longest_hex = route
            .split(|c: char| !c.is_ascii_hexdigit())
            .map(str::len)
            .max()
            .unwrap_or(0);
        assert!(longest_hex < 8, "an id-like label: {route}");
    }

    // Only /metrics, only GET.
    let other = metrics
        .get(url.replace("/metrics", "/v1/health"))
        .send()
        .unwrap();
    assert_eq!(other.status(), 404);
    let post = metrics.post(&url).send().unwrap();
    assert!(post.status().is_client_error(), "{}", post.status());
}
