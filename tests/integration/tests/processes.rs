//! Issue 3's acceptance checks: processes, pipes, signals, threads, timers
//! and the terminal. Where a check can be compared with Linux it is: the
//! expected output comes from running the same busybox binary and script,
//! taken out of the initramfs, on the host. All of them pass against Linux
//! 6.18 with the same initramfs
//! (`KERNEL=$(rootfs/fetch-reference) cargo test -p qemu-tests --test processes`).
//!
//! Timeouts are generous: everything runs under TCG, and the suite may run
//! several guests at once.

use std::path::Path;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use qemu_tests::{Guest, HostBusybox, Run, check_report, describe_difference, output_before_exit};

/// Host-side scratch space (cargo's per-target temporary directory).
fn tmp() -> &'static Path {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
}

/// WORD quoted for sh.
fn sh_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// What init printed, up to the kernel's last line; panics without it.
fn init_output(run: &Run) -> &str {
    output_before_exit(&run.serial)
        .unwrap_or_else(|| panic!("the kernel never reported init's exit\n{run}"))
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

// ---- 1. a pipeline --------------------------------------------------------------

/// Full pipes, blocked writers and SIGPIPE: sort only writes once seq is
/// done, and head leaves before sort is.
const PIPELINE: &str = r#"seq 1 200000 | sort -rn | head -3 | tr "\n" " ""#;

#[test]
fn pipeline_prints_what_linux_prints() {
    let host = HostBusybox::extract(tmp(), &[]);
    let want = host.sh(PIPELINE);
    assert!(
        want.status.success(),
        "the pipeline failed on the host: {want:?}"
    );
    let want = String::from_utf8_lossy(&want.stdout).into_owned();

    let run = Guest::initramfs()
        .timeout_secs(300)
        .run(&["sh", "-c", PIPELINE]);
    if let Some(diff) = describe_difference(&want, init_output(&run)) {
        panic!("guest output differs from the host's {want:?}\n{diff}\n{run}");
    }
    assert_eq!(run.status, Some(0), "{run}");
}

// ---- 2. a shell script, byte for byte ----------------------------------------

const SHELL_CHECK: &str = "/test/shell_check.sh";

/// The command that runs tests/scripts/shell_check.sh, the same in the guest
/// and on the host but for the paths: stdout and stderr share one pipe so
/// their interleaving is fixed, and that pipe is not a terminal on either
/// side.
fn shell_check_command(script: &str, scratch: &str) -> String {
    format!(
        "{{ sh {} {}; echo \"shell_check status $?\"; }} 2>&1 | cat",
        sh_quote(script),
        sh_quote(scratch)
    )
}

/// shell_check's output on the host. No normalisation is applied to either
/// side: the script prints no pids, times, inode numbers, owners or
/// directory sizes and sorts what `find` lists (readdir order is the file
/// system's), so Linux and the guest must agree to the byte.
fn shell_check_on_host() -> String {
    let host = HostBusybox::extract(tmp(), &[SHELL_CHECK]);
    let script = host.path(SHELL_CHECK);
    let scratch = host.scratch("shell_check");
    let cmd = shell_check_command(
        script.to_str().expect("UTF-8 path"),
        scratch.to_str().expect("UTF-8 path"),
    );
    let out = host.sh(&cmd);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && text.ends_with("shell_check status 0\n"),
        "shell_check fails on the host (status {:?}):\n{text}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn guest_shell_check_command() -> String {
    shell_check_command(SHELL_CHECK, "/tmp/shell_check")
}

fn assert_same_as_host(want: &str, got: &str, run: &Run) {
    if let Some(diff) = describe_difference(want, got) {
        panic!("shell_check in the guest differs from Linux on the host:\n{diff}\n{run}");
    }
}

#[test]
fn shell_script_prints_what_linux_prints() {
    let want = shell_check_on_host();
    let run = Guest::initramfs()
        .timeout_secs(600)
        .run(&["sh", "-c", &guest_shell_check_command()]);
    assert_same_as_host(&want, init_output(&run), &run);
    assert_eq!(run.status, Some(0), "{run}");
}

// ---- 3. sleep takes real time ------------------------------------------------------

#[test]
fn sleep_2_takes_2_host_seconds() {
    // Timed between markers the guest prints around the sleep, so boot time
    // does not count; arrival times on the host's side of the serial port.
    let mut con = Guest::initramfs().timeout_secs(300).spawn(&[
        "sh",
        "-c",
        "echo @@before; sleep 2; echo @@after",
    ]);
    let before = con.expect("@@before\n", secs(240));
    let after = con.expect("@@after\n", secs(60));
    let took = after.duration_since(before).as_secs_f64();
    if !(1.9..=10.0).contains(&took) {
        con.fail(&format!(
            "sleep 2 took {took:.3} host seconds, want 1.9 to 10"
        ));
    }
    let run = con.finish();
    assert_eq!(run.status, Some(0), "{run}");
}

// ---- 4. proc_check -----------------------------------------------------------------

fn assert_proc_check(run: &Run) {
    if let Err(why) = check_report(&run.serial, "proc_check") {
        panic!("{why}\n{run}");
    }
}

#[test]
fn proc_check_as_init() {
    // PID 1: proc_check forks a worker and reaps orphans itself.
    let run = Guest::initramfs()
        .timeout_secs(900)
        .run(&["/test/proc_check"]);
    assert_proc_check(&run);
    assert_eq!(run.status, Some(0), "{run}");
}

#[test]
fn proc_check_pie_under_a_shell() {
    // An ordinary process under an init shell, and the static-PIE build.
    let run = Guest::initramfs().timeout_secs(900).run(&[
        "sh",
        "-c",
        "/test/proc_check-pie; echo \"proc_check status $?\"",
    ]);
    assert_proc_check(&run);
    assert!(run.has_line("proc_check status 0"), "{run}");
    assert_eq!(run.status, Some(0), "{run}");
}

// ---- 5. the serial console ---------------------------------------------------------

/// ash's prompt as root in /.
const PROMPT: &str = "/ # ";

#[test]
fn serial_console_input_reaches_the_shell() {
    let mut con = Guest::initramfs().timeout_secs(300).spawn(&["sh"]);
    con.expect(PROMPT, secs(240));
    con.send(b"echo hello\n");
    // The line itself is echoed first ("/ # echo hello"); the output is
    // the line that is just "hello".
    con.expect("\nhello\n", secs(30));
    con.expect(PROMPT, secs(30));
    con.send(b"exit 3\n");
    let run = con.finish();
    assert_eq!(run.status, Some(3), "{run}");
}

#[test]
fn job_control_on_the_serial_console() {
    // setsid -c makes the console the controlling terminal of a new session
    // whose interactive shell then does job control. Markers are computed
    // ($((...)), $?) so that the shell's echo of a typed line never matches.
    let mut con = Guest::initramfs().timeout_secs(600).spawn(&[
        "sh",
        "-c",
        "setsid -c sh; echo shell-exited-$?",
    ]);
    let t = secs(60);
    con.expect(PROMPT, secs(240));

    // ^C interrupts a foreground sleep; the shell survives.
    con.send(b"sh -c 'echo started-$((1+1)); exec sleep 100'\n");
    con.expect("started-2\n", t);
    con.send(b"\x03");
    con.expect(PROMPT, t);
    con.send(b"echo status-$?\n");
    con.expect("status-130\n", t);
    con.expect(PROMPT, t);

    // ^Z stops the job (its sleep 3 runs out meanwhile, but it cannot go on
    // to print), fg resumes it in the foreground: it reads the terminal.
    con.send(b"sh -c 'echo ready-$((2+2)); sleep 3; echo slept-$((3+3)); read line; echo got-$line; exec sleep 100'\n");
    con.expect("ready-4\n", t);
    con.send(b"\x1a");
    con.expect("Stopped", t);
    con.expect(PROMPT, t);
    con.send(b"echo status-$?\n");
    con.expect("status-148\n", t);
    con.expect(PROMPT, t);
    con.expect_quiet("slept-6", secs(4));
    con.send(b"jobs\n");
    con.expect("Stopped", t);
    con.expect(PROMPT, t);
    con.send(b"fg\n");
    con.expect("slept-6\n", t);
    con.send(b"abc\n");
    con.expect("got-abc\n", t);
    // Now in `exec sleep 100`, still in the foreground.
    con.send(b"\x03");
    con.expect(PROMPT, t);
    con.send(b"echo status-$?\n");
    con.expect("status-130\n", t);
    con.expect(PROMPT, t);

    con.send(b"exit\n");
    con.expect("shell-exited-0\n", t);
    let run = con.finish();
    assert_eq!(run.status, Some(0), "{run}");
}

// ---- 6. a million random system calls, then shell_check again -------------------

const FUZZ_CALLS: u64 = 1_000_000;

/// FUZZ_SEED=N reruns a given seed (syscall_fuzz prints the seed it used).
fn fuzz_seed() -> u64 {
    match std::env::var("FUZZ_SEED") {
        Ok(s) => {
            let parsed = match s.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => s.parse(),
            };
            parsed.unwrap_or_else(|_| panic!("FUZZ_SEED={s:?} is not a number"))
        }
        Err(_) => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64),
    }
}

