//! Opening files that input names. A path in a campaign file or on the command line may
//! name anything: `/dev/zero` (reads for ever), a FIFO (an open or a read blocks for
//! ever), a directory, a socket, or a file far larger than the host should hold in memory.
//! Every plugin, partner source and campaign file is opened here, and only regular files
//! (after following links) are accepted:
//!
//! - the file is opened with `O_NONBLOCK`, so opening a FIFO returns at once instead of
//!   waiting for a writer, and with `O_NOCTTY`, so a terminal never becomes ours;
//! - the type and size come from `fstat` on the opened descriptor, not from the path, so
//!   the file checked is the file read (no race between a check and an open);
//! - `O_NONBLOCK` is then cleared, so reads behave as usual;
//! - a read with a limit reads at most one byte more than the limit, so a file that grows,
//!   or reports no size (`/proc`), is still refused without holding more than the limit.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::os::unix::io::AsRawFd;
use std::path::Path;

/// A mebibyte, the unit every limit here is written in.
pub const MIB: u64 = 1 << 20;

/// The largest plugin the host loads. The bundled plugins are under 300 KiB; a plugin
/// built from Python with its interpreter is around 40 MiB.
pub const PLUGIN_MAX: u64 = 64 * MIB;

/// The largest campaign file the host reads (they are a few KiB).
pub const CAMPAIGN_MAX: u64 = 16 * MIB;

