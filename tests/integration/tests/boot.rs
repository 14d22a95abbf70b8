//! Boot the kernel with the busybox initramfs (`RUN_ROOT=initramfs`) and run
//! real programs as init: each test is one boot whose init execs the program
//! under test.
//! Expected outputs were checked against Linux 6.18 with the same initramfs
//! (`KERNEL=$(rootfs/fetch-reference) cargo test -p qemu-tests`).

use qemu_tests::{Guest, TIMEOUT_STATUS, check_abi_report};

#[test]
fn shell_prints_and_exits_with_its_status() {
    let run = Guest::initramfs().run(&["sh", "-c", "echo hello; exit 7"]);
    assert!(run.has_line("hello"), "expected a line 'hello'\n{run}");
    assert_eq!(run.status, Some(7), "{run}");
}

#[test]
fn false_exits_1() {
    let run = Guest::initramfs().run(&["/bin/false"]);
    assert_eq!(run.status, Some(1), "{run}");
}

#[test]
fn true_exits_0() {
    let run = Guest::initramfs().run(&["/bin/true"]);
    assert_eq!(run.status, Some(0), "{run}");
}

/// abi_check's last step writes to a read-only page: death by SIGSEGV is
/// status 128 + 11 for the harness.
fn abi_check(path: &str) {
    let run = Guest::initramfs()
        .append("ABI_TEST=1")
        .run(&[path, "alpha", "beta gamma"]);
    if let Err(why) = check_abi_report(&run.serial) {
        panic!("{why}\n{run}");
    }
    assert_eq!(
        run.status,
        Some(139),
        "expected death by SIGSEGV (139)\n{run}"
    );
}

#[test]
fn abi_check_static() {
    abi_check("/test/abi_check");
}

#[test]
fn abi_check_static_pie() {
    abi_check("/test/abi_check-pie");
}

#[test]
fn double_quote_round_trips() {
    // A '"' cannot sit inside a quoted Linux command-line argument, so
    // scripts/run sends this word as ash's $'...' form.
    let run = Guest::initramfs().run(&["sh", "-c", r#"echo "a  b""#]);
    assert!(run.has_line("a  b"), "expected a line 'a  b'\n{run}");
    assert_eq!(run.status, Some(0), "{run}");
}

#[test]
fn arguments_round_trip_byte_for_byte() {
    // Newline, tab, single and double quotes, backslash, '$', '=' and
    // non-ASCII bytes all reach the program unchanged, as separate words.
    let script = "echo first\nprintf '[%s]\\n' \"$@\"";
    let args = [
        "it's",
        "tab\there",
        "q\"uote",
        r"back\slash $HOME",
        "a=b",
        "é",
        "",
    ];
    let mut argv = vec!["sh", "-c", script, "sh"];
    argv.extend(args);
    let run = Guest::initramfs().run(&argv);
    assert!(run.has_line("first"), "{run}");
    for arg in args {
        let line = format!("[{arg}]");
        assert!(run.has_line(&line), "expected a line {line:?}\n{run}");
    }
    assert_eq!(run.status, Some(0), "{run}");
}

#[test]
fn malformed_elf_is_an_exec_error() {
    // /test/bad.elf is abi_check with e_phentsize corrupted: execve fails with
    // ENOEXEC. ash then tries to run it as a script by re-executing itself
    // through /proc/self/exe, which fails with ENOENT since nothing mounts
    // /proc; hence Linux's (and our) "not found" and status 127.
    let run = Guest::initramfs().run(&["sh", "-c", "exec /test/bad.elf"]);
    assert!(
        run.has_line("sh: exec: line 0: /test/bad.elf: not found"),
        "expected ash's exec error\n{run}"
    );
    assert_eq!(run.status, Some(127), "{run}");
}

#[test]
fn hung_guest_times_out() {
    let run = Guest::initramfs()
        .timeout_secs(5)
        .run(&["sh", "-c", "while :; do :; done"]);
    assert_eq!(run.status, Some(TIMEOUT_STATUS), "{run}");
    assert!(run.stderr.contains("timed out"), "{run}");
}
