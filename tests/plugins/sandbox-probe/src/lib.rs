//! Tries everything a plugin must not get — files, the environment, arguments, sockets,
//! name lookup, the real clock, real randomness — and reports what it saw as notes
//! (`what: result`), then answers correctly. The host's test asserts it saw nothing.
use std::io::Read;

use ascribe_sdk::model::{Journeys, Model, ModelError, Output};
include!("../../common.rs");

unsafe extern "C" {
    /// wasi-libc: fills `buf` from `wasi:random/random`.
    fn getentropy(buf: *mut u8, len: usize) -> i32;
}

fn show<T: std::fmt::Debug>(r: std::io::Result<T>) -> String {
    match r {
        Ok(v) => format!("GOT {v:?}"),
        Err(e) => format!("denied ({:?})", e.kind()),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Everything the probe tried, in order.
pub fn probe() -> Vec<String> {
    let mut notes = vec![];
    for path in [
        "/etc/passwd",
        "/proc/self/environ",
        "data/nimbus/opportunities.csv",
    ] {
        let r = std::fs::File::open(path).and_then(|mut f| {
            let mut s = String::new();
            f.read_to_string(&mut s).map(|n| n.min(16))
        });
        notes.push(format!("read {path}: {}", show(r)));
    }
    for dir in [".", "/", "/tmp"] {
        let r = std::fs::read_dir(dir).map(|d| d.count());
        notes.push(format!("list {dir}: {}", show(r)));
    }
    notes.push(format!(
        "write /tmp/ascribe-probe: {}",
        show(std::fs::write("/tmp/ascribe-probe", b"x"))
    ));
    notes.push(format!("cwd: {}", show(std::env::current_dir())));
    let vars: Vec<String> = std::env::vars().map(|(k, _)| k).collect();
    notes.push(format!("env: {} variables {vars:?}", vars.len()));
    notes.push(format!("HOME: {:?}", std::env::var("HOME").ok()));
    notes.push(format!("args: {:?}", std::env::args().collect::<Vec<_>>()));
    notes.push(format!(
        "tcp 127.0.0.1:22: {}",
        show(std::net::TcpStream::connect("127.0.0.1:22").map(|_| ()))
    ));
    notes.push(format!(
        "tcp listen: {}",
        show(std::net::TcpListener::bind("0.0.0.0:0").map(|_| ()))
    ));
    notes.push(format!(
        "udp bind: {}",
        show(std::net::UdpSocket::bind("0.0.0.0:0").map(|_| ()))
    ));
    notes.push(format!(
        "dns example.com: {}",
        show(std::net::ToSocketAddrs::to_socket_addrs(&("example.com", 80)).map(|a| a.count()))
    ));
    let wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64());
    notes.push(format!("wall clock: {wall:?}"));
    let t0 = std::time::Instant::now();
    let mut x = 1u64;
    for _ in 0..10_000_000 {
        x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
    }
    notes.push(format!(
        "monotonic clock after busy work: {:?}",
        t0.elapsed()
    ));
    let mut buf = [0u8; 16];
    // SAFETY: buf is valid for 16 bytes.
    let rc = unsafe { getentropy(buf.as_mut_ptr(), buf.len()) };
    notes.push(format!("random: rc {rc} {}", hex(&buf)));
    notes
}

pub struct SandboxProbe;
impl Model for SandboxProbe {
    fn info() -> ascribe_sdk::model::Info {
        info("sandbox-probe")
    }
    fn attribute(j: &Journeys, _: &ascribe_sdk::Params) -> Result<Output, ModelError> {
        let mut out = Output::weights(first_touch_weights(j));
        out.notes = probe();
        Ok(out)
    }
}
ascribe_sdk::export_model!(SandboxProbe);