/// Why a file was not opened or read.
#[derive(Debug)]
pub enum FileError {
    /// Not a regular file: what it is instead ("a directory", "a FIFO (named pipe)").
    NotRegular(&'static str),
    /// Over the limit: its size when known, the limit, and what is limited ("plugins").
    TooLarge {
        /// The file's size, when the file system gave one (a stream has none).
        len: Option<u64>,
        /// The limit, in bytes.
        max: u64,
        /// What is limited, for the message ("plugins").
        what: &'static str,
    },
    /// The file system refused (not found, no permission).
    Io(io::Error),
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::NotRegular(kind) => write!(f, "it is {kind}, not a regular file"),
            FileError::TooLarge { len, max, what } => {
                match len {
                    Some(n) => write!(f, "it is {}", size(*n))?,
                    None => write!(f, "it is over {}", size(*max))?,
                }
                write!(f, "; the host reads {what} of at most {}", size(*max))
            }
            FileError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for FileError {}

impl From<io::Error> for FileError {
    fn from(e: io::Error) -> Self {
        FileError::Io(e)
    }
}

/// A size for a message: whole MiB as `300 MiB`, else one decimal, bytes under 1 MiB.
pub fn size(n: u64) -> String {
    if n < MIB {
        format!("{n} bytes")
    } else if n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else {
        format!("{:.1} MiB", n as f64 / MIB as f64)
    }
}

fn kind(t: std::fs::FileType) -> &'static str {
    if t.is_dir() {
        "a directory"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// Opens `path` for reading if it is a regular file (after following links) of at most
/// `max_len` bytes (`what` names such files in the message: "plugins"). Returns the file
/// and its size.
pub fn open_regular(
    path: &Path,
    what: &'static str,
    max_len: Option<u64>,
) -> Result<(File, u64), FileError> {
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
    {
        Ok(f) => f,
        Err(e) => {
            // Opening a socket fails (ENXIO) with a message that names no socket; say what
            // it is. The stat is for the message only: nothing is opened after it.
            if let Ok(m) = std::fs::metadata(path)
                && !m.is_file()
            {
                return Err(FileError::NotRegular(kind(m.file_type())));
            }
            return Err(e.into());
        }
    };
    let meta = file.metadata()?; // fstat on the descriptor: the file we opened
    if !meta.is_file() {
        return Err(FileError::NotRegular(kind(meta.file_type())));
    }
    if let Some(max) = max_len
        && meta.len() > max
    {
        return Err(FileError::TooLarge {
            len: Some(meta.len()),
            max,
            what,
        });
    }
    // SAFETY: fcntl on a descriptor we own; F_GETFL/F_SETFL touch only its status flags.
    unsafe {
        let fd = file.as_raw_fd();
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags < 0 || libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) < 0 {
            return Err(io::Error::last_os_error().into());
        }
    }
    Ok((file, meta.len()))
}

/// Reads a whole regular file of at most `max_len` bytes ([`open_regular`]); never reads
/// more than `max_len + 1` bytes, whatever the file claims or does.
pub fn read_regular(path: &Path, what: &'static str, max_len: u64) -> Result<Vec<u8>, FileError> {
    let (file, len) = open_regular(path, what, Some(max_len))?;
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(max_len.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_len {
        return Err(FileError::TooLarge {
            len: None,
            max: max_len,
            what,
        });
    }
    Ok(bytes)
}

/// [`read_regular`] for text: UTF-8 or the same error `read_to_string` gives.
pub fn read_text(path: &Path, what: &'static str, max_len: u64) -> Result<String, FileError> {
    String::from_utf8(read_regular(path, what, max_len)?).map_err(|_| {
        FileError::Io(io::Error::new(
            io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn reason(r: Result<impl Sized, FileError>) -> String {
        match r {
            Ok(_) => panic!("accepted"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn only_regular_files_are_opened() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(
            reason(open_regular(Path::new("/dev/zero"), "plugins", None)),
            "it is a character device, not a regular file"
        );
        assert_eq!(
            reason(open_regular(d.path(), "plugins", None)),
            "it is a directory, not a regular file"
        );
        let fifo = d.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid C string; mkfifo only creates a node.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let t = Instant::now();
        assert_eq!(
            reason(read_regular(&fifo, "plugins", 10)),
            "it is a FIFO (named pipe), not a regular file"
        );
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "no writer was waited for"
        );
        // A link is followed: to a FIFO is refused, to a file is read.
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&fifo, &link).unwrap();
        assert_eq!(
            reason(read_regular(&link, "plugins", 10)),
            "it is a FIFO (named pipe), not a regular file"
        );
        let sock = d.path().join("sock");
        let _l = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        assert_eq!(
            reason(read_regular(&sock, "plugins", 10)),
            "it is a socket, not a regular file"
        );
        assert_eq!(
            reason(read_regular(&d.path().join("missing"), "plugins", 10)),
            "No such file or directory (os error 2)"
        );
    }

    #[test]
    fn reads_are_bounded() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("a");
        std::fs::write(&f, b"0123456789").unwrap();
        assert_eq!(read_regular(&f, "plugins", 10).unwrap(), b"0123456789");
        assert_eq!(
            reason(read_regular(&f, "plugins", 9)),
            "it is 10 bytes; the host reads plugins of at most 9 bytes"
        );
        let big = d.path().join("big.wasm");
        File::create(&big).unwrap().set_len(300 * MIB).unwrap();
        assert_eq!(
            reason(read_regular(&big, "plugins", PLUGIN_MAX)),
            "it is 300 MiB; the host reads plugins of at most 64 MiB"
        );
        // A file that reports no size is cut off one byte past the limit.
        assert_eq!(
            reason(read_regular(Path::new("/proc/self/maps"), "plugins", 16)),
            "it is over 16 bytes; the host reads plugins of at most 16 bytes"
        );
        std::fs::write(&f, b"\xff").unwrap();
        assert_eq!(
            reason(read_text(&f, "campaign files", 10)),
            "stream did not contain valid UTF-8"
        );
        // The descriptor reads as usual once open (O_NONBLOCK cleared).
        let (file, _) = open_regular(&f, "x", None).unwrap();
        // SAFETY: F_GETFL on an open descriptor.
        let flags = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETFL) };
        assert_eq!(flags & libc::O_NONBLOCK, 0);
    }

    #[test]
    fn sizes_read_plainly() {
        assert_eq!(size(0), "0 bytes");
        assert_eq!(size(64 * MIB), "64 MiB");
        assert_eq!(size(64 * MIB + MIB / 2), "64.5 MiB");
    }
}
