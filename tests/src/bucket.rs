//! A fresh bucket per test on the S3-compatible store `.ci/run` starts (moto's server, at
//! `AMANAT_TEST_S3_ENDPOINT`), the environment that points `amanat-server serve` at it, and
//! every object in it, for the canary scans.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

/// Access keys moto accepts (it checks none); real credentials never reach the tests.
const KEY_ID: &str = "amanat-test";
const SECRET: &str = "amanat-test-secret";

#[derive(Clone, Debug)]
pub struct TestBucket {
    pub endpoint: String,
    pub bucket: String,
    pub prefix: String,
}

impl TestBucket {
    /// A new, empty bucket; `None` (the test returns early) when no S3 endpoint is set —
    /// unless `AMANAT_REQUIRE_S3=1`, as in CI, where that is a failure.
    pub fn fresh() -> Option<TestBucket> {
        let endpoint = match std::env::var("AMANAT_TEST_S3_ENDPOINT") {
            Ok(e) if !e.is_empty() => e.trim_end_matches('/').to_owned(),
            _ => {
                assert!(
                    std::env::var("AMANAT_REQUIRE_S3").as_deref() != Ok("1"),
                    "AMANAT_REQUIRE_S3=1 but AMANAT_TEST_S3_ENDPOINT is not set"
                );
                eprintln!("skipped: set AMANAT_TEST_S3_ENDPOINT to run the S3 variant");
                return None;
            }
        };
        Some(TestBucket::create(&endpoint))
    }

    /// A new, empty bucket on the S3 endpoint `endpoint` (e.g. `http://127.0.0.1:9055`).
    pub fn create(endpoint: &str) -> TestBucket {
        let endpoint = endpoint.trim_end_matches('/').to_owned();
        let bucket = format!("amanat-{}", crate::random_hex(8));
        let r = client()
            .put(format!("{endpoint}/{bucket}"))
            .send()
            .expect("the S3 endpoint must answer");
        assert!(r.status().is_success(), "creating bucket {bucket}: {r:?}");
        TestBucket {
            endpoint,
            bucket,
            prefix: "amanat".into(),
        }
    }

    /// The variables that make `amanat-server serve` keep its blobs here.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            (
                "AMANAT_BLOBS".into(),
                format!("s3://{}/{}", self.bucket, self.prefix),
            ),
            ("AMANAT_S3_ENDPOINT".into(), self.endpoint.clone()),
            ("AMANAT_S3_PATH_STYLE".into(), "true".into()),
            ("AMANAT_S3_REGION".into(), "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID".into(), KEY_ID.into()),
            ("AWS_SECRET_ACCESS_KEY".into(), SECRET.into()),
        ]
    }

    /// The bucket these variables name, if they name one.
    pub fn from_env(env: &[(String, String)]) -> Option<TestBucket> {
        let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let url = get("AMANAT_BLOBS")?;
        let rest = url.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        Some(TestBucket {
            endpoint: get("AMANAT_S3_ENDPOINT")?,
            bucket: bucket.into(),
            prefix: prefix.into(),
        })
    }

    /// Every key in the bucket (all prefixes).
    pub fn keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut url = format!("{}/{}?list-type=2", self.endpoint, self.bucket);
            if let Some(t) = &token {
                let encoded: String = t
                    .bytes()
                    .map(|b| match b {
                        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                            (b as char).to_string()
                        }
                        _ => format!("%{b:02X}"),
                    })
                    .collect();
                url.push_str(&format!("&continuation-token={encoded}"));
            }
            let body = client().get(url).send().unwrap().text().unwrap();
            keys.extend(tags(&body, "Key"));
            match tags(&body, "NextContinuationToken").into_iter().next() {
                Some(t) if body.contains("<IsTruncated>true</IsTruncated>") => token = Some(t),
                _ => return keys,
            }
        }
    }

    /// Every object, as `s3://bucket/key` and its bytes.
    pub fn objects(&self) -> Vec<(String, Vec<u8>)> {
        self.keys()
            .into_iter()
            .map(|k| {
                let bytes = client()
                    .get(format!("{}/{}/{k}", self.endpoint, self.bucket))
                    .send()
                    .unwrap()
                    .bytes()
                    .unwrap()
                    .to_vec();
                (format!("s3://{}/{k}", self.bucket), bytes)
            })
            .collect()
    }

    /// The content-addressed blobs: their SHA-256 names.
    pub fn blob_names(&self) -> Vec<String> {
        let prefix = format!("{}/blobs/", self.prefix);
        let mut v: Vec<String> = self
            .keys()
            .into_iter()
            .filter_map(|k| {
                k.strip_prefix(&prefix)
                    .and_then(|r| r.split_once('/'))
                    .map(|(_, n)| n.to_owned())
            })
            .collect();
        v.sort();
        v
    }

    /// Multipart uploads in progress (for checking the collector aborted them).
    pub fn multipart_uploads(&self) -> usize {
        let body = client()
            .get(format!("{}/{}?uploads", self.endpoint, self.bucket))
            .send()
            .unwrap()
            .text()
            .unwrap();
        body.matches("<Upload>").count()
    }
}

fn client() -> reqwest::blocking::Client {
    crate::install_crypto_provider();
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .no_proxy()
        .build()
        .unwrap()
}

fn tags(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        let Some(j) = after.find(&close) else { break };
        out.push(after[..j].replace("&amp;", "&"));
        rest = &after[j + close.len()..];
    }
    out
}
