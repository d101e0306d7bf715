//! Network faults for the end-to-end tests: a TCP proxy on 127.0.0.1 between the CLI and the
//! server that can cut a connection after a number of bytes, or hold it while the test
//! restarts the server behind it (the proxy's own address never changes).

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// What happens when the bytes sent towards the server reach a threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The connection carrying that byte is closed at once, both ways.
    Cut,
    /// The connection stops forwarding and is held until [`Proxy::release`].
    Hold,
}

struct Shared {
    upstream: Mutex<SocketAddr>,
    /// Bytes forwarded towards the server, over all connections.
    forwarded: AtomicU64,
    /// Pending faults by threshold, in order.
    faults: Mutex<Vec<(u64, Fault)>>,
    held: Mutex<bool>,
    released: Condvar,
    hits: Mutex<Option<Sender<u64>>>,
}

/// A proxy running on its own threads until the test process ends.
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    hits: Receiver<u64>,
}

impl Proxy {
    pub fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = mpsc::channel();
        let shared = Arc::new(Shared {
            upstream: Mutex::new(upstream),
            forwarded: AtomicU64::new(0),
            faults: Mutex::new(Vec::new()),
            held: Mutex::new(false),
            released: Condvar::new(),
            hits: Mutex::new(Some(tx)),
        });
        let s = shared.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let s = s.clone();
                std::thread::spawn(move || serve(client, s));
            }
        });
        Proxy {
            addr,
            shared,
            hits: rx,
        }
    }

    /// For a server URL like `https://127.0.0.1:PORT`.
    pub fn for_url(url: &str) -> Proxy {
        Proxy::start(addr_of(url))
    }

    /// `https://127.0.0.1:PORT` of the proxy.
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT` of the proxy, for a plain-HTTP upstream (an S3 endpoint).
    pub fn plain_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set_upstream_url(&self, url: &str) {
        *self.shared.upstream.lock().unwrap() = addr_of(url);
    }

    /// Arms `fault` for when `after` more bytes (from now) have gone towards the server.
    pub fn arm(&self, after: u64, fault: Fault) {
        let at = self.forwarded() + after;
        let mut faults = self.shared.faults.lock().unwrap();
        faults.push((at, fault));
        faults.sort_by_key(|f| f.0);
    }

    /// Waits until an armed fault has happened; returns the byte count it happened at.
    pub fn wait_for_fault(&self, timeout: Duration) -> u64 {
        self.hits
            .recv_timeout(timeout)
            .expect("no fault happened in time: did the upload stop early?")
    }

    /// Drops the held connection(s).
    pub fn release(&self) {
        *self.shared.held.lock().unwrap() = false;
        self.shared.released.notify_all();
    }

    pub fn forwarded(&self) -> u64 {
        self.shared.forwarded.load(Ordering::SeqCst)
    }
}

fn addr_of(url: &str) -> SocketAddr {
    url.trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap()
}

fn serve(client: TcpStream, s: Arc<Shared>) {
    let upstream = *s.upstream.lock().unwrap();
    let Ok(server) = TcpStream::connect(upstream) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    // Server to client: plain copy.
    std::thread::spawn(move || copy_plain(s2, c2));
    let mut from = client;
    let mut to = server;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let start = s.forwarded.fetch_add(n as u64, Ordering::SeqCst);
        let hit = {
            let mut faults = s.faults.lock().unwrap();
            match faults.first() {
                Some(&(at, fault)) if at < start + n as u64 => {
                    faults.remove(0);
                    Some((at.saturating_sub(start) as usize, fault, at))
                }
                _ => None,
            }
        };
        match hit {
            None => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            Some((keep, fault, at)) => {
                let _ = to.write_all(&buf[..keep.min(n)]);
                if fault == Fault::Hold {
                    *s.held.lock().unwrap() = true;
                }
                if let Some(tx) = s.hits.lock().unwrap().as_ref() {
                    let _ = tx.send(at);
                }
                if fault == Fault::Hold {
                    let mut held = s.held.lock().unwrap();
                    while *held {
                        held = s.released.wait(held).unwrap();
                    }
                }
                break;
            }
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}

fn copy_plain(mut from: TcpStream, mut to: TcpStream) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}

/// A TCP (TLS pass-through) load balancer on 127.0.0.1: each new connection goes to the next
/// upstream in turn, skipping one that refuses connections, as a balancer with a health
/// check would. Counts the connections each upstream took.
pub struct Balancer {
    addr: SocketAddr,
    taken: Arc<Vec<AtomicU64>>,
}

impl Balancer {
    /// For server URLs like `https://127.0.0.1:PORT`.
    pub fn for_urls(urls: &[&str]) -> Balancer {
        let upstreams: Vec<SocketAddr> = urls.iter().map(|u| addr_of(u)).collect();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let taken: Arc<Vec<AtomicU64>> =
            Arc::new(upstreams.iter().map(|_| AtomicU64::new(0)).collect());
        let counts = taken.clone();
        std::thread::spawn(move || {
            let mut next = 0usize;
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let mut server = None;
                for k in 0..upstreams.len() {
                    let i = (next + k) % upstreams.len();
                    if let Ok(s) = TcpStream::connect(upstreams[i]) {
                        counts[i].fetch_add(1, Ordering::SeqCst);
                        next = i + 1;
                        server = Some(s);
                        break;
                    }
                }
                let Some(server) = server else {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                };
                let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || copy_plain(s2, c2));
                std::thread::spawn(move || copy_plain(client, server));
            }
        });
        Balancer { addr, taken }
    }

    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// Connections each upstream took, in the order given.
    pub fn connections(&self) -> Vec<u64> {
        self.taken
            .iter()
            .map(|c| c.load(Ordering::SeqCst))
            .collect()
    }
}