#[test]
fn syscall_fuzz_then_shell_script_still_matches() {
    let seed = fuzz_seed();
    // The host's reference output, made while the guest fuzzes.
    let want = thread::spawn(shell_check_on_host);
    let cmd = format!(
        "/test/syscall_fuzz {seed} {FUZZ_CALLS}; echo \"fuzz-status-$?\"; {}",
        guest_shell_check_command()
    );
    let run = Guest::initramfs()
        .timeout_secs(1800)
        .run(&["sh", "-c", &cmd]);
    let want = want.join().expect("shell_check on the host");

    let made = format!("syscall_fuzz: {FUZZ_CALLS} of {FUZZ_CALLS} calls made");
    assert!(
        run.lines().any(|l| l.starts_with(&made)),
        "syscall_fuzz (seed {seed}) did not make all its calls\n{run}"
    );
    let output = init_output(&run);
    let (_, after) = output
        .split_once("fuzz-status-0\n")
        .unwrap_or_else(|| panic!("syscall_fuzz (seed {seed}) failed\n{run}"));
    assert_same_as_host(&want, after, &run);
    assert_eq!(run.status, Some(0), "{run}");
}

// ---- init survives signals it has no handler for ------------------------------------

#[test]
fn init_survives_kill_of_its_process_group() {
    // As Linux's SIGNAL_UNKILLABLE: the shell running as PID 1 outlives `kill -9 0` (which also
    // kills the background sleep in its group) and a SIGTERM, and exits with its own status.
    let run = Guest::initramfs().timeout_secs(120).run(&[
        "sh",
        "-c",
        "sleep 30 & kill -9 0; echo survived-kill; kill -TERM 1; echo survived-term; exit 3",
    ]);
    assert_eq!(init_output(&run), "survived-kill\nsurvived-term\n", "{run}");
    assert_eq!(run.status, Some(3), "{run}");
}
