//! Driving a guest through its serial console while it runs: `scripts/run`
//! hands QEMU's stdio to the serial port, so what a test writes to its stdin
//! arrives as typed input and its stdout streams the console output, each
//! chunk stamped with the host time it arrived at.

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::{Guest, Run};

impl Guest {
    /// Boots with `argv` as init's program, like [`Guest::run`], but returns
    /// at once with the console to drive. The guest still ends after this
    /// guest's timeout at the latest.
    pub fn spawn(&self, argv: &[&str]) -> Console {
        let mut cmd: Command = self.command(argv);
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group, so that dropping the console can stop
            // scripts/run, timeout and QEMU together.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start scripts/run: {e}"));
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (tx, chunks) = mpsc::channel();
        thread::spawn(move || {
            let mut stdout = stdout;
            let mut chunk = [0u8; 4096];
            while let Ok(n @ 1..) = stdout.read(&mut chunk) {
                if tx.send((chunk[..n].to_vec(), Instant::now())).is_err() {
                    break;
                }
            }
        });
        let stderr = thread::spawn(move || {
            let mut stderr = stderr;
            let mut all = Vec::new();
            let _ = stderr.read_to_end(&mut all);
            all
        });
        Console {
            stdin: child.stdin.take(),
            child,
            chunks,
            stderr: Some(stderr),
            text: Vec::new(),
            arrivals: Vec::new(),
            cursor: 0,
            argv: argv.iter().map(|a| (*a).to_owned()).collect(),
            boot: self.boot_description(),
            append: self.append.clone(),
            status: None,
            ended: false,
        }
    }
}

/// A running guest's serial console. Carriage returns are dropped from the
/// output, as in [`Run::serial`]. [`expect`](Console::expect) and the other
/// checks panic with the whole transcript (after stopping the guest) when
/// the guest does not do what they wait for.
pub struct Console {
    child: Child,
    stdin: Option<ChildStdin>,
    chunks: Receiver<(Vec<u8>, Instant)>,
    stderr: Option<JoinHandle<Vec<u8>>>,
    /// Everything printed so far, without '\r'.
    text: Vec<u8>,
    /// (length of `text` after a chunk, when that chunk arrived).
    arrivals: Vec<(usize, Instant)>,
    /// Where the next `expect` starts looking.
    cursor: usize,
    argv: Vec<String>,
    boot: String,
    append: Vec<String>,
    status: Option<Option<i32>>,
    ended: bool,
}

impl Console {
    /// Types `bytes` on the serial console.
    pub fn send(&mut self, bytes: &[u8]) {
        let sent = match self.stdin.as_mut() {
            Some(stdin) => stdin.write_all(bytes).and_then(|()| stdin.flush()),
            None => Ok(()),
        };
        if let Err(e) = sent {
            self.fail(&format!(
                "cannot type {:?}: {e}",
                String::from_utf8_lossy(bytes)
            ));
        }
    }

    /// Waits up to `timeout` for `needle` in the output after the previous
    /// match; returns when the chunk that completed it arrived.
    pub fn expect(&mut self, needle: &str, timeout: Duration) -> Instant {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(pos) = find(&self.text[self.cursor..], needle.as_bytes()) {
                let end = self.cursor + pos + needle.len();
                self.cursor = end;
                return self.arrival_of(end - 1);
            }
            if !self.pull(deadline) {
                let why = if self.ended {
                    format!("the guest ended without printing {needle:?}")
                } else {
                    format!("no {needle:?} within {timeout:?}")
                };
                self.fail(&why);
            }
        }
    }

    /// Waits for `duration` and fails if `needle` shows up in that time
    /// after the previous match.
    pub fn expect_quiet(&mut self, needle: &str, duration: Duration) {
        let deadline = Instant::now() + duration;
        while self.pull(deadline) {}
        if find(&self.text[self.cursor..], needle.as_bytes()).is_some() {
            self.fail(&format!("{needle:?} appeared within {duration:?}"));
        }
    }

    /// Everything the console printed so far.
    pub fn transcript(&self) -> String {
        String::from_utf8_lossy(&self.text).into_owned()
    }

    /// Waits for the guest to end on its own (`scripts/run` enforces the
    /// timeout) and returns the whole boot.
    pub fn finish(mut self) -> Run {
        self.stdin = None;
        while self.pull(Instant::now() + Duration::from_secs(3600)) {}
        self.wait();
        self.snapshot()
    }

    /// Stops the guest at once, as pulling the plug would (QEMU gets
    /// SIGKILL: nothing more reaches its disks), and returns the boot so far.
    pub fn stop(mut self) -> Run {
        self.kill();
        // Whatever was already on its way.
        while self.pull(Instant::now() + Duration::from_secs(2)) {}
        self.snapshot()
    }

    /// Stops the guest and panics with `why` and the transcript.
    #[track_caller]
    pub fn fail(&mut self, why: &str) -> ! {
        self.kill();
        // Whatever was already on its way.
        while self.pull(Instant::now() + Duration::from_secs(2)) {}
        panic!("{why}\n{}", self.snapshot());
    }

    /// Moves newly arrived output into `text`; false once the deadline
    /// passed or the output ended.
    fn pull(&mut self, deadline: Instant) -> bool {
        if self.ended {
            return false;
        }
        let wait = deadline.saturating_duration_since(Instant::now());
        match self.chunks.recv_timeout(wait) {
            Ok((chunk, at)) => {
                self.text.extend(chunk.iter().filter(|&&b| b != b'\r'));
                self.arrivals.push((self.text.len(), at));
                true
            }
            Err(RecvTimeoutError::Timeout) => false,
            Err(RecvTimeoutError::Disconnected) => {
                self.ended = true;
                false
            }
        }
    }

    fn arrival_of(&self, offset: usize) -> Instant {
        let i = self.arrivals.partition_point(|&(end, _)| end <= offset);
        self.arrivals
            .get(i)
            .map_or_else(Instant::now, |&(_, at)| at)
    }

    fn wait(&mut self) {
        if self.status.is_none() {
            self.status = Some(self.child.wait().ok().and_then(|s| s.code()));
        }
    }

    fn kill(&mut self) {
        self.stdin = None;
        if self.status.is_none() && matches!(self.child.try_wait(), Ok(None)) {
            // The whole group: scripts/run, timeout, QEMU and tee.
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", self.child.id())])
                .status();
        }
        self.wait();
    }

    fn snapshot(&mut self) -> Run {
        let stderr = self
            .stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        Run {
            argv: self.argv.clone(),
            boot: self.boot.clone(),
            append: self.append.clone(),
            status: self.status.flatten(),
            serial: self.transcript(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        }
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        self.kill();
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::find;

    #[test]
    fn find_bytes() {
        assert_eq!(find(b"abcabc", b"ca"), Some(2));
        assert_eq!(find(b"abc", b"abcd"), None);
        assert_eq!(find(b"abc", b""), Some(0));
    }
}
